"""A department's routed checks, its replies and its monthly returns (issue 19).

JSON: ``POST /api/warnings/{code}/route`` (a township for its own warnings, or the county),
``GET /api/department/checks``, ``GET /api/department/checks/{code}``,
``POST /api/warnings/{code}/department-reply`` and ``GET /api/department/returns`` (XLSX).
Pages for a department user on a phone: ``/department`` (its queue), ``/department/checks/{code}``
(the warning and the reply form) and ``/department/returns.xlsx``; for a township or the county,
``/warnings/{code}/route`` (choose the owning department).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from connectors import catalog
from portal import department_checks as checks
from portal.errors import Conflict, Forbidden, InvalidInput
from portal.pages import render
from portal.principal import Principal
from portal.queue import get_warning
from portal.routes.api import MemberOut
from portal.security import csrf_protected
from portal.warning_action import act_on_warning
from portal.warning_ref import WarningRef, moved
from portal.web import PERIOD_PATTERN, api_principal, page_principal, portal_of
from screening import routing
from screening.returns import file_name, return_bytes
from warehouse.audit import record as audit
from warehouse.db import session_scope

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AUTH = {401: {"description": "未登录或令牌已失效"}, 403: {"description": "角色无权访问"}}
ABSENT = {404: {"description": "无此预警，或未交本部门核查"}}
# A department names a warning only by its code (it never had the old integer URLs).
CheckRef = Annotated[str, Path(pattern=r"^W\d{4}-\d{2}-\d{1,10}$", max_length=24,
                               description="预警编号，如 W2026-10-00765")]


class RouteIn(BaseModel):
    """Which department checks the warning (module name or Chinese name, e.g. 卫健) and why."""

    department: str = Field(max_length=64, description="部门，如 health 或 卫健")
    note: str | None = Field(default=None, max_length=2000, description="交办说明")


class CheckOut(BaseModel):
    """A routed check: where it stands and when the answer is due."""

    warning_id: str = Field(description="预警编号，如 W2026-10-00765")
    department: str
    department_label: str
    status: str = Field(description="routed（待答复）或 replied（已答复）")
    due_on: dt.date = Field(description="答复期限（工作日，规则 clocks.department_reply）")
    routed_by: str
    note: str | None = None


class ReplyIn(BaseModel):
    """The department's answer: what it found, what it will do, anything else."""

    finding: str = Field(max_length=2000, description="核查情况")
    measure: str | None = Field(default=None, max_length=2000, description="处理建议/帮扶措施")
    note: str | None = Field(default=None, max_length=2000, description="备注")


class ReplyOut(CheckOut):
    """The check after the reply."""

    finding: str | None = None
    measure: str | None = None
    replied_at: dt.datetime | None = None


@dataclass(frozen=True)
class QueueItemOut(checks.CheckItem):
    """One warning routed to the caller's department (no resident ID), with its risk type's label."""

    risk_label: str = ""


class EvidenceOut(BaseModel):
    """A record behind the warning."""

    department: str
    indicator_label: str
    value: str | None
    period: str
    source: str = Field(description="文件名#行号")


class CheckDetailOut(ReplyOut):
    """A routed warning as its department sees it."""

    township: str | None
    village: str | None
    household_no: str | None
    risk_type: str
    risk_label: str
    level: str
    reason: str
    members: list[MemberOut]
    evidence: list[EvidenceOut]


def _label(department: str) -> str:
    try:
        return catalog.contract_for(department).label
    except KeyError:
        return department


def _check_out(model, w, c, **extra):
    """``model`` (CheckOut or a subclass) of warning ``w``'s check ``c``."""
    fields = {"warning_id": w.code, "department": c.department,
              "department_label": _label(c.department), "status": c.status, "due_on": c.due_on,
              "routed_by": c.routed_by, "note": c.note, "finding": c.finding,
              "measure": c.measure, "replied_at": c.replied_at, **extra}
    return model(**{k: v for k, v in fields.items() if k in model.model_fields})


# --- JSON API -------------------------------------------------------------------------------

@router.post("/api/warnings/{warning_id}/route", response_model=CheckOut, status_code=201,
             tags=["api"], responses={**AUTH, **ABSENT,
                                      308: {"description": "旧的整数编号：重定向到预警编号"},
                                      409: {"description": "已交该部门且未答复，或预警已结束"},
                                      422: {"description": "该部门不负责此类风险"}})
