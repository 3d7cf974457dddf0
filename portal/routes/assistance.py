"""The assistance list (帮扶清单) for townships and villages, and the county's help-loop view (issue 18).

Pages (session cookie): /assistance (the list, by village, with its check flags) and
/assistance.xlsx (the printable workbook, one sheet per village); /county/help (coverage by
township and the backlog chart). JSON (Bearer token): /api/assistance and /api/county/help.
A township user gets its own township (another one is 404), a village user its own village;
the county names the township; grid, department and engineer users are refused (403).
"""
from __future__ import annotations

import io
from dataclasses import asdict
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.regions import region_suffixes
from portal.errors import Forbidden, InvalidInput, NotFound
from portal.pages import render
from portal.principal import COUNTY_ROLES, Principal
from portal.routes.api import AUTH_ERRORS
from portal.web import api_principal, page_principal, portal_of
from screening.assistance import AssistanceRow, assistance_rows, by_village, same_place, workbook
from screening.publish.help_figures import help_figures
from shouwang.core.errors import UserError
from warehouse.audit import record as audit
from warehouse.models import Household

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_ROLES = (*COUNTY_ROLES, "township", "village")
YEAR = Query(None, ge=2000, le=2100, description="年度（默认今年）")
TOWNSHIP = Query("", max_length=64, description="乡镇（县级用户必填；乡镇用户只能是本乡镇）")
VILLAGE = Query("", max_length=64, description="村（可选）")


class AssistanceOut(BaseModel):
    """One household's line of the assistance list."""

    village: str
    household_no: str
    head: str
    size: int
    household_type: str
    included_on: str
    risks: str
    measures: str
    check: str


class AssistanceListOut(BaseModel):
    """A township's (or village's) assistance list for a year."""

    township: str
    village: str | None
    year: int
    households: list[AssistanceOut]


def scope(principal: Principal, settings: dict, township: str, village: str) -> tuple[str, str | None]:
    """The township and village the caller may list: 403 for a role without the list, 404
    for a place outside the caller's, 422 when the county names no township."""
    if principal.role not in LIST_ROLES:
        raise Forbidden(f"角色 {principal.role} 无权查看帮扶清单")
    suffixes = region_suffixes(settings)
    township, village = township.strip(), village.strip()
    for name, text in (("township", township), ("village", village)):
        if any(ord(c) < 32 for c in text):  # NUL and the like: no place is spelt so
            raise InvalidInput("乡镇、村名称含有无效字符", name)
    if principal.is_county:
        if not township:
            raise InvalidInput("请选择乡镇", "township")
        return township, village or None
    own = principal.township or ""
    if township and not same_place(township, own, suffixes["township"]):
        raise NotFound("无此乡镇（或不属于您的辖区）")
    if principal.role == "village":
        if village and not same_place(village, principal.village, suffixes["village"]):
            raise NotFound("无此村（或不属于您的辖区）")
        return own, principal.village
    return own, village or None


def _rows(s: Session, request: Request, township: str, village: str | None,
          year: int) -> list[AssistanceRow]:
    """The list, empty (not an error) when the place has no listed household."""
    portal = portal_of(request)
    today = portal.today()
    try:
        return assistance_rows(s, portal.settings, township, year, village, portal.ctx.home,
                               today if today.year == year else None)
    except UserError:
        return []


def _listed(request: Request, principal: Principal, township: str, village: str, year: int | None,
            action: str, required: bool = False,
            **extra: object) -> tuple[str, str | None, int, list[AssistanceRow]]:
    """The caller's place, year and list, read and audited as ``action``; NotFound when the list
    is empty and ``required`` (a download of nothing is refused, not audited)."""
    portal = portal_of(request)
    year = year or portal.today().year
    town, vill = scope(principal, portal.settings, township, village)
    with portal.session(principal) as s:
        rows = _rows(s, request, town, vill, year)
        if required and not rows:
            raise NotFound(f"{town}{vill or ''} 没有 {year} 年的脱贫户或监测户")
        audit(s, principal.name, action, "assistance_list", None, town,
              {"village": vill, "year": year, "rows": len(rows), **extra})
    return town, vill, year, rows


def _townships(s: Session, principal: Principal) -> list[str]:
    """Townships the caller may pick (the county's, from the roster)."""
    if not principal.is_county:
        return [principal.township] if principal.township else []
    return [t for t in s.scalars(select(Household.township).distinct().order_by(Household.township)) if t]


@router.get("/assistance", include_in_schema=False)
def assistance_page(request: Request, principal: Principal = Depends(page_principal),
                    township: str = TOWNSHIP, village: str = VILLAGE, year: int | None = YEAR):
    """The assistance list on a page (cards on a phone), with its download link."""
    portal = portal_of(request)
    year = year or portal.today().year
    with portal.session(principal) as s:
        towns = _townships(s, principal)
        if principal.is_county and not township.strip():  # the county picks a township first
            return render(request, "assistance.html", principal, townships=towns, township="",
                          village="", year=year, villages={}, query="")
        town, vill = scope(principal, portal.settings, township, village)
        rows = _rows(s, request, town, vill, year)
        audit(s, principal.name, "view", "assistance_list", None, town,
              {"village": vill, "year": year, "rows": len(rows)})
    query = f"township={quote(town)}&year={year}" + (f"&village={quote(vill)}" if vill else "")
    return render(request, "assistance.html", principal, townships=towns, township=town,
                  village=vill or "", year=year, villages=by_village(rows), query=query)


@router.get("/assistance.xlsx", include_in_schema=False)
def assistance_xlsx(request: Request, principal: Principal = Depends(page_principal),
                    township: str = TOWNSHIP, village: str = VILLAGE, year: int | None = YEAR):
    """The printable workbook (one A4 sheet per village); the download is audited."""
    town, vill, year, rows = _listed(request, principal, township, village, year, "export_list",
                                     required=True)
    buf = io.BytesIO()
    workbook(rows, town, year).save(buf)  # cells written by core.outputs (write_table)
    name = quote(f"{town}{vill or ''}_{year}年帮扶清单.xlsx")
    return Response(buf.getvalue(), media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


@router.get("/api/assistance", response_model=AssistanceListOut, tags=["api"],
            responses={**AUTH_ERRORS, 404: {"description": "无此乡镇或村（或不属于您的辖区）"},
                       422: {"description": "县级用户须指定乡镇"}})
def assistance_api(request: Request, principal: Principal = Depends(api_principal),
                   township: str = TOWNSHIP, village: str = VILLAGE, year: int | None = YEAR):
    """The assistance list (帮扶清单) of a township or village, one entry per household."""
    town, vill, year, rows = _listed(request, principal, township, village, year, "view", api=True)
    return AssistanceListOut(township=town, village=vill, year=year,
                             households=[AssistanceOut(**asdict(r)) for r in rows])


def _figures(request: Request, principal: Principal) -> dict:
    portal = portal_of(request)
    principal.require("county_overview")
    with portal.session(principal) as s:
        return help_figures(s, portal.settings, portal.today(), portal.ctx.home)


@router.get("/county/help", include_in_schema=False)
def county_help_page(request: Request, principal: Principal = Depends(page_principal)):
    """Coverage of the help loop by township, and the backlog over the last months."""
    return render(request, "county_help.html", principal, f=_figures(request, principal))


@router.get("/api/county/help", tags=["api"], responses=AUTH_ERRORS)
def county_help_api(request: Request, principal: Principal = Depends(api_principal)) -> dict:
    """The county's help-loop figures: by township, the total and the backlog at month ends."""
    return _figures(request, principal)
