"""Due dates of warnings (working days by level, settings `sla:`, from the local issue date) and
the escalation of step clocks past due (screening.clocks)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy import update as update_
from sqlalchemy.orm import Session

from screening.calendar import add_working_days
# The county's clock (settings county.timezone) is shouwang.core.clock's; re-exported for screening.
from shouwang.core.clock import as_utc, local_date
from warehouse.models import RiskWarning
from warehouse.notification_tables import WarningClock

__all__ = ["as_utc", "due_date", "local_date", "escalate"]


def due_date(level: str, issued_at: dt.datetime, settings: dict) -> dt.date:
    """The date a warning of ``level`` issued at ``issued_at`` must be verified by."""
    sla = settings["sla"]
    if level not in sla:
        raise KeyError(f"settings `sla:` has no working-day limit for level {level!r}; add one")
    return add_working_days(local_date(issued_at, settings), int(sla[level]))


# ---- Overdue steps: the SLA run (shouwang sla run, DAG verification_sla) -----------------------

ENDED = ("closed", "withdrawn")  # a clock of an ended warning is never escalated
ACTOR = "sla"  # the history's "who" for escalations


def _catch_up(session: Session, settings: dict) -> int:
    """Start the clocks of published warnings that have none (published before clocks existed,
    or by a list written outside `publish`): from the county day the list went out."""
    from screening.clocks import on_event

    have = select(WarningClock.warning_id)
    rows = session.execute(select(RiskWarning.id, RiskWarning.published_at).where(
        RiskWarning.published_at.is_not(None), RiskWarning.status == "open",
        RiskWarning.id.not_in(have))).all()
    for warning_id, published_at in rows:
        on_event(session, warning_id, "published", local_date(published_at, settings), settings)
    return len(rows)


def _text(code: str, place: str, label: str, due: dt.date, late: int) -> str:
    return f"{place} 预警 {code}「{label}」应于 {due.isoformat()} 前完成，已逾期 {late} 个工作日"


STAGE_WORDS = {"department": "部门", "township": "乡镇", "county": "县级"}


def _open_departments(session: Session, warning_id: int) -> list[str]:
    """The departments whose routed check (归口核查) of the warning is not answered yet."""
    from warehouse.department_tables import DepartmentCheck

    return sorted(set(session.scalars(select(DepartmentCheck.department).where(
        DepartmentCheck.warning_id == warning_id, DepartmentCheck.status == "routed"))))


def escalate(session: Session, today: dt.date, at: dt.datetime, settings: dict) -> dict:
    """Escalate every running clock past due on county day ``today`` through its `escalate`
    stages in order: the department that owes a reply (when the clock lists it), the township's
    users, the county. The first stage is told once the clock is overdue, each next one
    ``sla.county_after_working_days`` working days after the one before; each is a notification
    and a history entry, recorded on the clock run, so reruns and backfills of a day add
    nothing. Returns counts and the calendar's gaps."""
    from screening import history, notify
    from screening.calendar import uncovered, working_days_between
    from screening.clocks import DEFAULT_ESCALATE, policy

    after = int(settings["sla"].get("county_after_working_days", 1))
    started = _catch_up(session, settings)
    stage_columns = [getattr(WarningClock, f"escalated_{stage}_on") for stage in STAGE_WORDS]
    rows = session.execute(
        select(WarningClock.id, WarningClock.warning_id, WarningClock.clock,
               WarningClock.started_on, WarningClock.due_on, *stage_columns,
               RiskWarning.code, RiskWarning.township, RiskWarning.village, RiskWarning.last_period)
        .join(RiskWarning, RiskWarning.id == WarningClock.warning_id)
        .where(WarningClock.stopped_on.is_(None), RiskWarning.status.not_in(ENDED))
        .order_by(WarningClock.due_on, WarningClock.id)).all()
    counts = {stage: 0 for stage in STAGE_WORDS}
    overdue, townships, entries, notices, updates = 0, set(), [], [], []
    rules_of: dict[int, dict] = {}  # per start year: one policy lookup per run, not per clock
    late_of: dict[dt.date, int] = {}  # per due day: clocks share a handful of due days
    for r in rows:
        if r.due_on >= today:
            continue
        overdue += 1
        township = r.township
        townships.add(township or "")
        if r.started_on.year not in rules_of:
            rules_of[r.started_on.year] = policy(settings, r.started_on.year)
        rule = rules_of[r.started_on.year].get(r.clock)
        # A clock the policy has dropped since it started still escalates, the default way.
        stages = rule.escalate if rule else DEFAULT_ESCALATE
        if r.due_on not in late_of:
            late_of[r.due_on] = working_days_between(r.due_on, today)
        late = late_of[r.due_on]
        text = _text(r.code, f"{township or ''}{r.village or ''}", rule.label if rule else r.clock,
                     r.due_on, late)
        fields = {"clock": r.clock, "due_on": r.due_on.isoformat(), "working_days_late": late}
        told: tuple[str, dt.date] | None = None  # the last stage told, and when
        update: dict = {}
        for stage in stages:
            column = f"escalated_{stage}_on"
            done_on = getattr(r, column)
            departments = _open_departments(session, r.warning_id) \
                if stage == "department" and done_on is None else []
            if done_on is None and ((stage == "township" and not township)
                                    or (stage == "department" and not departments)):
                continue  # nobody to tell at this stage: the next one is first
            if done_on is None:
                if told is not None and add_working_days(told[1], after) > today:
                    break  # the stage before was told too recently
                update[column] = done_on = today
                counts[stage] += 1
                if stage == "department":
                    notices += [notify.row("department_overdue", text + "，请尽快答复",
                                           warning_id=r.warning_id, township=township,
                                           audience="department", department=d, at=at)
                                for d in departments]
                elif stage == "township":
                    notices.append(notify.row("overdue", text + "，请尽快办理",
                                              warning_id=r.warning_id, township=township, at=at))
                else:
                    notices.append(notify.row(
                        "escalated" if told else "overdue",
                        text + (f"，{STAGE_WORDS[told[0]]}已于 {told[1].isoformat()} "
                                "收到提醒，现上报县级" if told else ""),
                        warning_id=r.warning_id, township=township, audience="county", at=at))
                entries.append(history.entry(
                    r.warning_id, "escalated" if stage == "county" else "overdue", r.last_period,
                    at, text + ("，已上报县级" if stage == "county"
                                else f"，已提醒{STAGE_WORDS[stage]}"),
                    actor=ACTOR, fields={**fields, "audience": stage}))
            told = (stage, done_on)
        if update:
            updates.append({"id": r.id, **update})
    for column in {c for u in updates for c in u if c != "id"}:
        # ORM bulk UPDATE by primary key (one executemany per stage column).
        session.execute(update_(WarningClock),
                        [{"id": u["id"], column: u[column]} for u in updates if column in u])
    notify.add_many(session, notices)
    history.append(session, entries)
    legacy = _task_due_dates(session, today, at)
    session.flush()
    gaps = uncovered([today] + [r.due_on for r in rows])
    return {"as_of": today.isoformat(), "clocks_started": started, "overdue": overdue,
            "townships": len(townships - {""}),
            "escalated_department": counts["department"],
            "escalated_township": counts["township"], "escalated_county": counts["county"],
            "tasks_past_due_date": legacy, "calendar_gaps": gaps}


