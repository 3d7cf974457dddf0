"""A corrected feed withdraws the warnings it no longer supports (issue 13, defect 7), on SQLite
and PostgreSQL: land, link, screen and publish a 医保 feed; land a corrected file for the same
month; the unsupported open warning is withdrawn (history row, gone from lists, queue and
alerts, counted in the digest), a verified one keeps its status, a supported one points at the
new file's rows."""
import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from connectors.ingest import ingest_file
from connectors.roster import load_roster
from matching.linker import link_period
from portal.labels import WARNING_STATUS
from portal.outcomes import OutcomeForm, record_outcome
from portal.principal import Principal
from portal.queue import QueueFilters, queue
from screening.publish import publish_period
from screening.publish.figures import digest_figures
from screening.rules import load_rules
from screening.screen import screen_period
from tests.connectors import factory as f
from tests.screening.outputs import assert_no_plain_ids, output_text
from warehouse.db import session_scope
from warehouse.models import FeedBatch, FeedRecord, Household, RiskWarning, WarningEvidence, WarningHistory

PERIOD = "2026-10"
PERSONS = f.people(18, seed=7, born_from=1950, born_to=1990)
COUNTY = Principal(user_id=0, name="county-admin", role="county_admin")
# Households of three (f.roster_rows): heads 0, 9, 12 in 龙河镇; 3, 6, 15 in 三合街道.
RED, VERIFIED, KEPT, LOWER = 0, 3, 6, 15  # the person whose 医保 row raises each household's warning


def _feed(cells: dict[int, dict], drop: tuple[int, ...] = ()) -> list[dict]:
    """A 医保 feed of every person but ``drop``, with ``cells`` overriding person i's row."""
    rows = []
    for i, p in enumerate(PERSONS):
        if i not in drop:
            rows.append({**f.row_for("medical_insurance", p, i), **cells.get(i, {})})
    return rows


def _paid(out_of_pocket: int) -> dict:
    """个人自付 with a total cost that adds up (basic 3,000 reimbursed, nothing else)."""
    return {"个人自付": str(out_of_pocket), "医疗总费用": str(3000 + out_of_pocket)}


FIRST = _feed({RED: _paid(60000), VERIFIED: _paid(30000), KEPT: {"参保状态": "未参保"},
               LOWER: _paid(60000)})
# The department's correction: the two amounts were typos, person 1's row did not belong.
CORRECTED = _feed({KEPT: {"参保状态": "未参保"}, LOWER: _paid(30000)}, drop=(1,))
KEPT_ROW = 1 + 1 + KEPT - 1  # header on row 1, data from row 2, one row dropped above it


def _land(folder, name, rows):
    folder.mkdir(parents=True, exist_ok=True)
    return f.write_xlsx(folder / name, rows)


def _cycle(ctx, path, out):
    """Ingest, link, screen and publish one landed file; the screening summary."""
    result = ingest_file(ctx, path)
    assert result.status == "loaded", result.error
    link_period(ctx, PERIOD)
    summary = screen_period(ctx, PERIOD)
    publish_period(ctx, PERIOD, out)
    return result, summary


def _warning_of(ctx, person: int) -> RiskWarning:
    household_no = f.roster_rows(PERSONS)[person]["户编号"]
    with session_scope(ctx.engine) as s:
        w = s.execute(select(RiskWarning).join(Household, Household.id == RiskWarning.household_id)
                      .where(Household.household_no == household_no)).scalar_one()
        s.expunge(w)
        return w


def _history(ctx, warning_id: int) -> list[tuple]:
    with session_scope(ctx.engine) as s:
        return s.execute(select(WarningHistory.kind, WarningHistory.from_status,
                                WarningHistory.to_status, WarningHistory.reason)
                         .where(WarningHistory.warning_id == warning_id)
                         .order_by(WarningHistory.id)).all()


@pytest.fixture
def corrected(ctx, tmp_path):
    """The county after a first 医保 feed (published, one warning verified) and its correction."""
    # Well-off households: the corrected amounts alone decide the levels (a 9,000-yuan household
    # paying 30,000 out of pocket is also red by the roster's cost-burden rule, issue 19).
    rows = [{**r, "人均纯收入": "30000"} for r in f.roster_rows(PERSONS)]
    roster = f.write_csv(tmp_path / "roster.csv", rows, "gb18030")
    assert load_roster(ctx, roster).status == "loaded"
    out = tmp_path / "out"
    first, summary = _cycle(ctx, _land(tmp_path / "landing1", "医保_2026-10.xlsx", FIRST), out)
    assert summary["warnings_new"] == 4, summary
    before = {p: _warning_of(ctx, p) for p in (RED, VERIFIED, KEPT, LOWER)}
    assert all(w.status == "open" and w.published_at is not None for w in before.values())
    with session_scope(ctx.engine) as s:
        record_outcome(s, COUNTY, before[VERIFIED].code,
                       OutcomeForm("纳入监测", "核实员甲", "核实员乙"), ctx.settings)
    second, summary = _cycle(
        ctx, _land(tmp_path / "landing2", "medical_insurance_2026-10.xlsx", CORRECTED), out)
    return {"first": first.batch_id, "second": second.batch_id, "before": before,
            "summary": summary, "out": out / PERIOD}


def test_an_open_warning_no_record_supports_is_withdrawn_with_a_history_row(ctx, corrected):
    w = _warning_of(ctx, RED)
    assert w.status == "withdrawn"
    assert corrected["summary"]["warnings_withdrawn"] == 1
    kinds = [h[0] for h in _history(ctx, w.id)]
    assert kinds == ["opened", "withdrawn"]
    _, from_status, to_status, reason = _history(ctx, w.id)[-1]
    assert (from_status, to_status) == ("open", "withdrawn")
    assert reason == (f"the 医保 feed of 2026-10 was corrected (batch {corrected['second']} "
                      f"replaces {corrected['first']}); no record supports this risk now")
    assert WARNING_STATUS["withdrawn"] == "已撤回"


