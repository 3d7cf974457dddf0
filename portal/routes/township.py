"""Township verifier pages: the queue, household detail, recording an outcome, the XLSX list."""
from __future__ import annotations

import datetime as dt
from typing import Callable
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from portal.detail import household_detail
from portal.errors import InvalidInput
from portal.outcomes import OutcomeForm, loop_view, record_outcome
from portal.pages import render
from portal.principal import PERMISSIONS, Principal
from portal.queue import QueueFilters, villages
from portal.security import csrf_protected
from portal.warning_action import act_on_warning
from portal.warning_ref import WarningRef, moved
from portal.web import page_principal, portal_of
from portal.workbook import queue_workbook
from screening.verification import DECISIONS, RESULTS, STATUS_LABELS, STEP_LABELS, STEPS
from shouwang.core.clock import local_time
from warehouse.audit import record as audit

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(level: str, village: str, status: str, due_before: str, township: str) -> QueueFilters:
    """Filters from the queue form (blank fields mean no filter)."""
    try:
        due = dt.date.fromisoformat(due_before) if due_before else None
    except ValueError:
        raise InvalidInput(f"核实期限 {due_before!r} 不是日期，请用 YYYY-MM-DD", "due_before") from None
    return QueueFilters(level=level or None, village=village or None, status=status or "active",
                        due_before=due, township=township or None)


@router.get("/queue")
def queue_page(request: Request, principal: Principal = Depends(page_principal),
               level: str = "", village: str = "", status: str = "", due_before: str = "",
               township: str = ""):
    """The caller's verification queue, overdue first."""
    filters = _filters(level, village, status, due_before, township)
    with portal_of(request).session(principal) as s:
        items = portal_of(request).queue(s, principal, filters)
        village_names = villages(s, principal)
    return render(request, "queue.html", principal, items=items, f=filters,
                  villages=village_names, query=request.url.query)


@router.get("/queue.xlsx")
def queue_xlsx(request: Request, principal: Principal = Depends(page_principal),
               level: str = "", village: str = "", status: str = "", due_before: str = "",
               township: str = ""):
    """The same list as an Excel workbook; the export is audited."""
    filters = _filters(level, village, status, due_before, township)
    portal = portal_of(request)
    scope = principal.scope_label if not principal.is_county else (filters.township or "全县")
    with portal.session(principal) as s:
        items = portal_of(request).queue(s, principal, filters)
        audit(s, principal.name, "export_list", "queue", None, principal.township,
              {"rows": len(items), "status": filters.status})
    body = queue_workbook(items, portal.labels(), f"{scope}核实清单")
    name = quote(f"{scope}_核实清单_{portal.today():%Y-%m-%d}.xlsx")
    return Response(body, media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


def warning_response(request: Request, principal: Principal, warning_id: str, *,
                     status_code: int = 200, saved: str = "", error: str | None = None,
                     error_field: str | None = None, form: dict | None = None):
    """The warning's page: detail, status, history and the form of its next step (with the
    message and the submitted values when a form came back wrong)."""
    portal = portal_of(request)
    with portal.session(principal) as s:
        # The vault: the page shows the grid worker's whole phone to call from the doorstep
        detail = household_detail(s, principal, warning_id, portal.labels(), vault=portal.ctx.vault())
        view = loop_view(s, principal, detail.warning, portal.settings)
    return render(request, "warning.html", principal, status_code=status_code, d=detail,
                  lv=view, saved=saved, outcomes=portal.cfg["outcomes"], form=form or {},
                  error=error, error_field=error_field, today=portal.today(),
                  can_record=principal.role in PERMISSIONS["record_outcome"],
                  status_labels=STATUS_LABELS, step_labels=STEP_LABELS, results=RESULTS,
                  decisions=DECISIONS, steps=STEPS,
                  when=lambda moment: local_time(moment, portal.settings))


def save_on_warning(request: Request, principal: Principal, warning_id: str,
                    save: Callable[[Session], object], form: dict, done: str) -> Response:
    """Save a form of the warning's page and go to ``done``; a mistake shows the page again
    (422) with the message and the values sent."""
    try:
        redirect = act_on_warning(request, principal, warning_id, save)
    except InvalidInput as e:
        return warning_response(request, principal, warning_id, status_code=422, error=str(e),
                                error_field=e.field, form=form)
    return redirect or RedirectResponse(done, status_code=303)

@router.get("/warnings/{warning_id}")
def warning_page(request: Request, warning_id: WarningRef,
                 principal: Principal = Depends(page_principal), saved: str = ""):
    """Household detail with the evidence, status, history and next step, by the warning's
    code; the view is audited."""
    with portal_of(request).session(principal) as s:
        redirect = moved(request, s, principal, warning_id)
        if redirect is not None:
            return redirect
    return warning_response(request, principal, warning_id, saved=saved[:8])


@router.post("/warnings/{warning_id}/outcome")
def outcome_form(request: Request, warning_id: WarningRef,
                 principal: Principal = Depends(csrf_protected),
                 outcome: str = Form(""), verifier1: str = Form(""), verifier2: str = Form(""),
                 reason: str = Form("")):
    """Record the outcome from the detail page; on a mistake show the form again with the message."""
    portal = portal_of(request)
    form = OutcomeForm(outcome, verifier1, verifier2, reason)
    return save_on_warning(request, principal, warning_id, lambda s: record_outcome(
        s, principal, warning_id, form, portal.settings, portal.today()), vars(form),
        f"/warnings/{warning_id}?saved=1")
