"""`shouwang bench e2e`: every stage of a small generated county reports rows, time and memory.

Functional tests only check shapes and counts; the figures themselves come from the runs
marked ``bench`` (`make bench`), which print the tables docs/scale.md reports.
"""
import csv
import io
import json
import math

import pytest
from sqlalchemy import insert

from shouwang_tools.bench.e2e import (StageFailed, bench_settings, fit_exponent, households_for,
                                prepare_warehouse, render_table, run, targets_met)
from shouwang.cli import main
from tests.support.pii import find_plaintext
from warehouse.models import FeedBatch

FIGURES = {"rows", "seconds", "rows_per_s", "peak_rss_mb"}
RUN_KEYS = {"households", "persons", "feed_rows", "feed_scale", "warehouse", "period", "stages",
            "pipeline_seconds", "wall_seconds", "validation_share", "peak_rss_mb", "memory",
            "targets_met"}


def roster_ids(county_dir) -> list[str]:
    """The synthetic resident IDs the generator wrote (to prove none reach the output)."""
    data = (county_dir / "roster.csv").read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    rows = list(csv.reader(io.StringIO(text)))
    header = next(i for i, r in enumerate(rows) if "身份证号" in [c.strip() for c in r])
    col = [c.strip() for c in rows[header]].index("身份证号")
    return [r[col].strip() for r in rows[header + 1:] if len(r) > col and len(r[col].strip()) >= 15]


def check_run(r: dict, cfg: dict) -> None:
    """Every stage reports positive rows, seconds, rate and memory; counts agree."""
    assert RUN_KEYS <= set(r)
    assert list(r["stages"]) == cfg["stages"]
    for name, f in r["stages"].items():
        assert FIGURES <= set(f), name
        assert f["rows"] > 0 and f["seconds"] > 0 and f["rows_per_s"] > 0, (name, f)
        assert f["peak_rss_mb"] > 50, (name, f)  # an interpreter with pandas is never smaller
    s = r["stages"]
    assert s["roster"]["rows"] == r["persons"] and s["ingest"]["rows"] == r["feed_rows"]
    # Whole batches: validation saw every roster and feed row once, not row by row.
    assert s["validation"]["rows"] == s["roster"]["rows"] + s["ingest"]["rows"]
    assert s["matching"]["rows"] == s["screening"]["rows"] <= s["ingest"]["detail"]["loaded"]
    assert s["ingest"]["detail"]["files"] == 11  # a file per department
    assert 0 < r["validation_share"] < 1
    assert r["pipeline_seconds"] == pytest.approx(
        sum(f["seconds"] for n, f in s.items() if n != "generate"), abs=0.05)


def test_in_process_run_on_sqlite_and_postgres(home, warehouse_url, tmp_path):
    cfg = bench_settings()
    households = households_for(700)
    result = run([households], cfg, keep=tmp_path / "keep", warehouse=warehouse_url,
                 isolated=False)
    (r,) = result["runs"]
    check_run(r, cfg)
    assert r["households"] == households
    assert r["persons"] == pytest.approx(700, rel=0.2)  # --persons converts through household sizes
    assert r["warehouse"] == ("sqlite" if warehouse_url.startswith("sqlite") else "postgresql")
    assert result["curve"] is None  # one size: nothing to fit
    work = tmp_path / "keep" / f"households_{households}"
    assert list((work / "county" / "published").rglob("*.xlsx"))  # the township lists
    text = json.dumps(result, ensure_ascii=False) + render_table(result)
    ids = roster_ids(work / "county")
    assert len(ids) >= 600
    assert not [i for i in ids if i in text]
    outputs = [work / "home", work / "county" / "published", *work.glob("warehouse.db*")]
    assert find_plaintext(outputs, ids) == []


