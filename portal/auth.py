"""Accounts: argon2 password hashes, signed session cookies and Bearer tokens."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.errors import InvalidInput
from portal.principal import ROLES
from warehouse.models import User

_HASHER = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("shouwang-no-such-user")
SESSION = "session"
TOKEN = "api-token"


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (False for a malformed hash)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The user named ``name`` if ``password`` is theirs, else None."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    return user if verify_password(user.password_hash, password) else None


class Signer:
    """Signs and checks session cookies and API tokens (a salt each, so they do not mix)."""

    def __init__(self, secret: str):
        self._serializer = URLSafeTimedSerializer(secret)

    def issue(self, kind: str, user: User) -> str:
        """A signed, timestamped token naming the user."""
        return self._serializer.dumps({"uid": user.id, "n": user.name}, salt=kind)

    def read(self, kind: str, token: str, max_age: int) -> int | None:
        """The user id in a valid, unexpired token of ``kind``, else None."""
        try:
            data = self._serializer.loads(token, salt=kind, max_age=max_age)
        except BadSignature:
            return None
        uid = data.get("uid") if isinstance(data, dict) else None
        return uid if isinstance(uid, int) else None


def signing_secret(vault) -> str:
    """A signing key derived from the master key (rotating the key logs everyone out)."""
    return vault.blind("portal_signing", "itsdangerous")


def add_user(session: Session, name: str, role: str, township: str | None, password: str,
             min_length: int) -> User:
    """Create an account; township verifiers must name their township, others must not."""
    name = (name or "").strip()
    township = (township or "").strip() or None
    if not name:
        raise InvalidInput("用户名不能为空 (--name)", "name")
    if role not in ROLES:
        raise InvalidInput(f"未知角色 {role!r}；可选: {', '.join(ROLES)}", "role")
    if role == "township" and not township:
        raise InvalidInput("乡镇核实员必须绑定一个乡镇 (--township)", "township")
    if role != "township" and township:
        raise InvalidInput(f"角色 {role} 不绑定乡镇；去掉 --township", "township")
    if len(password) < min_length:
        raise InvalidInput(f"密码至少 {min_length} 个字符", "password")
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise InvalidInput(f"用户 {name} 已存在", "name")
    user = User(name=name, role=role, township=township, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user
