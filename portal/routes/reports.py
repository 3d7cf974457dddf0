"""Self-reports (public, no account) and staff-entered leads (issue 17).

Public: the page /report, its status page /report/status, and the JSON API /api/reports (file,
challenge, status by receipt). Staff: POST /api/leads (Bearer) and the form /leads/new.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from portal.errors import InvalidInput, NotFound
from portal.pages import render
from portal.principal import Principal
from portal.report_guard import client_of, guard, read_json
from portal.reports import (CHANNEL_LABELS, LEAD_CHANNELS, SELF_REPORT, check_grid_person,
                            check_input, check_scope, file_input, normalize_receipt, place_choices, places,
                            report_status, risk_choices)
from portal.security import csrf_protected
from portal.web import api_principal, page_principal, portal_of
from warehouse.audit import record as audit

router = APIRouter()
NO_RECEIPT = "没有这个回执号，请核对后再查（回执号由数字和大写字母组成）"


class ReportIn(BaseModel):
    """A self-report (农户自主申报); every field is text. ``altcha``: the solved challenge."""

    name: str = Field(description="姓名", max_length=32)
    resident_id: str = Field(description="身份证号（18 位）", max_length=32)
    phone: str = Field(description="联系电话", max_length=20)
    township: str = Field(description="乡镇", max_length=32)
    village: str = Field(description="村（社区）", max_length=32)
    risk_type: str = Field(description="风险类型代码（illness…）或中文名称", max_length=32)
    description: str | None = Field(None, description="情况说明", max_length=500)
    altcha: str | None = Field(None, description="工作量证明（GET /api/reports/challenge 的解）")


class LeadIn(BaseModel):
    """A lead entered by staff from a hotline call, a petition, the media, the city, a cadre or a
    grid worker."""

    channel: str = Field(description=" | ".join(LEAD_CHANNELS), max_length=16)
    name: str = Field(description="姓名", max_length=32)
    resident_id: str | None = Field(None, description="身份证号（可不填）", max_length=32)
    phone: str | None = Field(None, description="联系电话（可不填）", max_length=20)
    township: str = Field(description="乡镇", max_length=32)
    village: str = Field(description="村（社区）", max_length=32)
    risk_type: str = Field(description="风险类型代码（illness…）或中文名称", max_length=32)
    description: str | None = Field(None, description="情况说明", max_length=500)


class ReceiptOut(BaseModel):
    """The receipt code the reporter keeps to read the status."""

    receipt: str


class ReportStatusOut(BaseModel):
    """The status of a report, in words; no personal data."""

    receipt: str
    stage: str = Field(description="received | handed | verifying | done")
    status: str = Field(description="已收到 | 已交乡镇 | 核实中 | 已办结")
    received_on: str = Field(description="收到日期（县时间）")


def _json_body(model: type[BaseModel]) -> dict:
    """The OpenAPI request body of a route that reads its JSON itself (to cap its size)."""
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}


def _refused(e: InvalidInput) -> JSONResponse:
    """422 naming the field, in Chinese."""
    return JSONResponse({"detail": str(e), "field": e.field}, status_code=422)


# ----------------------------------------------------------------- public: pages and API

@router.get("/report", include_in_schema=False)
def report_page(request: Request, township: str = Query("", max_length=64),
                village: str = Query("", max_length=64)):
    """The self-report form; the poster's QR code fills in the township and village."""
    portal = portal_of(request)
    with portal.session(None) as s:
        choices = place_choices(s)
        index = places(s, portal.settings)
    t_place, v_place = index.resolve(township or None, village or None)
    return render(request, "report.html", None, places=choices,
                  risks=risk_choices(portal.settings, portal.labels().risk_types),
                  township=t_place.name if t_place.region_id else "",
                  village=v_place.name if v_place.region_id else "",
                  challenge=guard(request).challenge_on,
                  limits=portal.settings["reports"]["max_lengths"],
                  hotline=portal.settings["reports"]["hotline"])


@router.get("/report/status", include_in_schema=False)
def report_status_page(request: Request, receipt: str = Query("", max_length=32)):
    """Type a receipt, read its status."""
    portal = portal_of(request)
    found, error = None, None
    if receipt:
        guard(request).spend("lookup", client_of(request))
        code = normalize_receipt(receipt, int(portal.settings["reports"]["receipt_length"]))
        if code:
            with portal.session(None) as s:
                found = report_status(s, portal.settings, code)
        error = None if found else NO_RECEIPT
    return render(request, "report_status.html", None, found=found, error=error,
                  receipt=receipt, hotline=portal.settings["reports"]["hotline"],
                  status_code=200 if found or not receipt else 404)


@router.get("/api/reports/challenge", tags=["reports"])
def report_challenge(request: Request) -> dict:
    """A proof-of-work challenge (ALTCHA): find n with SHA-256(salt + n) = challenge."""
    g = guard(request)
    g.spend("challenge", client_of(request))
    return g.challenges.issue()


@router.post("/api/reports", tags=["reports"], status_code=201, response_model=ReceiptOut,
             responses={403: {"description": "安全验证未完成"}, 413: {"description": "内容太长"},
                        422: {"description": "某一栏不对（field 指明哪一栏）"},
                        429: {"description": "过于频繁"}},
             openapi_extra=_json_body(ReportIn))
