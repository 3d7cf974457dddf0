"""Notifications: a line for a township's users, the county's or a department's, and who reads them.

``notify`` only writes a row (in the caller's transaction, so a portal action and its notice
commit together); the SLA run mails rows not yet mailed when SMTP is configured
(screening.mail). Texts are for people and are masked for IDs and phones like the history.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm import Session

from shouwang.core.clock import as_utc
from warehouse.masking import mask_text
from warehouse.models import RiskWarning, utcnow
from warehouse.notification_tables import Notification, NotificationSeen

KINDS = ("overdue", "escalated", "returned", "awaiting_confirmation",
         "routed", "department_overdue", "department_replied")
AUDIENCES = ("township", "county", "department")


def notify(session: Session, kind: str, text: str, *, warning_id: int | None = None,
           township: str | None = None, audience: str = "township",
           department: str | None = None, at: dt.datetime | None = None) -> None:
    """Add one notification for ``audience`` (a township's users need ``township``)."""
    session.add(Notification(**row(kind, text, warning_id=warning_id, township=township,
                                   audience=audience, department=department, at=at)))


def row(kind: str, text: str, *, warning_id: int | None = None, township: str | None = None,
        audience: str = "township", department: str | None = None,
        at: dt.datetime | None = None) -> dict:
    """One checked notification as a plain dict, for ``add_many`` (the SLA run's thousands)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}; one of {KINDS}")
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}; one of {AUDIENCES}")
    if audience == "township" and not township:
        raise ValueError("a township notification needs the township")
    if audience == "department" and not department:
        raise ValueError("a department notification needs the department")
    return {"at": at or utcnow(), "kind": kind, "text": mask_text(text), "warning_id": warning_id,
            "township": township, "audience": audience, "department": department}


def add_many(session: Session, rows: list[dict]) -> None:
    """Insert ``row`` dicts in one executemany."""
    if rows:
        session.execute(insert(Notification), rows)


def audience_filter(role: str, township: str | None, department: str | None,
                    warnings=None):
    """The WHERE clause of what a user of ``role`` is told (None: nothing for this role).

    County roles read the county's notices; a township user its township's; a village or grid
    user those of its township's notices that are about a warning in ``warnings`` (the caller's
    warning scope, a WHERE clause on warnings); a department user its department's. (On
    PostgreSQL the row policy also keeps a township to its own rows.)
    """
    if role in ("county_admin", "county_analyst"):
        return Notification.audience == "county"
    if role == "township" and township:
        return and_(Notification.audience == "township", Notification.township == township)
    if role in ("village", "grid") and township and warnings is not None:
        return and_(Notification.audience == "township", Notification.township == township,
                    Notification.warning_id.in_(select(RiskWarning.id).where(warnings)))
    if role == "department" and department:
        return and_(Notification.audience == "department",
                    Notification.department == department)
    return None


def for_user(session: Session, role: str, township: str | None = None,
             department: str | None = None, limit: int = 200,
             warnings=None) -> list[Notification]:
    """The user's notifications, newest first (``warnings``: see audience_filter)."""
    where = audience_filter(role, township, department, warnings)
    if where is None:
        return []
    return list(session.scalars(select(Notification).where(where)
                                .order_by(Notification.at.desc(), Notification.id.desc())
                                .limit(limit)))


def unread_count(session: Session, user_id: int, role: str, township: str | None = None,
                 department: str | None = None, warnings=None) -> int:
    """How many of the user's notifications are newer than the list they last opened."""
    where = audience_filter(role, township, department, warnings)
    if where is None:
        return 0
    seen = session.scalar(select(NotificationSeen.last_id)
                          .where(NotificationSeen.user_id == user_id)) or 0
    return int(session.scalar(select(func.count(Notification.id))
                              .where(where, Notification.id > seen)) or 0)


def mark_seen(session: Session, user_id: int, last_id: int) -> None:
    """Remember that the user has seen every notification up to ``last_id``."""
    row = session.get(NotificationSeen, user_id)
    if row is None:
        session.add(NotificationSeen(user_id=user_id, last_id=last_id, at=utcnow()))
    elif last_id > row.last_id:
        row.last_id, row.at = last_id, utcnow()
    session.flush()


def unmailed(session: Session) -> list[Notification]:
    """Notifications not yet mailed, oldest first (the SLA run mails them once)."""
    return list(session.scalars(select(Notification).where(Notification.emailed_at.is_(None))
                                .order_by(Notification.id)))


def as_json(row: Notification, warning_code: str | None) -> dict:
    """The API's form: ``{"at", "kind", "warning_id", "text"}``, the warning by its code."""
    return {"at": as_utc(row.at).isoformat() if row.at else None, "kind": row.kind,
            "warning_id": warning_code, "text": row.text}


__all__ = ["KINDS", "AUDIENCES", "notify", "row", "add_many", "for_user", "unread_count", "mark_seen", "unmailed",
           "as_json", "audience_filter"]
