"""The SLA run for the DAG verification_sla: escalate every step clock past due, then mail.

Wiring only: ``screening.deadlines.sla_run`` decides (township first, the county the next
working day; once per clock run, so reruns and backfills add nothing) and mails
(``screening.mail``); `shouwang sla run [--today]` calls the same function.
"""
from __future__ import annotations

import datetime as dt

from shouwang.context import Context
from shouwang.core import clock


class MailNotSent(RuntimeError):
    """The escalation is saved, but the SMTP server refused or was unreachable."""


def escalate_overdue(ctx: Context, as_of: dt.datetime) -> dict:
    """The SLA run for the county day of ``as_of`` (the run's data-interval end).

    Mail that could not be sent fails the task after the escalation committed, so Airflow
    retries (escalation adds nothing twice; only the unsent mail goes) and the failure
    callback puts it in the digest.
    """
    from screening.deadlines import sla_run

    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware (the run's data-interval end)")
    result = sla_run(ctx, clock.local_date(as_of, ctx.settings), as_of)
    if result["mail"].get("error"):
        raise MailNotSent(result["mail"]["error"])
    return result
