"""The caller's notifications: overdue, escalated, returned, awaiting confirmation (issue 16).

`GET /api/notifications` (JSON, newest first) and the `/notifications` page, which also marks
them read (the header's count is of the newer ones: portal.pages). Each role reads its own
audience's (screening.notify.audience_filter); on PostgreSQL the row policy keeps a township to
its own rows besides.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from portal.pages import render
from portal.principal import Principal
from portal.web import api_principal, page_principal, portal_of
from screening import notify
from screening.mail import KIND_LABELS
from shouwang.core.clock import local_time
from warehouse.models import RiskWarning

router = APIRouter()


class NotificationOut(BaseModel):
    """One notification."""

    at: str = Field(description="时间（ISO 8601，UTC）")
    kind: str = Field(description="overdue | escalated | returned | awaiting_confirmation | …")
    warning_id: str | None = Field(description="预警编号，如 W2026-10-00021")
    text: str


def _mine(request: Request, principal: Principal, mark_seen: bool = False,
          limit: int | None = None):
    """The caller's notifications, newest first (at most ``limit``, else settings
    ``notifications.page_size``), and their warnings' codes; ``mark_seen`` records that the
    caller has now seen them all."""
    portal = portal_of(request)
    limit = limit or int(portal.settings["notifications"].get("page_size", 200))
    with portal.session(principal) as s:
        rows = notify.for_user(s, principal.role, principal.township, principal.department, limit,
                               principal.warning_scope())
        ids = {r.warning_id for r in rows if r.warning_id}
        codes = dict(s.execute(select(RiskWarning.id, RiskWarning.code)
                               .where(RiskWarning.id.in_(ids))).all()) if ids else {}
        if rows and mark_seen:
            notify.mark_seen(s, principal.user_id, max(r.id for r in rows))
    return rows, codes


@router.get("/api/notifications", tags=["api"], response_model=list[NotificationOut],
            responses={401: {"description": "未登录或令牌已失效"}})
def api_notifications(request: Request, principal: Principal = Depends(api_principal),
                      limit: int | None = Query(None, ge=1, le=1000,
                                                description="最多返回条数（默认按县级设置）")):
    """The caller's notifications, newest first: ``{"at", "kind", "warning_id", "text"}``."""
    rows, codes = _mine(request, principal, limit=limit)
    return [notify.as_json(r, codes.get(r.warning_id)) for r in rows]


@router.get("/notifications", include_in_schema=False)
def notifications_page(request: Request, principal: Principal = Depends(page_principal)):
    """The caller's notifications as cards; opening the page marks them read."""
    rows, codes = _mine(request, principal, mark_seen=True)
    settings = portal_of(request).settings
    items = [{"at": local_time(r.at, settings), "kind": r.kind,
              "kind_label": KIND_LABELS.get(r.kind, r.kind), "code": codes.get(r.warning_id),
              "text": r.text} for r in rows]
    return render(request, "notifications.html", principal, items=items)
