"""Passwords, signed tokens and account creation."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.auth import SESSION, TOKEN, Passwords, Signer, add_user
from portal.errors import InvalidInput
from warehouse.db import session_scope
from warehouse.models import User


def test_argon2_hash_verifies_only_the_password(ctx):
    pw = Passwords.from_settings(ctx.settings)
    h = pw.hash("a long passphrase")
    assert h.startswith("$argon2id$v=19$m=8,t=1,p=1$") and "a long passphrase" not in h
    assert pw.verify(h, "a long passphrase")
    assert not pw.verify(h, "a long passphrasE")
    assert not pw.verify("not-a-hash", "x")


def test_default_cost_is_argon2_cffi_default(home, monkeypatch):
    from shouwang import config

    monkeypatch.setenv("SHOUWANG_CONFIG", "")
    (home / "settings.yaml").unlink()
    h = Passwords.from_settings(config.settings()).hash("x")
    assert h.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_signer_rejects_tampered_expired_and_crossed_tokens():
    signer = Signer("secret-one")
    user = User(id=7, name="town_a")
    token = signer.issue(TOKEN, user)
    assert signer.read(TOKEN, token, max_age=60) == 7
    assert signer.read(SESSION, token, max_age=60) is None  # a token is not a session cookie
    assert Signer("secret-two").read(TOKEN, token, max_age=60) is None
    assert signer.read(TOKEN, token[:-2] + "xx", max_age=60) is None
    assert signer.read(TOKEN, token, max_age=-1) is None  # expired


BAD_ACCOUNTS = [
    ({"name": " ", "role": "township", "township": "龙河镇"}, "name"),
    ({"name": "x", "role": "mayor", "township": None}, "role"),
    ({"name": "x", "role": "township", "township": None}, "township"),
    ({"name": "x", "role": "engineer", "township": "龙河镇"}, "township"),
]


def test_add_user_refuses_bad_accounts(ctx):
    with session_scope(ctx.engine) as s:
        for kwargs, field in BAD_ACCOUNTS:
            with pytest.raises(InvalidInput) as err:
                add_user(s, Passwords.from_settings(ctx.settings), password="long enough pw", min_length=10, **kwargs)
            assert err.value.field == field
        assert s.scalars(select(User)).all() == []


def test_add_user_stores_hash_and_refuses_duplicates(ctx):
    pw = Passwords.from_settings(ctx.settings)
    with session_scope(ctx.engine) as s:
        add_user(s, pw, "town_a", "township", "龙河镇", "long enough pw", min_length=10)
    with session_scope(ctx.engine) as s:
        user = s.scalar(select(User).where(User.name == "town_a"))
        assert pw.verify(user.password_hash, "long enough pw") and user.township == "龙河镇"
        with pytest.raises(InvalidInput, match="已存在"):
            add_user(s, pw, "town_a", "township", "龙河镇", "long enough pw", min_length=10)
        with pytest.raises(InvalidInput, match="至少 10"):
            add_user(s, pw, "town_b", "township", "三合街道", "short", min_length=10)
