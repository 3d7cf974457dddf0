"""The JSON API (documented in /openapi.json); every endpoint but /api/token needs a Bearer token."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from pydantic import BaseModel, Field

from portal.auth import TOKEN, authenticate
from portal.detail import household_detail
from portal.feeds import FeedStatus, feed_status
from portal.outcomes import OutcomeForm, loop_view, record_outcome
from portal.principal import Principal
from portal.queue import QueueFilters, QueueItem
from portal.warning_ref import WarningRef, moved
from portal.web import PERIOD_PATTERN, api_principal, login_key, portal_of
from screening.verification import STEP_LABELS

router = APIRouter(prefix="/api", tags=["api"])
AUTH_ERRORS = {401: {"description": "未登录或令牌已失效"}, 403: {"description": "角色无权访问"}}


class TokenOut(BaseModel):
    """A Bearer token."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


@dataclass(frozen=True)
class QueueItemOut(QueueItem):
    """One warning in the caller's queue, with its risk type's label."""

    risk_label: str = ""


class MemberOut(BaseModel):
    """A household member; the resident ID only masked."""

    name: str
    relation: str | None
    id_masked: str
    labour_capacity: str | None


class EvidenceOut(BaseModel):
    """A record behind the warning and how it was matched."""

    department: str
    department_label: str
    indicator: str
    indicator_label: str = Field(description="指标的中文名（部门数据规范中的表头），如 学籍状态")
    value: str | None
    period: str
    rule: str
    source: str = Field(description="文件名#行号")
    match_status: str | None
    match_probability: float | None
    explanation: dict = Field(description="匹配说明的结构化形式（各字段权重）")
    explanation_zh: list[str] = Field(description="匹配说明的中文句子，如 身份证号一致（+13.9）")


class TaskOut(BaseModel):
    """The verification task's state."""

    status: str
    outcome: str | None = None
    outcome_reason: str | None = None
    verifier1: str | None = None
    verifier2: str | None = None
    recorded_by: str | None = None
    recorded_at: dt.datetime | None = None


class HistoryOut(BaseModel):
    """One entry of the warning's append-only history."""

    at: dt.datetime
    by: str = Field(description="谁：用户名，或 screening（数据流水线）")
    action: str = Field(description="outcome、correction、unreachable、escalated、closure、"
                                    "identification、opened、updated、withdrawn 等")
    action_label: str = Field(description="动作的中文名")
    from_status: str | None
    to_status: str | None
    reason: str | None = Field(description="理由（身份证号、电话已脱敏）")
    fields: dict = Field(description="本次更改的字段，如 outcome、step、date")
    period: str | None


class StepOut(BaseModel):
    """An identification step that stands (the latest of its kind in this round)."""

    step: str
    label: str
    date: dt.date
    end_date: dt.date | None
    result: str | None
    note: str | None
    by: str
    recorded_at: dt.datetime


class WarningOut(BaseModel):
    """One warning with its household detail and evidence."""

    warning_id: str = Field(description="预警编号，与清单一致，如 W2026-10-00765")
    code: str
    township: str | None
    village: str | None
    household_no: str | None = Field(description="花名册户编号")
    is_lead: bool
    lead_name: str | None
    lead_id_masked: str | None
    risk_type: str
    risk_label: str
    level: str
    reason: str
    status: str
    opened_period: str
    last_period: str
    due_date: dt.date | None
    task: TaskOut
    history: list[HistoryOut] = Field(description="变更记录，最早的在前；只增不改")
    identification: list[StepOut] = Field(description="识别认定步骤（当前一轮，按顺序）")
    next_step: str | None = Field(description="下一步：outcome、closure、识别步骤名，或无")
    members: list[MemberOut]
    evidence: list[EvidenceOut]
    group: str | None = Field(default=None, description="花名册中的组")
    grid: str | None = Field(default=None, description="村组网格名称（网格台账）")
    grid_worker: str | None = Field(default=None, description="网格员姓名")
    grid_worker_phone: str | None = Field(default=None, description="网格员电话（脱敏）")


class OutcomeIn(BaseModel):
    """两人同行: the outcome and both verifiers' names; 不符合 needs a reason."""

    outcome: str = Field(description="settings portal.outcomes 之一：纳入监测、调整帮扶、不符合、"
                                     "待进一步核实 或 无法联系", max_length=16)
    verifier1: str = Field(max_length=64)
    verifier2: str = Field(max_length=64)
    reason: str | None = Field(default=None, max_length=2000)


class OutcomeOut(BaseModel):
    """The warning and task state after recording."""

    warning_id: str = Field(description="预警编号，如 W2026-10-00765")
    status: str
    task_status: str
    outcome: str


@router.post("/token", response_model=TokenOut,
             responses={401: {"description": "用户名或密码错误"}, 429: {"description": "尝试过多"}})
def token(request: Request, username: str = Form(max_length=64),
          password: str = Form(max_length=256)) -> TokenOut:
    """Exchange a username and password for a Bearer token (login is rate-limited)."""
    portal = portal_of(request)
    key = login_key(request, username)
    wait = portal.limiter.retry_after(*key)
    if wait:
        raise HTTPException(429, f"登录尝试过多，请 {wait} 秒后再试",
                            headers={"Retry-After": str(wait)})
    with portal.session(None) as s:
        user = authenticate(s, portal.passwords, username, password)
        if user is None:
            portal.limiter.failed(*key)
            raise HTTPException(401, "用户名或密码错误", headers={"WWW-Authenticate": "Bearer"})
        portal.limiter.succeeded(*key)
        issued = portal.signer.issue(TOKEN, user)
    return TokenOut(access_token=issued, expires_in=int(portal.cfg["token_max_age_seconds"]))


