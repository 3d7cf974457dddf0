"""warehouse.lock: one run at a time per warehouse, across real processes, on both databases."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from shouwang.context import Context
from warehouse.lock import WarehouseBusy, parse_tag, tag, warehouse_lock

ROOT = Path(__file__).resolve().parents[2]
# A second process that takes the lock, says so, and holds it until killed.
HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from shouwang.context import Context
    from warehouse.lock import warehouse_lock
    ctx = Context(warehouse=sys.argv[1], home=Path(sys.argv[2]))
    with warehouse_lock(ctx, shared=sys.argv[3] == "shared"):
        print("held", flush=True)
        time.sleep(600)
""")


def _holder(ctx: Context, mode: str = "exclusive") -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, ctx.warehouse, str(ctx.home), mode],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)  # a holder that dies frees the lock
    proc.wait()


def _wait(ctx: Context, seconds: float) -> None:
    ctx.settings["pipeline"].update(lock_wait_seconds=seconds, lock_poll_seconds=0.1)


def test_a_second_run_waits_then_stops_with_one_line(ctx):
    _wait(ctx, 1)
    holder = _holder(ctx)
    said: list[str] = []
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseBusy) as busy:
            with warehouse_lock(ctx, notify=said.append):
                pytest.fail("the lock was taken twice")
        waited = time.monotonic() - started
    finally:
        _stop(holder)
    assert 1 <= waited < 5
    assert len(said) == 1 and said[0].startswith("another run holds the warehouse since ")
    assert f"(pid {holder.pid}); waiting…" in said[0]
    message = str(busy.value)
    assert "\n" not in message and f"(pid {holder.pid})" in message
    assert "pipeline.lock_wait_seconds" in message


def test_the_lock_is_free_once_its_holder_dies(ctx):
    _wait(ctx, 10)
    holder = _holder(ctx)
    _stop(holder)
    started = time.monotonic()
    with warehouse_lock(ctx, notify=lambda m: pytest.fail(m)):
        pass
    assert time.monotonic() - started < 2


def test_a_waiting_run_goes_on_when_the_first_ends(ctx):
    _wait(ctx, 30)
    holder = _holder(ctx)
    said: list[str] = []
    killer = subprocess.Popen([sys.executable, "-c",
                               f"import os, time; time.sleep(1); os.kill({holder.pid}, 9)"])
    try:
        with warehouse_lock(ctx, notify=said.append):
            assert holder.poll() is not None  # only after the first run ended
    finally:
        killer.wait()
        holder.wait()
    assert len(said) == 1


def test_shared_holders_share_and_keep_exclusive_runs_out(ctx):
    _wait(ctx, 0.5)
    holder = _holder(ctx, "shared")
    try:
        with warehouse_lock(ctx, shared=True, notify=lambda m: pytest.fail(m)):
            pass  # another department's ingest goes on in parallel
        with pytest.raises(WarehouseBusy):
            with warehouse_lock(ctx, notify=lambda m: None):
                pass
    finally:
        _stop(holder)


def test_the_lock_is_reentrant_within_a_run(ctx):
    _wait(ctx, 0.5)
    with warehouse_lock(ctx):
        with warehouse_lock(ctx, notify=lambda m: pytest.fail(m)):
            with warehouse_lock(ctx, shared=True, notify=lambda m: pytest.fail(m)):
                pass
        # Still held after the inner blocks: another process cannot take it.
        probe = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
            from pathlib import Path
            from shouwang.context import Context
            from warehouse.lock import WarehouseBusy, warehouse_lock
            ctx = Context(warehouse={ctx.warehouse!r}, home=Path({str(ctx.home)!r}))
            ctx.settings["pipeline"].update(lock_wait_seconds=0.2, lock_poll_seconds=0.1)
            try:
                with warehouse_lock(ctx, notify=lambda m: None):
                    print("taken")
            except WarehouseBusy:
                print("busy")
            """)], cwd=ROOT, capture_output=True, text=True, check=True)
        assert probe.stdout.strip() == "busy"


def test_a_tag_names_the_process_and_its_start():
    holder = parse_tag(tag())
    assert holder.pid == os.getpid() and abs(holder.since - time.time()) < 5
    assert parse_tag("psql").describe() == "since ? (pid ?)"