def _task_due_dates(session: Session, today: dt.date, at: dt.datetime) -> int:
    """Record, once, each verification task past its warning level's due date (settings `sla:`
    by level) as a pipeline event of kind "overdue": the run log's line; people are told by the
    step clocks above."""
    from warehouse.models import PipelineEvent, VerificationTask

    rows = session.execute(
        select(VerificationTask, RiskWarning.code, RiskWarning.last_period)
        .join(RiskWarning, RiskWarning.id == VerificationTask.warning_id)
        .where(VerificationTask.status != "done", RiskWarning.status.not_in(ENDED),
               VerificationTask.due_date.is_not(None), VerificationTask.due_date < today,
               VerificationTask.escalated_at.is_(None))
        .order_by(VerificationTask.id)).all()
    for task, code, period in rows:
        task.escalated_at = at
        session.add(PipelineEvent(
            at=at, kind="overdue", period=period,
            detail=f"verification of warning {code} in {task.township or 'unknown township'} "
                   f"was due {task.due_date.isoformat()} and is not done"))
    return len(rows)


def sla_run(ctx, today: dt.date | None = None, at: dt.datetime | None = None) -> dict:
    """The SLA run on ``ctx`` (a shouwang.context.Context) as of county day ``today`` (default:
    the county's today), recorded at ``at``: escalate, commit, then mail the notifications.

    Escalation commits before any mail is sent, so a mail server that is down loses nothing:
    the result's ``mail.error`` says so and the next run mails what is left.
    """
    from screening.mail import send_pending
    from shouwang.core import clock
    from warehouse.db import session_scope
    from warehouse.lock import warehouse_lock

    today = today or clock.today(ctx.settings)
    at = at or _moment(today, ctx.settings)
    with warehouse_lock(ctx):  # two runs at once would both escalate the same clock
        with session_scope(ctx.engine) as s:
            result = escalate(s, today, at, ctx.settings)
        with session_scope(ctx.engine) as s:
            result["mail"] = send_pending(s, ctx.settings)
    return result


def _moment(today: dt.date, settings: dict) -> dt.datetime:
    """When a run for ``today`` happened: now for today, 08:00 county time for a backfilled day."""
    from shouwang.core import clock

    now = dt.datetime.now(dt.timezone.utc)
    if clock.local_date(now, settings) == today:
        return now
    return dt.datetime.combine(today, dt.time(8), clock.zone(settings)).astimezone(dt.timezone.utc)
