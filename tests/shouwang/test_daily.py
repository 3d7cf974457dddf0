"""`shouwang daily` / shouwang.daily.run_day on SQLite and PostgreSQL: a day's self-reports and
leads reach the next-day township lists, de-duplicated against open warnings, idempotently."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from screening.publish.listing import HEADERS
from shouwang.cli import main
from shouwang.daily import run_day
from tests.screening.channels.factory import DAY, MORNING, Reports
from tests.support.pii import find_plaintext
from tests.support.warehouse import building, plaintext_columns
from warehouse.channel_tables import ChannelInput
from warehouse.db import session_scope
from warehouse.models import PipelineEvent, RiskWarning, WarningEvidence
from warehouse.notification_tables import WarningClock

NEXT_DAY = DAY + dt.timedelta(days=1)

CODE = HEADERS.index("预警编号")  # the list's warning-code column (the grid's columns follow it)


def _list_rows(folder, township="龙河镇", day=DAY) -> list[list]:
    """Every data row of a township's daily list, all sheets."""
    wb = load_workbook(folder / f"{township}_{day.isoformat()}_预警核查清单.xlsx")
    rows = []
    for ws in wb.worksheets:
        values = [[c for c in r] for r in ws.iter_rows(values_only=True)]
        header = next(i for i, r in enumerate(values) if r and r[0] == "村")
        rows += [r for r in values[header + 1:] if any(r)]
    return rows


def _inputs(ctx) -> dict[str, ChannelInput]:
    with session_scope(ctx.engine) as s:
        rows = s.scalars(select(ChannelInput)).all()
        s.expunge_all()
    return {r.receipt: r for r in rows}


def test_a_roster_self_report_reaches_its_township_list_the_next_day(ctx, tmp_path):
    county = Reports(ctx)
    hh = county.household("500230001001000001", head="张三")
    county.neighbours()
    # The head reports with his own ID (the roster has it): same person, same household.
    with session_scope(ctx.engine) as s:
        from warehouse.models import Person
        head = s.get(Person, hh["persons"][0])
        head_masked = head.id_masked
    head_id = county.plain_ids[0]  # the head's, written first
    r = county.report("张三", head_id, risk_type="illness")
    summary = run_day(ctx, DAY, tmp_path)
    assert summary["merged"]["inputs"] == 1 and summary["merged"]["warning"] == 1
    assert summary["channels"]["self_report"] == {"received": 1, "matched": 1, "leads": 0,
                                                   "duplicates": 0, "warnings": 1, "pending": 0}
    ci = _inputs(ctx)[r["receipt"]]
    assert ci.merge_result == "warning" and ci.household_id == hh["household_id"]
    with session_scope(ctx.engine) as s:
        w = s.get(RiskWarning, ci.warning_id)
        assert w.household_id == hh["household_id"] and w.level == "orange"
        assert w.sources == [f"self_report:{r['receipt']}"] and w.opened_period == "2026-10"
        assert w.published_at is not None
        # The steps' clocks start the day the township receives the list: the next day.
        started = s.execute(select(WarningClock.clock, WarningClock.started_on)
                            .where(WarningClock.warning_id == w.id)).all()
        assert started and {day for _, day in started} == {NEXT_DAY}
    folder = tmp_path / "daily" / DAY.isoformat()
    rows = _list_rows(folder)
    assert len(rows) == 1
    village, household_no, name, masked, *_ = rows[0]
    assert (household_no, name, masked) == ("500230001001000001", "张三", head_masked)
    assert f"self_report:{r['receipt']}" in rows[0][8] and rows[0][CODE] == w.code
    assert (folder / f"日汇总_{DAY.isoformat()}.csv").read_text(encoding="utf-8").count("农户自主申报") == 1


