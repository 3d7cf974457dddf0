"""Mail the notifications not yet mailed, when SMTP is configured (settings `smtp:`).

Recipients are county policy in settings `notifications.email` (the users table has no address):
``county: [..]``, ``townships: {乡镇: [..]}``, ``departments: {module: [..]}``. One message per
recipient list and run, each line a notification; a row is marked mailed only once its message
was accepted, so a failed run mails it next time. Rows older than ``notifications.mail_max_age_days``
are never mailed (switching SMTP on does not send a year of old notices).
"""
from __future__ import annotations

import datetime as dt
import os
import smtplib
from collections import defaultdict
from email.message import EmailMessage

from sqlalchemy.orm import Session

from screening import notify
from shouwang.core.clock import as_utc, local_time
from warehouse.models import utcnow

PASSWORD_ENV = "SHOUWANG_SMTP_PASSWORD"  # a secret: never in settings
KIND_LABELS = {"overdue": "逾期提醒", "escalated": "逾期上报", "returned": "销号退回",
               "awaiting_confirmation": "待县级确认", "routed": "归口核查",
               "department_overdue": "部门答复逾期", "department_replied": "部门已答复"}


def configured(settings: dict) -> bool:
    """True when settings name an SMTP host."""
    return bool((settings.get("smtp") or {}).get("host"))


def recipients(row, settings: dict) -> tuple[str, ...]:
    """The addresses a notification goes to (none configured: empty)."""
    book = (settings.get("notifications") or {}).get("email") or {}
    if row.audience == "county":
        found = book.get("county") or []
    elif row.audience == "township":
        found = (book.get("townships") or {}).get(row.township) or []
    else:
        found = (book.get("departments") or {}).get(row.department) or []
    return tuple(sorted(str(a) for a in found))


def _message(settings: dict, to: tuple[str, ...], rows: list) -> EmailMessage:
    county = settings["county"]["name"]
    msg = EmailMessage()
    msg["Subject"] = f"{county}防返贫监测：{len(rows)} 条新通知"
    msg["From"] = settings["smtp"]["from"]
    msg["To"] = ", ".join(to)
    lines = [f"{local_time(r.at, settings)} [{KIND_LABELS.get(r.kind, r.kind)}] {r.text}"
             for r in rows]
    msg.set_content("\n".join(lines + ["", "请登录守望平台查看并办理。"]))
    return msg


def send_pending(session: Session, settings: dict, now: dt.datetime | None = None) -> dict:
    """Mail every unmailed, recent notification that has recipients; return counts."""
    if not configured(settings):
        return {"mailed": 0, "messages": 0, "no_address": 0, "smtp": "off", "error": None}
    now = now or utcnow()
    cfg = settings["smtp"]
    max_age = dt.timedelta(days=int(settings["notifications"].get("mail_max_age_days", 7)))
    groups: dict[tuple[str, ...], list] = defaultdict(list)
    no_address = 0
    for row in notify.unmailed(session):
        if as_utc(row.at) < now - max_age:
            continue
        to = recipients(row, settings)
        if to:
            groups[to].append(row)
        else:
            no_address += 1
    mailed, error = 0, None
    if groups:
        try:
            mailed = _send(session, settings, groups, now)
        except (smtplib.SMTPException, OSError) as e:
            # The rows accepted so far stay marked; the rest go next run.
            error = (f"SMTP {cfg['host']}:{cfg.get('port', 25)}: {e.__class__.__name__}: {e}; "
                     "the notifications are saved and will be mailed on the next run")
    return {"mailed": mailed, "messages": len(groups), "no_address": no_address, "smtp": "on",
            "error": error}


def _send(session: Session, settings: dict, groups: dict, now: dt.datetime) -> int:
    cfg = settings["smtp"]
    mailed = 0
    smtp = smtplib.SMTP(cfg["host"], int(cfg.get("port", 25)),
                        timeout=float(cfg.get("timeout_seconds", 30)))
    try:
        if cfg.get("starttls"):
            smtp.starttls()
        if cfg.get("username"):
            smtp.login(cfg["username"], os.environ.get(PASSWORD_ENV, ""))
        for to, rows in groups.items():
            smtp.send_message(_message(settings, to, rows))
            for row in rows:
                row.emailed_at = now
            session.flush()  # marked as soon as accepted: a later failure resends no one's
            mailed += len(rows)
    finally:
        try:
            smtp.quit()
        except smtplib.SMTPException:
            pass  # the server already hung up; what it accepted is marked
    return mailed
