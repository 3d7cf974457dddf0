"""`shouwang generate` on the command line: files written, counts printed, bad input explained."""
from __future__ import annotations

import re

from shouwang.cli import main


def test_generate_command_writes_the_county(tmp_path, capsys):
    out = tmp_path / "demo"
    code = main(["generate", "--households", "120", "--period", "2026-10", "--out", str(out), "--seed", "3", "--townships", "2"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "generated 120 households" in printed and "2 townships" in printed
    assert (out / "roster.csv").exists() and len(list((out / "landing").iterdir())) == 11  # a file per department
    assert not re.search(r"\d{17}[\dX]|1[3-9]\d0000\d{4}", printed)  # counts and paths only


def test_generate_command_explains_a_bad_period(tmp_path, capsys):
    code = main(["generate", "--households", "120", "--period", "2026/10", "--out", str(tmp_path)])
    assert code == 1
    assert "YYYY-MM" in capsys.readouterr().err