def api_route(request: Request, warning_id: WarningRef, body: RouteIn,
              principal: Principal = Depends(api_principal)):
    """Route a warning (归口核查) to the department owning its risk type (rules YAML
    department_owns); the reply is due in the clock department_reply's working days."""
    portal = portal_of(request)
    with portal.session(principal) as s:
        redirect = moved(request, s, principal, warning_id)
        if redirect is not None:
            return redirect
        w, c = checks.route_warning(s, principal, warning_id, body.department, body.note,
                                    portal.today(), portal.settings, portal.ctx.home)
        return _check_out(CheckOut, w, c)


@router.get("/api/department/checks", response_model=list[QueueItemOut], tags=["api"],
            responses=AUTH)
def api_checks(request: Request, principal: Principal = Depends(api_principal),
               status: Literal["open", "replied", "all"] = "open") -> list[QueueItemOut]:
    """The warnings routed to the caller's department, overdue first (department role)."""
    portal = portal_of(request)
    lab = portal.labels()
    with portal.session(principal) as s:
        items = checks.queue(s, principal, status, portal.today(),
                             int(portal.cfg["queue_page_size"]), portal.settings)
    return [QueueItemOut(**vars(i), risk_label=lab.risk_types.get(i.risk_type, i.risk_type))
            for i in items]


@router.get("/api/department/checks/{warning_id}", response_model=CheckDetailOut, tags=["api"],
            responses={**AUTH, **ABSENT})
def api_check(request: Request, warning_id: CheckRef,
              principal: Principal = Depends(api_principal)) -> CheckDetailOut:
    """One warning routed to the caller's department: household, members (IDs masked),
    evidence and the check; the view is audited."""
    portal = portal_of(request)
    lab = portal.labels()
    with portal.session(principal) as s:
        d = checks.detail(s, principal, warning_id)
        w = d.warning
        return _check_out(
            CheckDetailOut, w, d.check, township=w.township, village=w.village,
            household_no=d.household.household_no if d.household else None,
            risk_type=w.risk_type, risk_label=lab.risk_types.get(w.risk_type, w.risk_type),
            level=w.level, reason=w.reason, members=[MemberOut(**m) for m in d.members],
            evidence=[EvidenceOut(**e) for e in d.evidence])


@router.post("/api/warnings/{warning_id}/department-reply", response_model=ReplyOut,
             tags=["api"], responses={**AUTH, **ABSENT, 409: {"description": "已答复"},
                                      422: {"description": "输入有误"}})
def api_reply(request: Request, warning_id: CheckRef, body: ReplyIn,
              principal: Principal = Depends(api_principal)) -> ReplyOut:
    """The department's answer to a warning routed to it: appended to the warning's history,
    the township is notified and the reply clock stops."""
    portal = portal_of(request)
    with portal.session(principal) as s:
        w, c = checks.record_reply(s, principal, warning_id, checks.ReplyForm(**body.model_dump()),
                                   portal.today(), portal.settings)
        return _check_out(ReplyOut, w, c)


@router.get("/api/department/returns", tags=["api"], responses={
    **AUTH, 200: {"content": {XLSX: {}}, "description": "本部门的月度反馈 (XLSX)"}})
def api_returns(request: Request, period: str = Query(pattern=PERIOD_PATTERN),
                principal: Principal = Depends(api_principal)) -> Response:
    """The caller's department's monthly return for ``period``: newly monitored households and
    eliminated risks, masked IDs and 户编号 only (the download is audited)."""
    return _returns(request, principal, period)


