"""The roster (花名册) loads into regions, households and persons on SQLite and PostgreSQL."""
import time

import pytest
from sqlalchemy import func, select

from connectors.roster import load_roster
from tests.connectors import factory as f
from tests.support.warehouse import plaintext_columns
from warehouse.models import FeedBatch, Household, HouseholdHistory, Person, Region

PERSONS = f.people(24, seed=5)


def _snapshot(ctx):
    """Every row of the roster tables (ciphertexts included) for before/after comparisons."""
    with ctx.engine.connect() as conn:
        return {m.__tablename__: sorted(tuple(r) for r in conn.execute(select(m.__table__)))
                for m in (Region, Household, HouseholdHistory, Person)}


def _count(ctx, model, *where):
    with ctx.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@pytest.mark.parametrize("writer", ["csv_gb18030", "csv_utf8", "xlsx"])
def test_roster_builds_regions_households_and_sealed_persons(ctx, tmp_path, writer):
    rows = f.roster_rows(PERSONS)
    if writer == "xlsx":
        path = f.write_xlsx(tmp_path / "花名册.xlsx", rows, title="监测对象花名册")
    else:
        path = f.write_csv(tmp_path / "roster.csv", rows,
                           "gb18030" if writer == "csv_gb18030" else "utf-8")
    r = load_roster(ctx, path)
    assert (r.status, r.rows_read, r.rows_loaded, r.households_added, r.persons_added) == \
        ("loaded", 24, 24, 8, 24)
    with ctx.engine.connect() as conn:
        levels = dict(conn.execute(select(Region.level, func.count()).group_by(Region.level)).all())
        towns = dict(conn.execute(select(Region.name, Region.short_name)
                                  .where(Region.level == "township")).all())
        people = conn.execute(select(Person)).all()
        hh = conn.execute(select(Household).where(Household.household_no == "5002300002")).one()
    groups = {(row["乡镇"], row["村"], row["组"]) for row in rows}
    assert levels == {"county": 1, "township": 2, "village": 4, "group": len(groups)}
    assert towns == {"龙河镇": "龙河", "三合街道": "三合"}
    assert (hh.household_type, hh.risk_status, hh.size, hh.township_id is not None) == \
        ("脱贫户", None, 3, True)
    vault = ctx.vault()
    by_index = {p.id_index: p for p in people}
    for person in PERSONS:
        p = by_index[vault.blind("resident_id", person.rid)]
        assert vault.open("resident_id", p.id_cipher, f"persons.id_cipher:{p.uid}") == person.rid
        assert p.birth_date == person.birth and p.id_masked.startswith("500230****")
        assert all((p.id_key0, p.id_key1, p.id_key2, p.id_key3))
    heads = [p for p in people if p.relation == "户主"]
    assert all(p.phone_cipher and p.phone_index for p in heads)
    phones = [r["联系电话"] for r in rows if r["联系电话"]]
    assert plaintext_columns(ctx.engine, [p.rid for p in PERSONS] + phones) == []


def test_the_same_file_twice_changes_nothing(ctx, tmp_path):
    path = f.write_csv(tmp_path / "roster.csv", f.roster_rows(PERSONS), "gb18030")
    load_roster(ctx, path)
    before = _snapshot(ctx)
    again = load_roster(ctx, path)
    assert again.status == "unchanged"
    assert _snapshot(ctx) == before and _count(ctx, FeedBatch) == 1


def test_the_same_content_in_another_encoding_changes_no_person_or_household(ctx, tmp_path):
    load_roster(ctx, f.write_csv(tmp_path / "a.csv", f.roster_rows(PERSONS), "gb18030"))
    r = load_roster(ctx, f.write_csv(tmp_path / "b.csv", f.roster_rows(PERSONS), "utf-8"))
    assert r.status == "loaded"
    assert (r.households_added, r.households_updated, r.persons_added, r.persons_updated,
            r.persons_deactivated) == (0, 0, 0, 0, 0)
    assert _count(ctx, HouseholdHistory) == 8


def test_a_newer_roster_updates_keeps_history_and_deactivates_the_missing(ctx, tmp_path):
    load_roster(ctx, f.write_csv(tmp_path / "old.csv", f.roster_rows(PERSONS), "gb18030"))
    newer = f.roster_rows(PERSONS[:21])  # the last household left the roster
    for row in newer:
        if row["户编号"] == "5002300002":  # a household becomes a monitored object
            row["户类型"], row["风险状态"], row["人均纯收入"] = "突发严重困难户", "风险未消除", "6500"
    newer[4]["劳动能力"] = "丧失劳动力"
    newer[0]["联系电话"] = "13900009999"
    r = load_roster(ctx, f.write_xlsx(tmp_path / "new.xlsx", newer))
    assert (r.households_added, r.households_updated, r.households_deactivated) == (0, 1, 1)
    assert (r.persons_added, r.persons_updated, r.persons_deactivated) == (0, 2, 3)
    with ctx.engine.connect() as conn:
        hh = conn.execute(select(Household).where(Household.household_no == "5002300002")).one()
        hist = conn.execute(select(HouseholdHistory).where(HouseholdHistory.household_id == hh.id)
                            .order_by(HouseholdHistory.id)).all()
        gone = conn.execute(select(Household.active, Household.id)
                            .where(Household.household_no == "5002300008")).one()
        gone_open = conn.execute(select(func.count()).select_from(HouseholdHistory).where(
            HouseholdHistory.household_id == gone.id, HouseholdHistory.valid_to.is_(None))).scalar()
        batches = dict(conn.execute(select(FeedBatch.source_file, FeedBatch.status)).all())
    assert (hh.household_type, hh.risk_status, hh.income_per_capita) == \
        ("突发严重困难户", "风险未消除", 6500.0)
    assert [(h.household_type, h.valid_to is None) for h in hist] == \
        [("脱贫户", False), ("突发严重困难户", True)]
    assert gone.active is False and gone_open == 0
    assert _count(ctx, Person, Person.active.is_(False)) == 3
    assert batches == {"old.csv": "superseded", "new.xlsx": "loaded"}
    vault = ctx.vault()
    assert _count(ctx, Person, Person.phone_index == vault.blind("phone", "13900009999")) == 1


def test_bad_roster_rows_are_quarantined_and_a_broken_roster_fails_cleanly(ctx, tmp_path):
    rows = f.roster_rows(PERSONS)
    rows[1]["户编号"] = "12AB"
    rows[2]["户类型"] = "外来户"
    r = load_roster(ctx, f.write_csv(tmp_path / "roster.csv", rows))
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (24, 22, 2)
    for row in rows:
        del row["户编号"]
    failed = load_roster(ctx, f.write_csv(tmp_path / "broken.csv", rows))
    assert failed.status == "failed" and "户编号" in failed.error and "broken.csv" in failed.error


@pytest.mark.bench
def test_loading_ten_thousand_persons_takes_seconds(ctx, tmp_path):
    path = f.write_csv(tmp_path / "roster.csv", f.roster_rows(f.people(10_000)), "gb18030")
    started = time.perf_counter()
    r = load_roster(ctx, path)
    seconds = time.perf_counter() - started
    print(f"\nroster of 10,000 persons on {ctx.engine.dialect.name}: {seconds:.1f}s")
    assert r.persons_added == 10_000 and seconds < 60
