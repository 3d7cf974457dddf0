"""Row-level security on PostgreSQL: the portal role sees only its township, even by raw SQL."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import ProgrammingError

from portal.database import portal_session
from portal.principal import Principal
from tests.portal.conftest import TOWN_A, TOWN_B
from warehouse.models import Household, Person, RiskWarning, WarningEvidence

TABLES = ("households", "warnings", "verification_tasks", "persons", "warning_evidence",
          "links", "feed_records")


def _raw_counts(conn) -> dict[str, int]:
    return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}


@pytest.fixture
def pg_ctx(warehouse_url, request):
    """The seeded context on PostgreSQL; SQLite has no row-level security (queries filter)."""
    if not warehouse_url.startswith("postgresql"):
        pytest.skip("row-level security is PostgreSQL's; SQLite relies on the query filters")
    request.getfixturevalue("seed")
    return request.getfixturevalue("ctx")


def test_restricted_role_sees_only_its_township_by_raw_select(pg_ctx, seed):
    role = pg_ctx.settings["portal"]["db_role"]
    setting = pg_ctx.settings["portal"]["township_setting"]
    with pg_ctx.engine.connect() as conn:
        owner = _raw_counts(conn)
        conn.execute(text(f"SET ROLE {role}"))
        assert _raw_counts(conn) == dict.fromkeys(TABLES, 0)  # no setting: nothing (fail closed)
        conn.execute(text("SELECT set_config(:k, :v, false)"), {"k": setting, "v": TOWN_A})
        towns = conn.execute(text("SELECT DISTINCT township FROM warnings")).scalars().all()
        assert towns == [TOWN_A]
        mine = _raw_counts(conn)
        assert all(0 < mine[t] < owner[t] for t in TABLES)
        ids_b = seed.warnings[TOWN_B]
        changed = conn.execute(text("UPDATE warnings SET status = 'closed' WHERE id = ANY(:ids)"),
                               {"ids": ids_b}).rowcount
        assert changed == 0
        with pytest.raises(ProgrammingError):  # cannot write a row into another township
            conn.execute(text("UPDATE warnings SET township = :b WHERE id = :a"),
                         {"b": TOWN_B, "a": seed.overdue[TOWN_A]})
        conn.rollback()


def test_county_setting_sees_everything(pg_ctx, seed):
    county = Principal(user_id=0, name="admin", role="county_admin")
    with portal_session(pg_ctx.engine, pg_ctx.settings, county) as s:
        assert {w for w in s.scalars(select(RiskWarning.township).distinct())} == {TOWN_A, TOWN_B}
        assert s.scalar(select(func.current_user())) == pg_ctx.settings["portal"]["db_role"]


def test_portal_session_applies_township_every_transaction(pg_ctx, seed):
    town = Principal(user_id=0, name="town_a", role="township", township=TOWN_A)
    with portal_session(pg_ctx.engine, pg_ctx.settings, town) as s:
        # no WHERE clause: the policies alone keep township B out
        assert set(s.scalars(select(Household.township).distinct())) == {TOWN_A}
        s.commit()  # a new transaction must be restricted again
        hh_ids = set(s.scalars(select(Person.household_id)))
        assert hh_ids and hh_ids <= set(s.scalars(select(Household.id)))
        assert set(s.scalars(select(WarningEvidence.warning_id))) == set(seed.warnings[TOWN_A])


def test_engineer_sees_no_households(pg_ctx, seed):
    eng = Principal(user_id=0, name="engineer", role="engineer")
    with portal_session(pg_ctx.engine, pg_ctx.settings, eng) as s:
        assert s.scalar(select(func.count()).select_from(Household)) == 0
