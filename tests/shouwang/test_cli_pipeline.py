"""The pipeline-stage commands are registered by the wiring, with the names and options users know."""
from __future__ import annotations

import pytest

from shouwang import cli, cli_pipeline

STAGES = {"ingest": ["--period", "2026-10", "--landing", "in"],
          "link": ["--period", "2026-10"],
          "run": ["--period", "2026-10", "--landing", "in", "--out", "out"],
          "screen": ["--period", "2026-10"],
          "publish": ["--period", "2026-10", "--out", "out"]}


def test_the_product_commands_are_all_there():
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    assert {"init", "keys", "registry", "feeds", "export", "review", "serve", "users",
            *STAGES} <= set(sub.choices)


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_each_stage_command_parses_as_before_and_runs_the_wirings_handler(stage):
    args = cli.build_parser().parse_args([stage, *STAGES[stage]])
    assert args.func is getattr(cli_pipeline, f"cmd_{stage}") and args.period == "2026-10"


def test_period_arg_stays_importable_from_shouwang_cli():
    assert cli.period_arg("2026-10") == "2026-10"
