"""The matching commands end to end through `shouwang`: link, review list/accept, export links."""
import csv
import json

import pytest

from shouwang.cli import main
from tests.matching.factory import PERIOD, add_batch, populate_roster
from tests.support.warehouse import building


def test_link_review_and_export_commands(ctx, tmp_path, capsys):
    with building(ctx) as w:
        people = populate_roster(w, households=40, seed=5)
        add_batch(w, "health", [
            {"name": p["name"], "raw_id": p["raw_id"] if i % 5 else "", "township": p["township"],
             "village": p["village"]} for i, p in enumerate(people[:30])])
    glob = ["--warehouse", ctx.warehouse, "--home", str(ctx.home)]
    assert main(glob + ["link", "--period", PERIOD]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["records"] == 30 and summary["auto"] + summary["review"] + summary["none"] == 30

    assert main(glob + ["review", "list", "--period", PERIOD, "--json"]) == 0
    queue = json.loads(capsys.readouterr().out)
    assert len(queue) == summary["review"]
    assert main(glob + ["review", "accept", "999999"]) == 1
    assert "no link with id 999999" in capsys.readouterr().err

    out = tmp_path / "links.csv"
    assert main(glob + ["export", "links", "--period", PERIOD, "--out", str(out)]) == 0
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 30 and {r["status"] for r in rows} <= {"auto", "review", "none"}
    text = out.read_text(encoding="utf-8")
    assert not any(p["raw_id"] in text for p in people)


def test_bad_period_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["link", "--period", "2026-13"])
    assert exit_info.value.code == 2
    assert "period must look like 2026-10" in capsys.readouterr().err
