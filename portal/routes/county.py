"""County pages: progress and overdue items, digest and alerts, feed status, match review."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from portal.county import digest, periods, township_progress
from portal.feeds import feed_periods, feed_status
from portal.pages import render
from portal.principal import Principal
from portal.queue import QueueFilters
from portal.review import decide, review_queue
from portal.security import csrf_protected
from portal.web import RowId, page_principal, portal_of

router = APIRouter(include_in_schema=False)


def _pick(period: str, known: list[str], default: str) -> str:
    """The asked-for period if there is data for it, else the newest, else ``default``."""
    return period if period in known else (known[0] if known else default)


@router.get("/county")
def county_page(request: Request, principal: Principal = Depends(page_principal),
                period: str = ""):
    """Every township's progress, the overdue items, the digest and regional alerts."""
    portal = portal_of(request)
    principal.require("county_overview")
    today = portal.today()
    with portal.session(principal) as s:
        known = periods(s)
        chosen = _pick(period, known, "")
        progress = township_progress(s, principal, today)
        overdue = portal.queue(s, principal, QueueFilters(overdue_only=True))
        dig = digest(s, principal, chosen) if chosen else None
    return render(request, "county.html", principal, progress=progress, overdue=overdue,
                  digest=dig, periods=known, period=chosen)


@router.get("/feeds")
def feeds_page(request: Request, principal: Principal = Depends(page_principal),
               period: str = ""):
    """Feed status per department: arrived, rows, quarantined, late."""
    portal = portal_of(request)
    principal.require("feeds")
    today = portal.today()
    with portal.session(principal) as s:
        known = feed_periods(s)
        chosen = _pick(period, known, f"{today.year}-{today.month:02d}")
        rows = feed_status(s, principal, chosen, portal.labels().departments,
                           portal.settings, today)
    return render(request, "feeds.html", principal, rows=rows, periods=known, period=chosen)


@router.get("/review")
def review_page(request: Request, principal: Principal = Depends(page_principal)):
    """Links the matcher was unsure of, for a person to accept or reject."""
    portal = portal_of(request)
    with portal.session(principal) as s:
        items = review_queue(s, principal, int(portal.cfg["queue_page_size"]))
    return render(request, "review.html", principal, items=items)


@router.post("/review/{link_id}")
def review_decide(request: Request, link_id: RowId,
                  principal: Principal = Depends(csrf_protected),
                  decision: str = Form("")):
    """Accept or reject one link; the decision is kept for later months and audited."""
    portal = portal_of(request)
    with portal.session(principal) as s:
        decide(s, principal, link_id, decision, portal.ctx.vault())
    return RedirectResponse("/review", status_code=303)
