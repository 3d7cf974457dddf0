"""Issue 15's targets on the demo county, scored from what an operator exports, on SQLite and
PostgreSQL: links, warnings and every planted shock (event and rate), nothing beyond."""
from __future__ import annotations

from connectors.ingest import ingest_landing
from connectors.roster import load_roster
from matching.export import export_links
from matching.linker import link_period
from screening.export import export_alerts, export_warnings
from screening.screen import screen_period
from shouwang_tools.demo.score import main, score


def test_a_run_of_the_demo_county_meets_the_accuracy_targets(county, ctx, tmp_path, capsys):
    assert load_roster(ctx, county.roster).status == "loaded"
    ingest_landing(ctx, county.period, county.landing)
    link_period(ctx, county.period)
    screen_period(ctx, county.period)
    paths = {k: tmp_path / f"{k}.csv" for k in ("links", "warnings", "alerts")}
    export_links(ctx, county.period, paths["links"])
    export_warnings(ctx, county.period, paths["warnings"])
    export_alerts(ctx, county.period, paths["alerts"])
    result = score(county.out / "truth", paths["links"], paths["warnings"], paths["alerts"])
    links, warnings, alerts = result["links"], result["warnings"], result["alerts"]
    assert links["precision"] >= 0.995 and links["recall"] >= 0.98, links
    assert links["review_share"] <= 0.03
    assert links["by_kind"]["name_blank"]["linked"] == links["by_kind"]["name_blank"]["true"]
    assert warnings["recall"] >= 0.98 and warnings["on_benign_households"] == 0, warnings
    assert alerts["found"] == alerts["planted"] == 3 and len(alerts["beyond"]) <= 2, alerts
    assert alerts["by_kind"]["rate"] == {"planted": 1, "found": 1}
    assert main(["--truth", str(county.out / "truth"), *[f"--{k}={p}" for k, p in paths.items()]]) == 0
    out = capsys.readouterr().out
    assert "links     precision" in out and "alerts    precision 1.0000" in out
