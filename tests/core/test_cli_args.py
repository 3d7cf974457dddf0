"""The pieces every room's CLI shares: the `export` group, CSV exports and the handler's period check."""
from __future__ import annotations

import argparse
import csv

import pytest

from shouwang import cli
from shouwang.core.cli_args import export_group, user_period, write_csv
from shouwang.core.errors import UserError


def test_export_group_is_created_once_per_parser_and_shared_by_the_rooms():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    first = export_group(sub)
    first.add_parser("quarantine")
    export_group(sub).add_parser("links")
    assert export_group(sub) is first and list(sub.choices) == ["export"]
    assert parser.parse_args(["export", "links"]).export_what == "links"


def test_the_shouwang_export_command_holds_every_rooms_export():
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    export = next(a for a in sub.choices["export"]._actions if a.dest == "export_what")
    assert list(export.choices) == ["quarantine", "links", "warnings", "alerts", "monitored",
                                    "department-returns", "assistance"]


def test_write_csv_writes_a_real_file_with_formulas_neutralized(tmp_path):
    path = tmp_path / "out.csv"
    assert write_csv(path, ["township", "note"], [["龙河镇", "=1+1"], ["三合街道", "ok"]]) == 2
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["township", "note"], ["龙河镇", "'=1+1"], ["三合街道", "ok"]]


def test_user_period_passes_a_month_and_says_what_to_type_otherwise():
    assert user_period("2026-10") == "2026-10"
    with pytest.raises(UserError, match=r"period '2026-13' is not YYYY-MM \(e.g. 2026-10\)"):
        user_period("2026-13")


def test_many_parsers_one_after_another_each_get_their_own_export_group():
    # A group cached by id(sub) went to a later parser whose action reused a collected id.
    import gc

    for _ in range(30):
        parser = cli.build_parser()
        assert parser.parse_args(["export", "quarantine", "--period", "2026-10", "--out", "q.csv"])
        del parser
        gc.collect()
