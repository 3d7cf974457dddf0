"""Stored feed records (connectors.rows) on SQLite and PostgreSQL: what a mistyped ID still gives."""
import datetime as dt

from sqlalchemy import select

from connectors.ingest import ingest_file
from connectors.roster import load_roster
from matching.linker import link_period
from tests.connectors import factory as f
from warehouse.models import FeedRecord, Link

PERSONS = f.people(12, seed=23, born_from=1960, born_to=1990)


def _month_typo(rid: str) -> str:
    """The month's first digit typed 2 (month 2x cannot be): an impossible birth date."""
    return rid[:10] + "2" + rid[11:]


def test_a_mistyped_id_keeps_its_credible_birth_date_and_sex_and_a_nameless_row_loads(ctx, tmp_path):
    roster = f.write_csv(tmp_path / "roster.csv", f.roster_rows(PERSONS), "utf-8")
    assert load_roster(ctx, roster).status == "loaded"
    rows = f.feed_rows("health", PERSONS)
    rows[0]["身份证号"] = _month_typo(PERSONS[0].rid)
    rows[1]["姓名"] = ""  # a usable ID and no name: loads, and the ID finds the person
    rows[2].update(身份证号="", 姓名="")  # nothing says who it is: quarantined
    result = ingest_file(ctx, f.write_csv(tmp_path / "卫健_2026-10.csv", rows, "gbk"))
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 11, 1)
    with ctx.engine.connect() as conn:
        stored = {r.source_row: r for r in conn.execute(
            select(FeedRecord.source_row, FeedRecord.id_status, FeedRecord.birth_date,
                   FeedRecord.sex, FeedRecord.name))}
    typo = stored[2]
    assert typo.id_status == "id_bad_birth_date"
    assert typo.birth_date == PERSONS[0].birth  # the one reading the check digit confirms
    assert typo.sex == ("男" if int(PERSONS[0].rid[16]) % 2 else "女")
    assert stored[3].name in (None, "") and stored[3].id_status == "ok"
    link_period(ctx, "2026-10")
    with ctx.engine.connect() as conn:
        links = {row: status for row, status in conn.execute(
            select(FeedRecord.source_row, Link.status).join(Link, Link.record_id == FeedRecord.id))}
    assert links[2] == "auto" and links[3] == "auto"
    assert isinstance(typo.birth_date, dt.date)
