"""The verification loop's actions: closure, identification steps, the county's page (issue 16).

JSON under /api (Bearer token) and the same actions as forms on the warning's page and the
county's /verification page (session cookie, CSRF). Roles and isolation as everywhere: another
township's warning is 404, no token 401, a role that may not act 403.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from pydantic import BaseModel, Field

from portal.outcomes import StepForm, awaiting_county, decide_closure, loop_view, \
    record_identification
from portal.pages import render
from portal.principal import Principal
from portal.routes.api import AUTH_ERRORS
from portal.routes.township import save_on_warning
from portal.security import csrf_protected
from portal.warning_ref import WarningRef, moved
from portal.web import api_principal, page_principal, portal_of
from screening.verification import DECISIONS, STATUS_LABELS

router = APIRouter()
ERRORS = {**AUTH_ERRORS, 308: {"description": "旧的整数编号：重定向到预警编号"},
          404: {"description": "无此预警（或不属于本乡镇）"}, 422: {"description": "输入有误（中文说明）"}}


class ClosureIn(BaseModel):
    """The county's answer to a 不符合: confirm (销号) or return (退回乡镇, reason required)."""

    decision: str = Field(description="confirm 或 return", max_length=8)
    reason: str | None = Field(default=None, max_length=2000)


class StepIn(BaseModel):
    """One identification step, dated as on paper (never in the future)."""

    step: str = Field(description="pledge、review、notice、confirm 或 entered", max_length=16)
    date: str | None = Field(default=None, description="YYYY-MM-DD（公示为开始日期）", max_length=10)
    end_date: str | None = Field(default=None, description="公示结束日期 YYYY-MM-DD", max_length=10)
    result: str | None = Field(default=None, description="民主评议结果：pass 或 reject", max_length=8)
    note: str | None = Field(default=None, max_length=2000)


class LoopOut(BaseModel):
    """The warning's status after the change and what it waits for next."""

    warning_id: str = Field(description="预警编号，如 W2026-10-00765")
    status: str
    next_step: str | None


@router.post("/api/warnings/{warning_id}/closure", response_model=LoopOut, tags=["api"],
             responses={**ERRORS, 409: {"description": "预警不在待县级确认销号状态"}})
def api_closure(request: Request, warning_id: WarningRef, body: ClosureIn,
                principal: Principal = Depends(api_principal)):
    """County admin only: ``confirm`` closes a pending_closure warning (销号); ``return`` sends
    it back to the township as open with the reason (the township is notified)."""
    portal = portal_of(request)
    with portal.session(principal) as s:
        redirect = moved(request, s, principal, warning_id)
        if redirect is not None:
            return redirect
        w = decide_closure(s, principal, warning_id, body.decision, body.reason, portal.settings,
                           portal.today())
        return LoopOut(warning_id=w.code, status=w.status,
                       next_step=loop_view(s, principal, w, portal.settings).next)


@router.post("/api/warnings/{warning_id}/identification", response_model=LoopOut, tags=["api"],
             responses={**ERRORS, 409: {"description": "步骤顺序不对，或预警不在识别认定中"}})
def api_identification(request: Request, warning_id: WarningRef, body: StepIn,
                       principal: Principal = Depends(api_principal)):
    """Record an identification step in order pledge → review → notice → confirm (county only)
    → entered (the household becomes monitored); the same step again corrects the latest."""
    portal = portal_of(request)
    with portal.session(principal) as s:
        redirect = moved(request, s, principal, warning_id)
        if redirect is not None:
            return redirect
        w, _ = record_identification(s, principal, warning_id, StepForm(**body.model_dump()),
                                     portal.settings, portal.today())
        return LoopOut(warning_id=w.code, status=w.status,
                       next_step=loop_view(s, principal, w, portal.settings).next)


@router.post("/warnings/{warning_id}/closure", include_in_schema=False)
def closure_form(request: Request, warning_id: WarningRef,
                 principal: Principal = Depends(csrf_protected),
                 decision: str = Form(""), reason: str = Form(""), back: str = Form("")):
    """The county's 销号 decision from the warning's page or the county's list."""
    portal = portal_of(request)
    to = "/verification?saved=1" if back == "county" else f"/warnings/{warning_id}?saved=closure"
    return save_on_warning(request, principal, warning_id, lambda s: decide_closure(
        s, principal, warning_id, decision, reason, portal.settings, portal.today()),
        {"decision": decision, "reason": reason}, to)


@router.post("/warnings/{warning_id}/identification", include_in_schema=False)
def identification_form(request: Request, warning_id: WarningRef,
                        principal: Principal = Depends(csrf_protected),
                        step: str = Form(""), date: str = Form(""), end_date: str = Form(""),
                        result: str = Form(""), note: str = Form(""), back: str = Form("")):
    """One identification step from the warning's page (confirm also from the county's list)."""
    portal = portal_of(request)
    form = StepForm(step, date or None, end_date or None, result or None, note or None)
    to = "/verification?saved=1" if back == "county" else f"/warnings/{warning_id}?saved={step}"
    return save_on_warning(request, principal, warning_id, lambda s: record_identification(
        s, principal, warning_id, form, portal.settings, portal.today()), vars(form), to)


@router.get("/verification", include_in_schema=False)
def county_verification(request: Request, principal: Principal = Depends(page_principal),
                        saved: str = ""):
    """The county's desk: 不符合 waiting for 销号 and identifications waiting for 县级确认."""
    portal = portal_of(request)
    principal.require("county_overview")
    with portal.session(principal) as s:
        items = awaiting_county(s, principal, int(portal.cfg["queue_page_size"]))
    return render(request, "verification_county.html", principal, items=items, saved=bool(saved),
                  today=portal.today(), decisions=DECISIONS, status_labels=STATUS_LABELS,
                  may_confirm=principal.role in portal.settings["verification"]["confirm_roles"])