@router.get("/queue", response_model=list[QueueItemOut], responses=AUTH_ERRORS)
def api_queue(request: Request, principal: Principal = Depends(api_principal),
              level: str | None = Query(None, max_length=16),
              village: str | None = Query(None, max_length=64),
              status: Literal["active", "open", "verifying", "closed", "withdrawn", "all"] = "active",
              due_before: dt.date | None = None,
              township: str | None = Query(None, max_length=64, description="县级用户可用")
              ) -> list[QueueItemOut]:
    """The caller's warnings, overdue first; township users get only their township's."""
    portal = portal_of(request)
    lab = portal.labels()
    filters = QueueFilters(level=level, village=village, status=status, due_before=due_before,
                           township=township)
    with portal.session(principal) as s:
        items = portal.queue(s, principal, filters)
    return [QueueItemOut(**vars(i), risk_label=lab.risk_types.get(i.risk_type, i.risk_type))
            for i in items]


@router.get("/warnings/{warning_id}", response_model=WarningOut,
            responses={**AUTH_ERRORS, 308: {"description": "旧的整数编号：重定向到预警编号"},
                       404: {"description": "无此预警（或不属于本乡镇）"}})
def api_warning(request: Request, warning_id: WarningRef,
                principal: Principal = Depends(api_principal)):
    """One warning by its code, with its household, members (IDs masked) and evidence (match
    explanations also in sentences); the view is audited."""
    portal = portal_of(request)
    lab = portal.labels()
    with portal.session(principal) as s:
        redirect = moved(request, s, principal, warning_id)
        if redirect is not None:
            return redirect
        d = household_detail(s, principal, warning_id, lab)
        w, t = d.warning, d.task
        view = loop_view(s, principal, w, portal.settings)
        return WarningOut(
            warning_id=w.code, code=w.code, township=w.township, village=w.village,
            household_no=d.household.household_no if d.household else None,
            is_lead=bool(w.is_lead), lead_name=w.lead_name, lead_id_masked=w.lead_id_masked,
            risk_type=w.risk_type, risk_label=lab.risk_types.get(w.risk_type, w.risk_type),
            level=w.level, reason=w.reason, status=w.status, opened_period=w.opened_period,
            last_period=w.last_period, due_date=(t.due_date if t and t.due_date else w.due_date),
            task=TaskOut(status=t.status, outcome=t.outcome, outcome_reason=t.outcome_reason,
                         verifier1=t.verifier1, verifier2=t.verifier2,
                         recorded_by=t.recorded_by, recorded_at=t.recorded_at)
            if t else TaskOut(status="pending"),
            history=[HistoryOut(**h) for h in view.history],
            identification=[StepOut(step=x.step, label=STEP_LABELS[x.step], date=x.day,
                                    end_date=x.end_date, result=x.result, note=x.note,
                                    by=x.actor, recorded_at=x.recorded_at) for x in view.steps],
            next_step=view.next,
            members=[MemberOut(**m) for m in d.members],
            evidence=[EvidenceOut(**vars(e), department_label=lab.departments.get(
                e.department, e.department)) for e in d.evidence],
            group=d.grid.group, grid=d.grid.grid, grid_worker=d.grid.worker_name,
            grid_worker_phone=d.grid.worker_phone_masked)


@router.post("/warnings/{warning_id}/outcome", response_model=OutcomeOut,
             responses={**AUTH_ERRORS, 308: {"description": "旧的整数编号：重定向到预警编号"},
                        404: {"description": "无此预警（或不属于本乡镇）"},
                        409: {"description": "预警已销号、已撤回、已纳入监测或识别认定已开始"},
                        422: {"description": "输入有误"}})
def api_outcome(request: Request, warning_id: WarningRef, body: OutcomeIn,
                principal: Principal = Depends(api_principal)):
    """Record a verification outcome (两人同行) on the warning with this code: 纳入监测 starts
    identification, 不符合 waits for the county's 销号, 无法联系 keeps it open and sets the next
    visit; a second outcome is appended as a correction (the latest stands)."""
    portal = portal_of(request)
    with portal.session(principal) as s:
        redirect = moved(request, s, principal, warning_id)
        if redirect is not None:
            return redirect
        warning, task = record_outcome(s, principal, warning_id,
                                       OutcomeForm(**body.model_dump()), portal.settings,
                                       portal.today())
        return OutcomeOut(warning_id=warning.code, status=warning.status,
                          task_status=task.status, outcome=task.outcome)


@router.get("/feeds", response_model=list[FeedStatus], responses=AUTH_ERRORS)
def api_feeds(request: Request, period: str = Query(pattern=PERIOD_PATTERN),
              principal: Principal = Depends(api_principal)) -> list[FeedStatus]:
    """Feed status per department for ``period`` (county and engineer roles)."""
    portal = portal_of(request)
    with portal.session(principal) as s:
        return feed_status(s, principal, period, portal.labels().departments,
                           portal.settings, portal.today())