async def file_report(request: Request):
    """File a self-report: 201 with the receipt; ID and phone are sealed on arrival."""
    g, client = guard(request), client_of(request)
    g.wait("submit", client)
    g.spend("attempt", client)
    body = await read_json(request, g.max_body_bytes)
    if isinstance(body, dict):
        g.check_challenge(body)
    try:
        receipt = await run_in_threadpool(_file, request, body, None)
    except InvalidInput as e:
        return _refused(e)
    g.count("submit", client)
    return JSONResponse({"receipt": receipt}, status_code=201)


@router.get("/api/reports/{receipt}", tags=["reports"], response_model=ReportStatusOut,
            responses={404: {"description": "没有这个回执号"}, 429: {"description": "过于频繁"}})
def report_status_api(request: Request, receipt: str = Path(
        max_length=32, pattern=r"^[0-9A-Za-z\- ]+$", description="回执号，如 R8K2QH7M3A")
        ) -> ReportStatusOut:
    """The status of a report by its receipt, in words."""
    portal = portal_of(request)
    guard(request).spend("lookup", client_of(request))
    code = normalize_receipt(receipt, int(portal.settings["reports"]["receipt_length"]))
    found = None
    if code:
        with portal.session(None) as s:
            found = report_status(s, portal.settings, code)
    if found is None:
        raise NotFound(NO_RECEIPT)
    return ReportStatusOut(**found.__dict__)


# ----------------------------------------------------------------- staff: leads

def _lead_role(principal: Principal) -> None:
    """County, township, village and grid users file leads."""
    principal.require("file_leads")


def _file(request: Request, body: object, principal: Principal | None) -> str:
    """Check, seal and store one input; its receipt. A lead is audited and kept in scope."""
    portal = portal_of(request)
    vault = guard(request).vault
    with portal.session(principal) as s:
        index = places(s, portal.settings)
        intake = check_input(body, portal.settings, index, portal.labels().risk_types,
                             channel=SELF_REPORT if principal is None else None)
        if principal is not None:
            check_scope(principal, intake, index)
            check_grid_person(s, vault, principal, intake)
        row = file_input(s, vault, portal.settings, intake,
                         submitted_by=principal.name if principal else None,
                         grid=principal.grid if principal and principal.role == "grid" else None)
        if principal is not None:
            audit(s, principal.name, "file_lead", "channel_input", row.receipt, row.township,
                  {"channel": row.channel, "village": row.village, "risk_type": row.risk_type})
        return row.receipt


@router.post("/api/leads", tags=["leads"], status_code=201, response_model=ReceiptOut,
             responses={401: {"description": "未登录或令牌已失效"}, 403: {"description": "角色无权登记"},
                        404: {"description": "不在辖区内"}, 413: {"description": "内容太长"},
                        422: {"description": "某一栏不对（field 指明哪一栏）"}},
             openapi_extra=_json_body(LeadIn))
async def file_lead(request: Request, principal: Principal = Depends(api_principal)):
    """File a lead (hotline, petition, media, city feedback, cadre, grid worker): 201 with its
    receipt. A township files for its township, a village or grid worker for their village."""
    _lead_role(principal)
    body = await read_json(request, guard(request).max_body_bytes)
    try:
        receipt = await run_in_threadpool(_file, request, body, principal)
    except InvalidInput as e:
        return _refused(e)
    return JSONResponse({"receipt": receipt}, status_code=201)


def _lead_form(request: Request, principal: Principal, status_code: int = 200, **context):
    """The lead form page with the caller's places and the risk choices."""
    portal = portal_of(request)
    with portal.session(principal) as s:
        choices = place_choices(s)
    if not principal.is_county:
        choices = {t: ([principal.village] if principal.village and principal.village in v else v)
                   for t, v in choices.items() if t == principal.township}
    channels = [(c, CHANNEL_LABELS[c]) for c in LEAD_CHANNELS]
    return render(request, "lead_form.html", principal, status_code=status_code,
                  places=choices, channels=channels,
                  risks=list(portal.labels().risk_types.items()),
                  limits=portal.settings["reports"]["max_lengths"], **context)


@router.get("/leads/new", include_in_schema=False)
def lead_page(request: Request, principal: Principal = Depends(page_principal),
              receipt: str = Query("", max_length=32)):
    """The form staff enter a lead with; after filing it shows the receipt."""
    _lead_role(principal)
    length = int(portal_of(request).settings["reports"]["receipt_length"])
    # Only a well-formed code is shown back: the page must not echo arbitrary text.
    return _lead_form(request, principal, form={}, receipt=normalize_receipt(receipt, length) or "")


@router.post("/leads", include_in_schema=False)
def lead_submit(request: Request, principal: Principal = Depends(csrf_protected),
                channel: str = Form("", max_length=16), name: str = Form("", max_length=64),
                resident_id: str = Form("", max_length=64), phone: str = Form("", max_length=32),
                township: str = Form("", max_length=64), village: str = Form("", max_length=64),
                risk_type: str = Form("", max_length=32),
                description: str = Form("", max_length=2000)):
    """File the form's lead, then show its receipt (303); a wrong field re-shows the form."""
    _lead_role(principal)
    form = {"channel": channel, "name": name, "resident_id": resident_id, "phone": phone,
            "township": township, "village": village, "risk_type": risk_type,
            "description": description}
    try:
        receipt = _file(request, {k: v or None for k, v in form.items()}, principal)
    except InvalidInput as e:
        # Never send an ID or phone back into the page: the cadre types them again.
        kept = {k: v for k, v in form.items() if k not in ("resident_id", "phone")}
        return _lead_form(request, principal, status_code=422, form=kept, error=str(e),
                          field=e.field, receipt="")
    return RedirectResponse(f"/leads/new?receipt={receipt}", status_code=303)
