"""Accounts: argon2 password hashes, signed session cookies and Bearer tokens."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.errors import InvalidInput
from portal.inputs import clean_text
from portal.principal import ROLES
from warehouse.models import User

SESSION = "session"
TOKEN = "api-token"


class Passwords:
    """argon2id hashing at the configured cost (settings portal.argon2)."""

    def __init__(self, time_cost: int, memory_cost_kib: int, parallelism: int):
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib,
                                      parallelism=parallelism)
        # Checked when the user does not exist, so a wrong name costs as long as a wrong password.
        self._dummy = self._hasher.hash("shouwang-no-such-user")

    @classmethod
    def from_settings(cls, settings: dict) -> "Passwords":
        """The hasher configured in settings portal.argon2."""
        return cls(**settings["portal"]["argon2"])

    def hash(self, password: str) -> str:
        """An argon2id hash of ``password``."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash`` (False for a malformed hash)."""
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def check_absent(self, password: str) -> None:
        """Spend a verification's time for a user that does not exist."""
        self.verify(self._dummy, password)


def authenticate(session: Session, passwords: Passwords, name: str, password: str) -> User | None:
    """The user named ``name`` if ``password`` is theirs, else None."""
    try:
        name = clean_text(name, "username", "用户名", 64) or ""
    except InvalidInput:
        name = ""  # a name no account can have
    user = session.scalar(select(User).where(User.name == name)) if name else None
    if user is None:
        passwords.check_absent(password)
        return None
    return user if passwords.verify(user.password_hash, password) else None


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


def add_user(session: Session, passwords: Passwords, name: str, role: str,
             township: str | None, password: str, min_length: int) -> User:
    """Create an account; township verifiers must name their township, others must not."""
    name = clean_text(name, "name", "用户名", 64) or ""
    township = clean_text(township, "township", "乡镇", 64)
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
    user = User(name=name, role=role, township=township, password_hash=passwords.hash(password))
    session.add(user)
    session.flush()
    return user