def test_a_second_report_of_the_same_risk_adds_evidence_and_no_new_line(ctx, tmp_path):
    county = Reports(ctx)
    county.household("500230001001000001", head="张三")
    county.neighbours()
    head_id = county.plain_ids[0]  # the head's, written first
    first = county.report("张三", head_id, risk_type="illness")
    run_day(ctx, DAY, tmp_path)
    second = county.report("张三", head_id, risk_type="illness", channel="hotline",
                           received_at=MORNING + dt.timedelta(days=1), description="住院了")
    summary = run_day(ctx, NEXT_DAY, tmp_path)
    assert summary["channels"]["hotline"]["duplicates"] == 1
    assert summary["channels"]["hotline"]["warnings"] == 0
    inputs = _inputs(ctx)
    assert inputs[second["receipt"]].merge_result == "duplicate"
    assert inputs[second["receipt"]].warning_id == inputs[first["receipt"]].warning_id
    with session_scope(ctx.engine) as s:
        assert s.scalar(select(func.count()).select_from(RiskWarning)) == 1
        w = s.get(RiskWarning, inputs[first["receipt"]].warning_id)
        assert w.sources == [f"self_report:{first['receipt']}", f"hotline:{second['receipt']}"]
        assert s.scalar(select(func.count()).select_from(WarningEvidence)
                        .where(WarningEvidence.warning_id == w.id)) == 2
    rows = _list_rows(tmp_path / "daily" / NEXT_DAY.isoformat(), day=NEXT_DAY)
    assert len(rows) == 1 and f"hotline:{second['receipt']}" in rows[0][8]


def test_someone_not_on_the_roster_becomes_a_lead(ctx, tmp_path):
    county = Reports(ctx)
    county.household("500230001001000001", head="张三")
    county.neighbours()
    stranger = county.new_id(dt.date(1988, 6, 1))
    r = county.report("李四", stranger, village="双河村", risk_type="housing",
                      description="房子危险")
    summary = run_day(ctx, DAY, tmp_path)
    assert summary["channels"]["self_report"]["leads"] == 1
    ci = _inputs(ctx)[r["receipt"]]
    assert ci.merge_result == "lead" and ci.household_id is None
    with session_scope(ctx.engine) as s:
        w = s.get(RiskWarning, ci.warning_id)
        assert w.is_lead and w.lead_name == "李四" and w.action == "identification"
        assert w.risk_type == "housing"
    rows = _list_rows(tmp_path / "daily" / DAY.isoformat())
    assert rows[0][1] == "未纳入（应纳未纳线索）" and rows[0][2] == "李四"


def test_the_same_day_twice_is_one_clean_run(ctx, tmp_path):
    county = Reports(ctx)
    county.household("500230001001000001", head="张三")
    county.neighbours()
    county.report("张三", county.plain_ids[0])
    county.report("王五", county.new_id(dt.date(1990, 1, 2)), channel="petition", risk_type="schooling")
    first = run_day(ctx, DAY, tmp_path)
    folder = tmp_path / "daily" / DAY.isoformat()
    before = {p.name: _list_rows(folder) for p in folder.glob("*.xlsx")}

    def counts():
        with session_scope(ctx.engine) as s:
            return (s.scalar(select(func.count()).select_from(RiskWarning)),
                    s.scalar(select(func.count()).select_from(WarningEvidence)))
    seen = counts()
    again = run_day(ctx, DAY, tmp_path)
    assert counts() == seen == (2, 2)
    assert again["merged"]["inputs"] == 0 and again["channels"] == first["channels"]
    assert {p.name: _list_rows(folder) for p in folder.glob("*.xlsx")} == before
    with session_scope(ctx.engine) as s:
        assert s.scalar(select(func.count()).select_from(PipelineEvent)
                        .where(PipelineEvent.kind == "daily")) == 2


