"""Run one linking system in a fresh process and measure its wall time and peak memory."""
from __future__ import annotations

import importlib
import multiprocessing as mp
import resource
import time
import traceback


def _child(queue, target: str, data, kwargs: dict) -> None:
    try:
        module, func = target.split(":")
        fn = getattr(importlib.import_module(module), func)
        started = time.perf_counter()
        predicted, notes = fn(data, **kwargs)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
        queue.put({"predicted": predicted, "notes": notes, "seconds": seconds, "peak_mb": peak_mb})
    except BaseException as e:  # reported, not raised: one peer failing must not stop the rest
        queue.put({"error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()})


def run_isolated(target: str, data, timeout: float = 1800, **kwargs) -> dict:
    """Call ``module:function(data, **kwargs)`` in a spawned process; its result and costs.

    Peak memory is the child's maximum resident set (interpreter, libraries, data, work);
    wall time covers the call only, not the process start or the data transfer.
    """
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, target, data, kwargs))
    proc.start()
    try:
        result = queue.get(timeout=timeout)
    except Exception:
        proc.kill()
        result = {"error": f"no result within {timeout:.0f} s"}
    proc.join()
    return result