def test_isolated_cli_run_prints_json_with_profiles(home, tmp_path, capsys):
    code = main(["bench", "e2e", "--households", "200", "--json", "--profile",
                 "--keep", str(tmp_path), "--feed-scale", "0.5"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"machine", "runs", "curve", "targets"}
    assert result["machine"]["nproc"] >= 1 and result["machine"]["ram_gb"] > 0
    (r,) = result["runs"]
    check_run(r, bench_settings())
    assert r["memory"].startswith("getrusage")
    assert r["feed_scale"] == 0.5
    assert set(r["hot_spots"]) == {"roster", "ingest", "matching", "screening", "publishing"}
    assert all(s["own_s"] >= 0 and s["calls"] > 0 for spots in r["hot_spots"].values() for s in spots)
    assert sorted(p.name for p in (tmp_path / "households_200" / "profiles").iterdir()) == [
        "ingest.prof", "matching.prof", "publishing.prof", "roster.prof", "screening.prof"]


def test_fit_exponent_recovers_a_power_law():
    for k in (1.0, 1.37, 2.0):
        points = [(n, 0.004 * n ** k) for n in (1_000, 10_000, 100_000)]
        assert fit_exponent(points) == pytest.approx(k, abs=1e-3)
    assert fit_exponent([(10_000, 3.0)]) is None


def test_targets_are_judged_against_the_issue_figures():
    targets = bench_settings()["targets"]
    small = {"households": 3_000, "pipeline_seconds": 999.0, "validation_share": 0.1,
             "peak_rss_mb": 900.0}
    assert targets_met(small, targets) == {"validation_share": True, "peak_rss": True}
    county = {**small, "households": targets["pipeline_households"], "pipeline_seconds": 170.0,
              "validation_share": 0.25, "peak_rss_mb": 2100.0}
    assert targets_met(county, targets) == {"validation_share": False, "peak_rss": False,
                                            "pipeline_seconds": True}
    assert not targets_met({**county, "pipeline_seconds": 181.0}, targets)["pipeline_seconds"]


def test_households_for_follows_the_demo_household_sizes():
    from shouwang_tools.demo.settings import demo_settings

    sizes = demo_settings()["county"]["household_sizes"]
    mean = sum(int(k) * v for k, v in sizes.items()) / sum(sizes.values())
    assert math.isclose(households_for(100_000) * mean, 100_000, rel_tol=1e-3)
    assert households_for(5) == 20  # the generator's smallest county


def test_a_warehouse_holding_data_is_refused(ctx):
    with ctx.engine.begin() as conn:
        conn.execute(insert(FeedBatch).values(department="health", period="2026-10",
                                              source_file="health_2026-10.csv", checksum="0" * 64,
                                              status="loaded"))
    with pytest.raises(StageFailed, match="already holds 1 feed batches"):
        prepare_warehouse(ctx.warehouse)


@pytest.mark.parametrize("argv, message", [
    ([], "give --households N or --persons P"),
    (["--households", "200", "--persons", "700"], "give --households N or --persons P"),
    (["--persons", "ten"], "is not a comma list of whole numbers"),
    (["--households", "0"], "needs positive numbers"),
    (["--households", "200,400", "--warehouse", "sqlite:///x.db"], "--warehouse takes one size"),
    (["--households", "200", "--feed-scale", "0"], "--feed-scale must be above 0"),
])
def test_bad_arguments_are_one_line_errors(home, capsys, argv, message):
    assert main(["bench", "e2e", *argv]) == 1
    assert message in capsys.readouterr().err


@pytest.mark.bench
@pytest.mark.parametrize("size", [["--persons", "10000"], ["--persons", "100000"],
                                  # the issue's county: ~100,000 feed rows, then 2.8 a household
                                  ["--households", "100000", "--feed-scale", "0.4"],
                                  ["--households", "100000"],
                                  # matching's scale target: ~1M feed records x 1M persons
                                  ["--households", "274725", "--feed-scale", "1.5"]],
                         ids=lambda a: "".join(a))
def test_scale_run_reports_the_issue_targets(home, capsys, size):
    assert main(["bench", "e2e", *size, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    (r,) = result["runs"]
    check_run(r, bench_settings())
    with capsys.disabled():
        print("\n" + render_table(result))
    # Figures, not a timed test: the targets are printed (and kept in docs/scale.md); only the
    # validation share, a ratio, is held at county scale, where GX's fixed start-up is small.
    if r["persons"] >= 100_000:
        assert r["targets_met"]["validation_share"], r["validation_share"]
