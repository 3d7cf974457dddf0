"""Notifications are mailed once through a real SMTP server (aiosmtpd on 127.0.0.1), grouped per
recipient list; a server that is down loses nothing; no ID or phone is ever in a message."""
from __future__ import annotations

import datetime as dt
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from shouwang.cli import main
from screening import notify
from tests.support.warehouse import building
from warehouse.db import session_scope
from warehouse.notification_tables import Notification

UTC = dt.timezone.utc


class Inbox:
    """An aiosmtpd handler keeping every accepted message."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((sorted(envelope.rcpt_tos),
                              message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def configure(home, port: int) -> None:
    (home / "settings.yaml").write_text(
        f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  from: shouwang@county.example\n"
        "notifications:\n  email:\n    county: [duty@county.example, head@county.example]\n"
        "    townships:\n      龙河镇: [longhe@county.example]\n", encoding="utf-8")


def seed(ctx) -> None:
    now = dt.datetime.now(UTC)
    with building(ctx, seal=False) as b:
        b.warning("W2026-11-00001", "hh:1", township="龙河镇", reason="r", period="2026-11",
                  published_at=now - dt.timedelta(days=30))
    with session_scope(ctx.engine) as s:
        notify.notify(s, "returned", "W2026-11-00001 销号被退回：户主 500230197003041234 仍住院",
                      township="龙河镇", at=now - dt.timedelta(hours=2))
        notify.notify(s, "awaiting_confirmation", "龙河镇报告 W2026-11-00001 不符合，待县级确认",
                      township="龙河镇", audience="county", at=now)
        notify.notify(s, "overdue", "石柱镇无人接收的一条", township="石柱镇", at=now)
        notify.notify(s, "overdue", "一年前的旧通知", township="龙河镇",
                      at=now - dt.timedelta(days=365))


def test_each_list_gets_one_message_once(ctx, smtp, capsys):
    inbox, port = smtp
    configure(ctx.home, port)
    seed(ctx)
    assert main(["sla", "run"]) == 0  # today: the published warning's clocks are long overdue
    out = capsys.readouterr().out
    assert "without an address" in out  # 石柱镇 has none configured
    by_to = {tuple(to): msg for to, msg in inbox.messages}
    assert set(by_to) == {("longhe@county.example",),
                          ("duty@county.example", "head@county.example")}
    township = by_to[("longhe@county.example",)].get_content()
    assert "[销号退回]" in township and "[逾期提醒]" in township
    assert "500230197003041234" not in township and "500230********1234" in township
    assert "一年前的旧通知" not in township  # older than notifications.mail_max_age_days
    assert by_to[("longhe@county.example",)]["From"] == "shouwang@county.example"
    assert "防返贫监测" in by_to[("longhe@county.example",)]["Subject"]
    assert "[待县级确认]" in by_to[("duty@county.example", "head@county.example")].get_content()

    assert main(["sla", "run"]) == 0  # nothing new: nothing sent again
    assert len(inbox.messages) == 2


def test_a_server_that_is_down_loses_nothing(ctx, capsys):
    configure(ctx.home, free_port())  # nobody listens there
    seed(ctx)
    assert main(["sla", "run"]) == 1
    err = capsys.readouterr().err
    assert "mail not sent" in err and "will be mailed on the next run" in err
    with session_scope(ctx.engine) as s:
        assert s.scalars(select(Notification).where(Notification.emailed_at.is_not(None))).all() == []
        # the escalation itself was committed before the mail was tried
        assert s.scalars(select(Notification).where(Notification.kind == "overdue",
                                                    Notification.township == "龙河镇")).all()


def test_without_smtp_nothing_is_mailed(ctx, capsys):
    seed(ctx)
    assert main(["sla", "run"]) == 0
    assert "mail:" not in capsys.readouterr().out


def test_the_dag_task_fails_after_saving_when_mail_cannot_go(ctx):
    from shouwang.sla import MailNotSent, escalate_overdue

    configure(ctx.home, free_port())
    seed(ctx)
    with pytest.raises(MailNotSent, match="will be mailed on the next run"):
        escalate_overdue(ctx, dt.datetime.now(UTC))
    with session_scope(ctx.engine) as s:  # the escalation is saved for the retry to find done
        assert s.scalars(select(Notification).where(Notification.kind == "overdue",
                                                    Notification.township == "龙河镇")).all()