def test_no_id_or_phone_in_plain_text_after_a_day_of_reports(ctx, tmp_path, caplog):
    county = Reports(ctx)
    county.household("500230001001000001", head="张三")
    county.neighbours()
    county.report("张三", county.plain_ids[0])
    county.report("李四", county.new_id(dt.date(1988, 6, 1)), channel="grid")
    county.report("赵六", None, channel="media", description="媒体报道其家中失火")
    with caplog.at_level("INFO"):
        assert main(["daily", "--date", DAY.isoformat(), "--out", str(tmp_path / "out")]) == 0
    assert plaintext_columns(ctx.engine, county.secrets) == []
    assert find_plaintext([tmp_path, ctx.home], county.secrets) == []
    assert not [s for s in county.secrets if s in caplog.text]


def test_cli_prints_the_channels_and_the_lists(ctx, tmp_path, capsys):
    county = Reports(ctx)
    county.household("500230001001000001", head="张三")
    county.neighbours()
    county.report("张三", county.plain_ids[0])
    assert main(["daily", "--date", DAY.isoformat(), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "self_report: 收到 1, 匹配到户 1" in out and "龙河镇_2026-10-15_预警核查清单.xlsx" in out
    with pytest.raises(SystemExit) as bad:
        main(["daily", "--date", "2026-13-01", "--out", str(tmp_path)])
    assert bad.value.code == 2 and "is not a date YYYY-MM-DD" in capsys.readouterr().err


def test_a_saved_model_of_the_monthly_run_scores_the_day(ctx, tmp_path, caplog):
    from matching.incremental import candidate_persons, default_model, save_model
    from matching.person_frames import person_spec

    county = Reports(ctx)
    county.household("500230001001000001", head="张三")
    county.neighbours()
    spec = person_spec(ctx.settings)
    # A stand-in for the monthly run's trained parameters (numbers only), from the roster's own
    # random pairs, saved where the daily merge looks for them.
    with ctx.engine.connect() as conn:
        roster = candidate_persons(conn, pd.DataFrame(columns=["township", "village", "name",
                                                               "name_clean", "birth_date",
                                                               "id_index", "id_key0", "id_key1",
                                                               "id_key2", "id_key3"]), sample=10_000)
    assert len(roster) == 9  # every person: the sample takes each id
    save_model(ctx.home, default_model(spec, roster, roster, candidate_pairs=len(roster)), spec)
    county.report("张三", county.plain_ids[0])
    with caplog.at_level("INFO", logger="matching.incremental"):
        summary = run_day(ctx, DAY, tmp_path)
    assert "'model': True" in caplog.text
    assert summary["channels"]["self_report"]["matched"] == 1


def test_warnings_of_feeds_that_landed_that_day_are_on_its_list(ctx, tmp_path):
    county = Reports(ctx)
    hh = county.household("500230001001000001", head="张三")
    with building(ctx, county.ids) as b:
        batch = b.batch("health", arrived_at=MORNING)
        record = b.record(batch, 7, "张三", None)
        landed = b.warning("W2026-10-00001", f"hh:{hh['household_id']}", household_id=hh["household_id"],
                           township="龙河镇", village="双河村", reason="医保：大额自付",
                           sources=["卫健_2026-10.xlsx#7"], batch_arrived_at=MORNING)
        earlier = b.warning("W2026-10-00002", f"hh:{hh['household_id']}", "schooling",
                            household_id=hh["household_id"], township="龙河镇", reason="教育：辍学",
                            sources=["教育_2026-10.xlsx#3"],
                            batch_arrived_at=MORNING - dt.timedelta(days=3))
        for w in (landed, earlier):
            b.add(WarningEvidence(warning_id=w.id, record_id=record.id, period="2026-10",
                                  department="health", indicator="x", value="1", rule="r"))
    summary = run_day(ctx, DAY, tmp_path)
    rows = _list_rows(tmp_path / "daily" / DAY.isoformat())
    assert [r[CODE] for r in rows] == ["W2026-10-00001"] and summary["lines"] == 1
    assert rows[0][8] == "卫健_2026-10.xlsx#7"
