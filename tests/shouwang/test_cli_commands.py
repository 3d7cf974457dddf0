"""`shouwang generate` and `shouwang bench` come from the `shouwang.commands` entry points:
they work as users type them, from any folder, and a tool that is not installed is simply absent."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from shouwang import cli

SHOUWANG = Path(sys.executable).with_name("shouwang")


def commands() -> list[str]:
    """The top-level commands of the parser as built now."""
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    return list(sub.choices)


def fake_distribution(root: Path, name: str, entry_points: str) -> None:
    """A real installed-distribution folder (dist-info) on ``root``, declaring ``entry_points``."""
    info = root / f"{name}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[shouwang.commands]\n{entry_points}\n", encoding="utf-8")


def test_generate_and_bench_are_commands_from_any_folder(tmp_path):
    # Run from outside the checkout: shouwang_tools must resolve through the installed package,
    # not through the current folder (a stray top-level `tools` in site-packages would shadow it).
    out = tmp_path / "county"
    gen = subprocess.run([str(SHOUWANG), "--home", str(tmp_path / "home"), "generate", "--households", "20",
                          "--period", "2026-10", "--out", str(out), "--seed", "3"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    bench = subprocess.run([str(SHOUWANG), "bench", "match", "--help"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)

    assert gen.returncode == 0, gen.stderr[-2000:]
    assert gen.stdout.startswith("generated 20 households")
    with open(out / "roster.csv", encoding="utf-8-sig", errors="replace") as f:
        assert len(list(csv.reader(f))) > 20
    from connectors.catalog import department_names
    assert len(list((out / "landing").iterdir())) == len(department_names())  # one file each
    assert bench.returncode == 0, bench.stderr[-2000:]
    assert "usage: shouwang bench match" in bench.stdout
    assert {"generate", "bench"} <= set(commands())


def test_a_tool_that_is_not_installed_is_absent(tmp_path, monkeypatch):
    fake_distribution(tmp_path, "county_extras", "survey = county_extras_not_installed.cli:register")
    monkeypatch.syspath_prepend(str(tmp_path))

    names = commands()

    assert "survey" not in names
    assert {"init", "run", "generate", "bench"} <= set(names)


def test_a_tool_whose_own_import_fails_says_so(tmp_path, monkeypatch):
    fake_distribution(tmp_path, "county_extras", "survey = county_extras.cli:register")
    (tmp_path / "county_extras").mkdir()
    (tmp_path / "county_extras" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "county_extras" / "cli.py").write_text("import county_extras_missing_dependency\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    with pytest.raises(ModuleNotFoundError, match="county_extras_missing_dependency"):
        commands()


def test_an_installed_tool_registers_its_command(tmp_path, monkeypatch):
    fake_distribution(tmp_path, "county_extras", "survey = county_extras_ok.cli:register")
    (tmp_path / "county_extras_ok").mkdir()
    (tmp_path / "county_extras_ok" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "county_extras_ok" / "cli.py").write_text(
        "def register(sub):\n    sub.add_parser('survey').set_defaults(func=lambda ctx, args: 7)\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    assert cli.main(["--home", str(tmp_path / "home"), "survey"]) == 7
