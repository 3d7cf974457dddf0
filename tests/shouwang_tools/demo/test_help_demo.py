"""The demo's help loop (shouwang_tools.demo.help_demo) on SQLite and PostgreSQL: open household
warnings go through identification into monitored cases with cadres, measures, approved plans
and visits; one is eliminated, one waits for its visit; phones are sealed."""
from __future__ import annotations

from sqlalchemy import func, select

from screening import help_case
from shouwang_tools.demo.help_demo import walk_help_loop
from tests.portal.conftest import seed_warehouse
from tests.support.warehouse import plaintext_columns
from warehouse.db import session_scope
from warehouse.help_tables import HelpContact, HelpPlanDecision, HelpVisit
from warehouse.models import Household, RiskWarning


def test_walk_gives_monitored_households_real_cases(ctx):
    seed = seed_warehouse(ctx)  # two townships, two open household warnings each
    counts = walk_help_loop(ctx, per_township=4)
    assert counts == {"eliminated": 1, "helped": 2, "no visit yet": 1}
    with session_scope(ctx.engine) as s:
        monitored = list(s.scalars(select(RiskWarning).where(RiskWarning.status == "monitored")))
        assert len(monitored) == 4 and {w.township for w in monitored} == set(seed.warnings)
        ids = [w.household_id for w in monitored]
        assert {c.household_id for c in s.scalars(select(HelpContact))} == set(ids)
        assert set(s.scalars(select(HelpPlanDecision.decision))) == {"approve"}
        assert len(set(s.scalars(select(HelpVisit.household_id)))) == 3
        assert all(help_case.measures_of(s, ids).get(i) for i in ids)
        statuses = [s.get(Household, i).risk_status for i in ids]
        assert statuses.count("风险已消除") == 1
        phones = [f"1390000{n:04d}" for n in range(2)]
        contacts = s.scalar(select(func.count(HelpContact.id)))
    assert plaintext_columns(ctx.engine, [*phones, *seed.plain_ids]) == []
    # `make demo` again on the same warehouse: the walk is done and nothing is added
    assert walk_help_loop(ctx, per_township=4) == {"already walked": 4}
    with session_scope(ctx.engine) as s:
        assert s.scalar(select(func.count(HelpContact.id))) == contacts
