"""A monitored household's case: contact cadre, suggested policies, measures, visits, risk elimination (issue 18).

JSON under /api/households/{household_no} (Bearer token) and the same actions as forms on the
household's page /households/{household_no} (session cookie, CSRF). The household is named by
the roster's 户编号; one outside the caller's scope is 404, no token 401, a role that may not act
403, a step the case does not allow 409.
"""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from portal import household as case
from portal.errors import Conflict, InvalidInput
from portal.pages import render
from portal.principal import Principal
from portal.routes.api import AUTH_ERRORS
from portal.security import csrf_protected
from portal.web import api_principal, page_principal, portal_of
from screening import help_case
from screening.verification import RESULTS

router = APIRouter()
HouseholdNo = Annotated[str, Path(pattern=case.HOUSEHOLD_NO_PATTERN, max_length=24,
                                  description="户编号（花名册）")]
ERRORS = {**AUTH_ERRORS, 404: {"description": "无此户（或不属于您的辖区）"},
          422: {"description": "输入有误（中文说明）"}}
CONFLICT = {409: {"description": "当前状态不允许此操作（中文说明）"}}


class ContactIn(BaseModel):
    """The household's contact cadre (监测帮扶联系人) and the cadre's phone."""

    cadre: str = Field(max_length=64, description="联系人姓名")
    phone: str | None = Field(default=None, max_length=32, description="联系电话（加密保存，显示时遮蔽）")


class MeasureIn(BaseModel):
    """A measure of the plan: a policy of the county's list from a start day."""

    policy: str = Field(max_length=64, description="帮扶政策（政策清单中的名称）")
    start_date: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD")
    note: str | None = Field(default=None, max_length=2000)


class PlanIn(BaseModel):
    """The county's decision on the plan."""

    decision: str = Field(max_length=8, description="approve（通过）或 return（退回修改）")
    reason: str | None = Field(default=None, max_length=2000)


class VisitIn(BaseModel):
    """A visit or a call by the contact cadre."""

    date: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD")
    mode: str = Field(max_length=8, description="visit（入户走访）或 phone（电话联系）")
    note: str | None = Field(default=None, max_length=2000)
    income_month: float | None = Field(default=None, ge=0, le=1e9, allow_inf_nan=False,
                                       description="家庭当月收入（元，可选）")


class EliminationIn(BaseModel):
    """One risk-elimination step, dated as on paper."""

    step: str = Field(max_length=16, description="review、notice 或 confirm")
    date: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD（公示为开始日期）")
    end_date: str | None = Field(default=None, max_length=10, description="公示结束日期 YYYY-MM-DD")
    result: str | None = Field(default=None, max_length=8, description="民主评议结果：pass 或 reject")
    note: str | None = Field(default=None, max_length=2000)


def _view(request: Request, s, principal: Principal, hh) -> dict[str, Any]:
    portal = portal_of(request)
    return case.case_view(s, principal, hh, portal.settings, portal.today(),
                          portal.labels().risk_types, portal.ctx.home)


def _api_action(request: Request, principal: Principal, action) -> dict[str, Any]:
    """Run one action (``action(session, portal)`` gives the household) and answer the case as it
    then stands; the forms run the same actions through _form_action."""
    portal = portal_of(request)
    with portal.session(principal) as s:
        return _view(request, s, principal, action(s, portal))


@router.get("/api/households/{household_no}", tags=["api"], responses=ERRORS)
def api_case(request: Request, household_no: HouseholdNo,
             principal: Principal = Depends(api_principal)) -> dict[str, Any]:
    """The household's case: members (IDs masked), warnings, contact cadre (phone masked),
    suggested_policies with reasons, measures, plan approval, visits, checks, elimination, clocks."""
    with portal_of(request).session(principal) as s:
        return _view(request, s, principal, case.get_household(s, principal, household_no))


@router.post("/api/households/{household_no}/contact", tags=["api"],
             responses={**ERRORS, **CONFLICT})
def api_contact(request: Request, household_no: HouseholdNo, body: ContactIn,
                principal: Principal = Depends(api_principal)) -> dict[str, Any]:
    """Assign the contact cadre; 409 when the cadre already contacts two households."""
    return _api_action(request, principal, lambda s, p: case.assign_contact(
        s, principal, household_no, body.cadre, body.phone,
        p.ctx.vault(), p.settings, p.today()))


@router.post("/api/households/{household_no}/measures", tags=["api"],
             responses={**ERRORS, **CONFLICT})
def api_measure(request: Request, household_no: HouseholdNo, body: MeasureIn,
                principal: Principal = Depends(api_principal)) -> dict[str, Any]:
    """Add a measure from the county's policy list to the household's plan."""
    return _api_action(request, principal, lambda s, p: case.record_measure(
        s, principal, household_no, body.policy, body.start_date,
        body.note, p.settings, p.today(), p.ctx.home))


@router.post("/api/households/{household_no}/plan", tags=["api"],
             responses={**ERRORS, **CONFLICT})
def api_plan(request: Request, household_no: HouseholdNo, body: PlanIn,
             principal: Principal = Depends(api_principal)) -> dict[str, Any]:
    """County admin only: approve the plan, or return it with a reason."""
    return _api_action(request, principal, lambda s, p: case.decide_plan(
        s, principal, household_no, body.decision, body.reason,
        p.settings, p.today()))


@router.post("/api/households/{household_no}/visits", tags=["api"],
             responses={**ERRORS, **CONFLICT})
