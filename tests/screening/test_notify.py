"""Notifications: each audience reads its own, newest first; unread counts; the portal role's rows."""
import datetime as dt

import pytest
from sqlalchemy import select

from portal.database import portal_session
from portal.principal import Principal
from screening import notify
from tests.support.warehouse import building
from warehouse.db import session_scope
from warehouse.notification_tables import Notification

UTC = dt.timezone.utc


def _seed(ctx):
    with building(ctx, seal=False) as b:
        w1 = b.warning("W2026-10-00001", "hh:1", township="龙河镇", reason="r").id
        w2 = b.warning("W2026-10-00002", "hh:2", township="石柱镇", reason="r").id
    with session_scope(ctx.engine) as s:
        notify.notify(s, "overdue", "W2026-10-00001 初审已逾期 1 个工作日", warning_id=w1,
                      township="龙河镇", at=dt.datetime(2026, 11, 3, 1, tzinfo=UTC))
        notify.notify(s, "escalated", "龙河镇 W2026-10-00001 初审逾期，已上报县级", warning_id=w1,
                      township="龙河镇", audience="county",
                      at=dt.datetime(2026, 11, 4, 1, tzinfo=UTC))
        notify.notify(s, "returned", "W2026-10-00002 销号被退回：请补充照片", warning_id=w2,
                      township="石柱镇", at=dt.datetime(2026, 11, 4, 2, tzinfo=UTC))
        notify.notify(s, "awaiting_confirmation", "龙河镇报告 W2026-10-00001 不符合，待县级确认",
                      warning_id=w1, township="龙河镇", audience="county",
                      at=dt.datetime(2026, 11, 5, 1, tzinfo=UTC))
    return w1, w2


def test_each_audience_reads_its_own_newest_first(ctx):
    _seed(ctx)
    with session_scope(ctx.engine) as s:
        county = [n.kind for n in notify.for_user(s, "county_admin")]
        longhe = [n.text for n in notify.for_user(s, "township", township="龙河镇")]
        shizhu = [n.kind for n in notify.for_user(s, "township", township="石柱镇")]
        assert county == ["awaiting_confirmation", "escalated"]
        assert longhe == ["W2026-10-00001 初审已逾期 1 个工作日"]
        assert shizhu == ["returned"]
        assert notify.for_user(s, "township") == []  # a township user bound to nothing
        assert notify.for_user(s, "engineer") == []


def test_unread_counts_fall_when_the_list_is_opened(ctx):
    _seed(ctx)
    from warehouse.models import User
    with building(ctx, seal=False) as b:
        uid = b.add(User(name="lh1", role="township", township="龙河镇", password_hash="x")).id
    with session_scope(ctx.engine) as s:
        assert notify.unread_count(s, uid, "township", "龙河镇") == 1
        newest = notify.for_user(s, "township", township="龙河镇")[0].id
        notify.mark_seen(s, uid, newest)
        notify.mark_seen(s, uid, newest - 1)  # an older page never moves the mark back
        assert notify.unread_count(s, uid, "township", "龙河镇") == 0
        notify.notify(s, "overdue", "又一条", township="龙河镇")
        assert notify.unread_count(s, uid, "township", "龙河镇") == 1


def test_a_text_never_keeps_an_id_or_phone(ctx):
    with session_scope(ctx.engine) as s:
        notify.notify(s, "overdue", "户主 500230197003041234 电话 13812345678", township="龙河镇")
        text = s.scalar(select(Notification.text))
    assert "500230197003041234" not in text and "13812345678" not in text


@pytest.mark.parametrize("kwargs,message", [
    ({"kind": "late"}, "unknown notification kind"),
    ({"audience": "village"}, "unknown audience"),
    ({"township": None}, "needs the township"),
    ({"audience": "department"}, "needs the department"),
])
def test_a_wrong_notification_is_a_bug(ctx, kwargs, message):
    args = {"kind": "overdue", "township": "龙河镇", **kwargs}
    with session_scope(ctx.engine) as s, pytest.raises(ValueError, match=message):
        notify.notify(s, args.pop("kind"), "x", **args)


def test_the_portal_role_sees_and_posts_only_its_townships_rows(ctx):
    """On PostgreSQL the row policy holds even for a query without the township filter."""
    w1, w2 = _seed(ctx)
    longhe = Principal(user_id=1, name="lh", role="township", township="龙河镇")
    county = Principal(user_id=2, name="ca", role="county_admin")
    with portal_session(ctx.engine, ctx.settings, longhe) as s:
        seen = {n.township for n in s.scalars(select(Notification))}
        notify.notify(s, "awaiting_confirmation", "龙河镇报告不符合", warning_id=w1,
                      township="龙河镇", audience="county")
    if ctx.engine.dialect.name == "postgresql":
        assert seen == {"龙河镇"}
    with portal_session(ctx.engine, ctx.settings, county) as s:
        assert len(s.scalars(select(Notification)).all()) == 5
        notify.notify(s, "returned", "退回", warning_id=w2, township="石柱镇")
    if ctx.engine.dialect.name == "postgresql":
        with pytest.raises(Exception, match="row-level security"):
            with portal_session(ctx.engine, ctx.settings, longhe) as s:
                notify.notify(s, "overdue", "别的乡镇", township="石柱镇")