def _returns(request: Request, principal: Principal, period: str) -> Response:
    portal = portal_of(request)
    key = checks.require_department(principal)
    contract = catalog.contract_for(key)
    # The return is the county's push to every department (seed 004 §6), the same file the
    # CLI and the monthly DAG write: it reads the whole county as the owner, outside the
    # caller's row scope, and holds masked IDs and 户编号 only.
    with session_scope(portal.engine) as s:
        body = return_bytes(s, period, contract, portal.settings, portal.labels().risk_types)
    with portal.session(principal) as s:
        audit(s, principal.name, "export_list", "department_return", period, None,
              {"department": key, "period": period})
    name = quote(file_name(contract, period))
    return Response(body, media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


# --- pages ----------------------------------------------------------------------------------

@router.get("/department", include_in_schema=False)
def queue_page(request: Request, principal: Principal = Depends(page_principal),
               status: str = "open"):
    """The department's queue of routed checks (cards on a phone)."""
    portal = portal_of(request)
    with portal.session(principal) as s:
        items = checks.queue(s, principal, status, portal.today(),
                             int(portal.cfg["queue_page_size"]), portal.settings)
    last_month = (portal.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return render(request, "department.html", principal, items=items, status=status,
                  department=_label(checks.require_department(principal)),
                  last_month=last_month)


@router.get("/department/checks/{warning_id}", include_in_schema=False)
def check_page(request: Request, warning_id: CheckRef,
               principal: Principal = Depends(page_principal), saved: str = ""):
    """One routed warning and the reply form."""
    portal = portal_of(request)
    with portal.session(principal) as s:
        d = checks.detail(s, principal, warning_id)
    return render(request, "department_check.html", principal, d=d, saved=bool(saved),
                  form={}, error=None, error_field=None, today=portal.today())


@router.post("/department/checks/{warning_id}/reply", include_in_schema=False)
def reply_form(request: Request, warning_id: CheckRef,
               principal: Principal = Depends(csrf_protected), finding: str = Form(""),
               measure: str = Form(""), note: str = Form("")):
    """Record the reply from the page; on a mistake show the form again with the message."""
    portal = portal_of(request)
    form = checks.ReplyForm(finding, measure or None, note or None)
    try:
        with portal.session(principal) as s:
            checks.record_reply(s, principal, warning_id, form, portal.today(), portal.settings)
    except InvalidInput as e:
        with portal.session(principal) as s:
            d = checks.detail(s, principal, warning_id)
        return render(request, "department_check.html", principal, status_code=422, d=d,
                      saved=False, form=vars(form), error=str(e), error_field=e.field,
                      today=portal.today())
    return RedirectResponse(f"/department/checks/{warning_id}?saved=1", status_code=303)


@router.get("/department/returns.xlsx", include_in_schema=False)
def returns_download(request: Request, period: str = Query(pattern=PERIOD_PATTERN),
                     principal: Principal = Depends(page_principal)) -> Response:
    """The department's monthly return from its page."""
    return _returns(request, principal, period)


@router.get("/warnings/{warning_id}/route", include_in_schema=False)
def route_page(request: Request, warning_id: WarningRef,
               principal: Principal = Depends(page_principal)):
    """The routing form: the departments owning the warning's risk type, and its earlier routings."""
    return _route_page(request, principal, warning_id, {}, None, None)


def _route_page(request: Request, principal: Principal, code: str, form: dict,
                error: str | None, error_field: str | None, status_code: int = 200):
    portal = portal_of(request)
    if principal.role not in checks.ROUTERS:
        raise Forbidden(f"角色 {principal.role} 无权归口交办预警")
    with portal.session(principal) as s:
        redirect = moved(request, s, principal, code)
        if redirect is not None:
            return redirect
        w = get_warning(s, principal, code)
        owns = routing.department_owns(portal.settings, portal.today().year, portal.ctx.home)
        choices = [(d, _label(d)) for d in routing.owners(owns, w.risk_type)
                   if routing.department_key(d)]
        earlier = routing.checks_of(s, w.id)
    return render(request, "department_route.html", principal, status_code=status_code, w=w,
                  choices=choices, earlier=earlier, form=form, error=error,
                  error_field=error_field, saved=bool(request.query_params.get("saved")))


@router.post("/warnings/{warning_id}/route", include_in_schema=False)
def route_form(request: Request, warning_id: WarningRef,
               principal: Principal = Depends(csrf_protected), department: str = Form(""),
               note: str = Form("")):
    """Route from the form; a refused route shows the form again with the reason."""
    portal = portal_of(request)
    try:
        redirect = act_on_warning(request, principal, warning_id, lambda s: checks.route_warning(
            s, principal, warning_id, department, note or None, portal.today(), portal.settings,
            portal.ctx.home))
    except (InvalidInput, Conflict) as e:
        return _route_page(request, principal, warning_id, {"department": department,
                                                            "note": note}, str(e),
                           getattr(e, "field", None) or "department", status_code=e.status)
    return redirect or RedirectResponse(f"/warnings/{warning_id}/route?saved=1", status_code=303)