def test_a_withdrawn_warning_leaves_lists_queue_and_alerts_and_the_digest_counts_it(ctx, corrected):
    red, kept = _warning_of(ctx, RED), _warning_of(ctx, KEPT)
    published = output_text(corrected["out"])
    assert red.code not in published  # every township list, and the digest
    assert not (corrected["out"] / "龙河镇_2026-10_预警核查清单.xlsx").exists()  # its only one
    assert kept.code in published
    rules = load_rules(ctx.settings, PERIOD, ctx.home)
    with session_scope(ctx.engine) as s:
        listed = {i.code for i in queue(s, COUNTY, QueueFilters(), dt.date(2026, 10, 20),
                                        list(rules.levels), 100)}
        assert red.code not in listed and kept.code in listed
        everything = {i.code: i.status for i in queue(s, COUNTY, QueueFilters(status="all"),
                                                      dt.date(2026, 10, 20), list(rules.levels), 100)}
        assert everything[red.code] == "withdrawn"
        figures = digest_figures(s, PERIOD, rules, ctx.settings, dt.date(2026, 10, 20))
    assert figures["totals"]["withdrawn"] == 1
    assert figures["totals"]["warnings"] == 3  # the verified one and the two still supported
    assert_no_plain_ids(corrected["out"], [p.rid for p in PERSONS])


def test_a_verified_warning_keeps_its_status_and_is_told_its_evidence_was_withdrawn(ctx, corrected):
    w = _warning_of(ctx, VERIFIED)
    assert w.status == "identifying"  # 纳入监测: the identification steps are under way
    history = _history(ctx, w.id)
    assert [h[0] for h in history] == ["opened", "outcome", "evidence_withdrawn"]
    assert history[1][1:3] == ("open", "identifying")  # the cadre's outcome, then the correction
    assert history[-1][1:3] == ("identifying", "identifying")
    assert "no record supports this risk now" in history[-1][3]


def test_a_supported_warning_points_at_the_new_files_rows(ctx, corrected):
    w = _warning_of(ctx, KEPT)
    assert w.status == "open"
    assert w.sources == [f"medical_insurance_2026-10.xlsx#{KEPT_ROW}"]
    with session_scope(ctx.engine) as s:
        batches = set(s.execute(select(FeedRecord.batch_id).join(
            WarningEvidence, WarningEvidence.record_id == FeedRecord.id)
            .where(WarningEvidence.warning_id == w.id)).scalars())
    assert batches == {corrected["second"]}
    assert [h[0] for h in _history(ctx, w.id)] == ["opened", "updated"]
    assert "evidence now medical_insurance_2026-10.xlsx#" in _history(ctx, w.id)[-1][3]


def test_a_level_only_the_superseded_rows_earned_drops_with_its_due_date(ctx, corrected):
    before, w = corrected["before"][LOWER], _warning_of(ctx, LOWER)
    assert (before.level, w.level, w.status) == ("red", "orange", "open")
    assert w.due_date > before.due_date  # orange is due later than red, from the same issue day
    assert "level red -> orange" in _history(ctx, w.id)[-1][3]


def test_screening_again_changes_nothing_and_history_is_append_only(ctx, corrected):
    with session_scope(ctx.engine) as s:
        rows = s.execute(select(WarningHistory.id)).scalars().all()
    again = screen_period(ctx, PERIOD)
    assert (again["warnings_withdrawn"], again["evidence_withdrawn_kept"], again["evidence_moved"]) \
        == (0, 0, 0)
    with session_scope(ctx.engine) as s:
        assert s.execute(select(WarningHistory.id)).scalars().all() == rows
    for stmt in ("UPDATE warning_history SET reason = 'x'", "DELETE FROM warning_history"):
        with pytest.raises(DBAPIError, match="append-only"):
            with ctx.engine.begin() as conn:
                conn.execute(text(stmt))


def test_a_correction_that_restores_the_row_reopens_the_withdrawn_warning(ctx, corrected, tmp_path):
    restored = _land(tmp_path / "landing3", "医保_2026-10.xlsx",
                     _feed({RED: _paid(60000), KEPT: {"参保状态": "未参保"}, LOWER: _paid(30000)}, drop=(1,)))
    _cycle(ctx, restored, tmp_path / "out")
    w = _warning_of(ctx, RED)
    assert w.status == "open"
    assert w.sources == [f"医保_2026-10.xlsx#{1 + 1 + RED}"]
    assert [h[0] for h in _history(ctx, w.id)] == ["opened", "withdrawn", "status", "updated"]
    assert w.code in output_text(tmp_path / "out" / PERIOD)
    with session_scope(ctx.engine) as s:
        assert s.execute(select(FeedBatch.status).where(
            FeedBatch.id == corrected["second"])).scalar_one() == "superseded"


def test_on_postgresql_a_township_reads_only_its_own_warnings_history(ctx, corrected):
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("row-level security is PostgreSQL's; SQLite's portal queries filter")
    from portal.database import portal_session

    by_town: dict[str, set[int]] = {}
    for person in (RED, VERIFIED, KEPT, LOWER):
        w = _warning_of(ctx, person)
        by_town.setdefault(w.township, set()).add(w.id)
    assert len(by_town) == 2
    for town, ids in by_town.items():
        cadre = Principal(user_id=0, name="cadre", role="township", township=town)
        with portal_session(ctx.engine, ctx.settings, cadre) as s:
            assert set(s.scalars(select(WarningHistory.warning_id))) == ids