def api_visit(request: Request, household_no: HouseholdNo, body: VisitIn,
              principal: Principal = Depends(api_principal)) -> dict[str, Any]:
    """Record a visit or a call (at least monthly until the risk is eliminated)."""
    return _api_action(request, principal, lambda s, p: case.record_visit(
        s, principal, household_no, body.date, body.mode, body.note,
        body.income_month, p.settings, p.today()))


@router.post("/api/households/{household_no}/elimination", tags=["api"],
             responses={**ERRORS, 409: {"description": "步骤顺序不对、帮扶未完成，或无劳动能力户"}})
def api_elimination(request: Request, household_no: HouseholdNo, body: EliminationIn,
                    principal: Principal = Depends(api_principal)) -> dict[str, Any]:
    """Record a risk-elimination step review → notice → confirm (county only); a household with
    nobody able to work answers 409 无劳动能力户暂不标注风险消除."""
    return _api_action(request, principal, lambda s, p: case.record_elimination(
        s, principal, household_no,
        case.StepForm(**body.model_dump()), p.settings, p.today(), p.ctx.home))


# --- pages ------------------------------------------------------------------------------------


def _page(request: Request, principal: Principal, household_no: str, status_code: int = 200,
          **extra):
    portal = portal_of(request)
    from screening.policies import stored_policies

    with portal.session(principal) as s:
        hh = case.get_household(s, principal, household_no)
        view = _view(request, s, principal, hh)
        policies = [(p.name, p.kind) for p in stored_policies(s, portal.settings, portal.ctx.home)]
    settings = portal.settings
    return render(request, "household.html", principal, status_code=status_code, c=view,
                  policies=policies, modes=help_case.MODES, results=RESULTS,
                  step_labels=help_case.STEP_LABELS, today=portal.today(),
                  may_record=principal.role in settings["help"]["record_roles"],
                  may_visit=principal.role in settings["help"]["visit_roles"],
                  may_confirm=principal.role in settings["verification"]["confirm_roles"],
                  **extra)


@router.get("/households/{household_no}", include_in_schema=False)
def case_page(request: Request, household_no: HouseholdNo, saved: str = "",
              principal: Principal = Depends(page_principal)):
    """The household's case page (phones first: cards, large targets)."""
    return _page(request, principal, household_no, saved=saved)


def _form_action(request: Request, principal: Principal, household_no: str, action, form: dict,
                 saved: str):
    """Run one form's action; a wrong field (422) or a refused step (409) re-renders the page
    with the message."""
    portal = portal_of(request)
    try:
        with portal.session(principal) as s:
            action(s, portal)
    except (InvalidInput, Conflict) as e:
        return _page(request, principal, household_no, status_code=e.status, error=str(e),
                     error_field=getattr(e, "field", None), form=form)
    return RedirectResponse(f"/households/{household_no}?saved={saved}", status_code=303)


@router.post("/households/{household_no}/contact", include_in_schema=False)
def contact_form(request: Request, household_no: HouseholdNo,
                 principal: Principal = Depends(csrf_protected),
                 cadre: str = Form(""), phone: str = Form("")):
    """The contact cadre from the case page."""
    return _form_action(request, principal, household_no, lambda s, p: case.assign_contact(
        s, principal, household_no, cadre, phone, p.ctx.vault(), p.settings, p.today()),
        {"cadre": cadre}, "contact")


@router.post("/households/{household_no}/measures", include_in_schema=False)
def measure_form(request: Request, household_no: HouseholdNo,
                 principal: Principal = Depends(csrf_protected),
                 policy: str = Form(""), start_date: str = Form(""), note: str = Form("")):
    """A measure from the case page."""
    return _form_action(request, principal, household_no, lambda s, p: case.record_measure(
        s, principal, household_no, policy, start_date, note, p.settings, p.today(), p.ctx.home),
        {"policy": policy, "start_date": start_date, "note": note}, "measure")


@router.post("/households/{household_no}/plan", include_in_schema=False)
def plan_form(request: Request, household_no: HouseholdNo,
              principal: Principal = Depends(csrf_protected),
              decision: str = Form(""), reason: str = Form("")):
    """The county's plan decision from the case page."""
    return _form_action(request, principal, household_no, lambda s, p: case.decide_plan(
        s, principal, household_no, decision, reason, p.settings, p.today()),
        {"reason": reason}, "plan")


@router.post("/households/{household_no}/visits", include_in_schema=False)
def visit_form(request: Request, household_no: HouseholdNo,
               principal: Principal = Depends(csrf_protected), date: str = Form(""),
               mode: str = Form(""), note: str = Form(""), income_month: str = Form("")):
    """A visit from the case page."""
    return _form_action(request, principal, household_no, lambda s, p: case.record_visit(
        s, principal, household_no, date, mode, note, case.parse_income(income_month),
        p.settings, p.today()),
        {"date": date, "mode": mode, "note": note, "income_month": income_month}, "visit")


@router.post("/households/{household_no}/elimination", include_in_schema=False)
def elimination_form(request: Request, household_no: HouseholdNo,
                     principal: Principal = Depends(csrf_protected), step: str = Form(""),
                     date: str = Form(""), end_date: str = Form(""), result: str = Form(""),
                     note: str = Form("")):
    """A risk-elimination step from the case page."""
    form = case.StepForm(step, date or None, end_date or None, result or None, note or None)
    return _form_action(request, principal, household_no, lambda s, p: case.record_elimination(
        s, principal, household_no, form, p.settings, p.today(), p.ctx.home),
        vars(form), step or "elimination")
