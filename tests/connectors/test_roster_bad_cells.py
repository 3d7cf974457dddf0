"""The roster loader survives every bad cell a feed survives (issue 13, defects 1, 2, 5).

Real roster files (CSV and XLSX) into real SQLite and PostgreSQL warehouses: placeholder and
over-long places, NUL bytes, cells over csv's field limit, formulas without a cached value.
"""
import pytest
from sqlalchemy import func, select

from connectors.roster import load_roster
from tests.connectors import factory as f
from warehouse.models import FeedBatch, Household, Person, PipelineEvent, Quarantine, Region

PERSONS = f.people(30, seed=7)
PLACEHOLDERS = ["", " ", "#N/A", "N/A", "NaN", "null", "None"]


def _all(ctx, *columns):
    with ctx.engine.connect() as conn:
        return conn.execute(select(*columns)).all()


def _reasons(ctx, batch_id):
    with ctx.engine.connect() as conn:
        return dict(conn.execute(select(Quarantine.source_row, Quarantine.reason).where(
            Quarantine.batch_id == batch_id)).all())


def test_roster_with_placeholder_places_nul_and_huge_cells_loads(ctx, tmp_path):
    rows = f.roster_rows(PERSONS)  # ten households of three
    for k, place in enumerate(PLACEHOLDERS):  # household k: its head's places are blank-ish
        rows[3 * k]["乡镇"] = place
        rows[3 * k + 1]["村"] = place
    rows[25]["姓名"] = rows[25]["姓名"][:1] + "\x00" + rows[25]["姓名"][1:]
    # Over csv's 131,072-character field limit: read, cut, then no relation the suite knows.
    rows[26]["与户主关系"] = "之" * 150_000
    rows[27]["乡镇"] = "龙" * 70  # longer than any place: the roster quarantines it
    rows[28]["户编号"] = "#N/A"
    result = load_roster(ctx, f.write_csv(tmp_path / "roster.csv", rows, "gb18030"))
    assert result.status == "loaded", result.error
    assert result.rows_read == 30
    assert result.rows_read == result.rows_loaded + result.rows_quarantined + result.rows_merged
    assert _reasons(ctx, result.batch_id) == {28: "not_in_set", 29: "too_long",
                                              30: "missing_value"}
    names = {r.name for r in _all(ctx, Region.name)}
    assert not names & {"#N/A", "N/A", "NaN", "null", "None", "nan"}
    households = {h.household_no: h for h in _all(ctx, Household.household_no,
                                                   Household.township, Household.township_id,
                                                   Household.village_id)}
    assert len(households) == 10
    assert households["5002300001"].township is None  # its head's township was blank
    assert all(h.township_id is None or type(h.township_id) is int for h in households.values())
    persons = [p.name for p in _all(ctx, Person.name)]
    assert PERSONS[25].name in persons  # NUL stripped, the name intact
    assert len(persons) == 27 and not any("\x00" in n for n in persons)


def test_roster_xlsx_with_formula_cells_without_cached_values_loads(ctx, tmp_path):
    rows = f.roster_rows(PERSONS[:9])
    rows[0]["乡镇"] = "=VLOOKUP(A2,代码!A:B,2,0)"
    rows[4]["村"] = "=B6&C6"
    rows[5]["人均纯收入"] = "=SUM(H2:H5)/4"
    result = load_roster(ctx, f.write_xlsx(tmp_path / "roster.xlsx", rows))
    assert result.status == "loaded", result.error
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (9, 9, 0)
    with ctx.engine.connect() as conn:
        size = conn.execute(select(func.count()).select_from(Household)).scalar_one()
    assert size == 3


def test_unexpected_error_in_the_roster_is_a_failed_batch_not_a_crash(ctx, tmp_path,
                                                                      monkeypatch):
    from connectors import roster

    secret = PERSONS[0].rid

    def broken(*args, **kwargs):  # a bug that quotes a cell in its message
        raise KeyError(secret)

    monkeypatch.setattr(roster, "_upsert_households", broken)
    result = load_roster(ctx, f.write_csv(tmp_path / "roster.csv", f.roster_rows(PERSONS)))
    assert result.status == "failed"
    assert "roster.csv" in result.error and "this is a bug" in result.error
    assert secret not in result.error
    with ctx.engine.connect() as conn:
        batches = conn.execute(select(FeedBatch.status)).scalars().all()
        events = conn.execute(select(PipelineEvent.detail)).scalars().all()
        persons = conn.execute(select(func.count()).select_from(Person)).scalar_one()
    assert batches == ["failed"] and persons == 0  # nothing half-written
    assert any(e.startswith("unexpected_error:") for e in events)
