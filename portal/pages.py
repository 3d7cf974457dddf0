"""Server-rendered pages: the Jinja2 environment and one render helper."""
from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from portal.principal import Principal

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def header_state(request: Request, principal: Principal) -> dict:
    """What every page's header shows the caller: unread notifications, and a loud line when a
    running deadline falls in a year the official holiday calendar does not have."""
    from screening import notify
    from screening.calendar import gap_warning, uncovered
    from shouwang.core.clock import today
    from warehouse.notification_tables import WarningClock

    portal = request.app.state.portal
    with portal.session(principal) as s:
        count = notify.unread_count(s, principal.user_id, principal.role, principal.township,
                                    principal.department, principal.warning_scope())
        # Clocks the caller may see (RLS on PostgreSQL); the latest due date is enough.
        latest = s.scalar(select(func.max(WarningClock.due_on))
                          .where(WarningClock.stopped_on.is_(None)))
    return {"notice_count": count,
            "calendar_gap": gap_warning(uncovered([today(portal.settings), latest]))}


def render(request: Request, name: str, principal: Principal | None, status_code: int = 200,
           **context):  # -> HTMLResponse
    """Render ``name`` with the caller, the labels, the session's CSRF token and ``context``."""
    portal = request.app.state.portal
    session_id = getattr(request.state, "session_id", None) if principal else None
    base = {"user": principal, "L": portal.labels(), "county": portal.settings["county"]["name"],
            # Every POST form of a logged-in page carries it (portal.security.csrf_protected).
            "csrf_token": portal.signer.csrf_token(session_id) if session_id else "",
            "notice_count": 0, "calendar_gap": ""}
    if principal is not None:
        base.update(header_state(request, principal))
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
