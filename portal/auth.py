"""Accounts: argon2 password hashes, signed session cookies and Bearer tokens."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.errors import InvalidInput
from portal.inputs import clean_text
from portal.principal import ROLES
from warehouse.grid_tables import Grid
from warehouse.models import Household, Region, User

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


def login_name(name: str | None) -> str:
    """The one form of a typed username that authentication, accounts and the login limiter
    compare: trimmed, NFKC (full-width letters) and lower case; '' when it can name no account."""
    try:
        cleaned = clean_text(name, "username", "用户名", 64) or ""
    except InvalidInput:
        return ""
    # NFKC can lengthen a name (ligatures); lower() keeps SQL lower() on stored names equal.
    return unicodedata.normalize("NFKC", cleaned).lower()[:64]


def authenticate(session: Session, passwords: Passwords, name: str, password: str) -> User | None:
    """The user whose login name is ``name``'s if ``password`` is theirs, else None."""
    key = login_name(name)
    user = None
    if key:
        # Accounts made before names were stored normalized may hold capitals: SQL lower()
        # finds them (an exact match first, should two old names differ only by case).
        found = session.scalars(select(User).where(func.lower(User.name) == key)
                                .order_by(User.id)).all()
        user = next((u for u in found if u.name == key), found[0] if found else None)
    if user is None:
        passwords.check_absent(password)
        return None
    return user if passwords.verify(user.password_hash, password) else None


# Session ids are letters only: the audit log masks digit runs that look like IDs or phones,
# and a revoked session's id must be stored there unchanged. 24 letters: 136 bits.
_SID_ALPHABET = string.ascii_letters
_SID_LENGTH = 24


def new_session_id() -> str:
    """A random id naming one login session (revoked on logout)."""
    return "".join(secrets.choice(_SID_ALPHABET) for _ in range(_SID_LENGTH))


class Signer:
    """Signs and checks session cookies and API tokens (a salt each, so they do not mix)."""

    def __init__(self, secret: str):
        self._serializer = URLSafeTimedSerializer(secret)
        self._csrf_key = hashlib.sha256(f"csrf:{secret}".encode()).digest()

    def issue(self, kind: str, user: User, session_id: str | None = None) -> str:
        """A signed, timestamped token naming the user (and the login session, for cookies)."""
        data = {"uid": user.id, "n": user.name}
        if session_id is not None:
            data["sid"] = session_id
        return self._serializer.dumps(data, salt=kind)

    def _load(self, kind: str, token: str, max_age: int) -> dict | None:
        try:
            data = self._serializer.loads(token, salt=kind, max_age=max_age)
        except BadSignature:
            return None
        return data if isinstance(data, dict) and isinstance(data.get("uid"), int) else None

    def read(self, kind: str, token: str, max_age: int) -> int | None:
        """The user id in a valid, unexpired token of ``kind``, else None."""
        data = self._load(kind, token, max_age)
        return data["uid"] if data else None

    def read_session(self, token: str, max_age: int) -> tuple[int, str] | None:
        """(user id, session id) of a valid, unexpired session cookie, else None; a cookie
        without a session id (issued before logout could revoke) is refused."""
        data = self._load(SESSION, token, max_age)
        sid = data.get("sid") if data else None
        return (data["uid"], sid) if isinstance(sid, str) and sid else None

    def csrf_token(self, session_id: str) -> str:
        """The CSRF token of one login session: its forms carry it, another site cannot know it."""
        return hmac.new(self._csrf_key, session_id.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session_id: str, token: str | None) -> bool:
        """Whether ``token`` is the session's CSRF token (constant-time comparison)."""
        return bool(token) and hmac.compare_digest(self.csrf_token(session_id), token)


def signing_secret(vault) -> str:
    """A signing key derived from the master key (rotating the key logs everyone out)."""
    return vault.blind("portal_signing", "itsdangerous")


# The places each role is bound to (others are bound to none): --township, --village, --grid,
# --department in `shouwang users add`.
BINDINGS = {"township": ("township",), "village": ("township", "village"),
            "grid": ("township", "village", "grid"), "department": ("department",)}
_BOUND_LABELS = {"township": "乡镇", "village": "村", "grid": "网格", "department": "部门"}


def add_user(session: Session, passwords: Passwords, name: str, role: str,
             township: str | None, password: str, min_length: int, *, village: str | None = None,
             grid: str | None = None, department: str | None = None) -> User:
    """Create an account under its login name (see login_name), bound to exactly the places its
    role needs (BINDINGS), each checked against the roster, the grid ledger or the contracts."""
    clean_text(name, "name", "用户名", 64)  # a control character or overlong name: say which
    name = login_name(name)
    bound = {"township": clean_text(township, "township", "乡镇", 64),
             "village": clean_text(village, "village", "村", 64),
             "grid": clean_text(grid, "grid", "网格", 64),
             "department": clean_text(department, "department", "部门", 64)}
    if not name:
        raise InvalidInput("用户名不能为空 (--name)", "name")
    if role not in ROLES:
        raise InvalidInput(f"未知角色 {role!r}；可选: {', '.join(ROLES)}", "role")
    needed = BINDINGS.get(role, ())
    for key in needed:
        if not bound[key]:
            raise InvalidInput(f"角色 {role} 必须绑定一个{_BOUND_LABELS[key]} (--{key})", key)
    for key, value in bound.items():
        if value and key not in needed:
            raise InvalidInput(f"角色 {role} 不绑定{_BOUND_LABELS[key]}；去掉 --{key}", key)
    if bound["township"]:
        _check_township(session, bound["township"])
    if bound["village"]:
        _check_village(session, bound["township"], bound["village"])
    if bound["grid"]:
        _check_grid(session, bound["township"], bound["village"], bound["grid"])
    if bound["department"]:
        bound["department"] = _check_department(bound["department"])
    if len(password) < min_length:
        raise InvalidInput(f"密码至少 {min_length} 个字符", "password")
    if session.scalar(select(User.id).where(func.lower(User.name) == name)) is not None:
        raise InvalidInput(f"用户 {name} 已存在", "name")
    user = User(name=name, role=role, password_hash=passwords.hash(password), **bound)
    session.add(user)
    session.flush()
    return user


def _check_township(session: Session, township: str) -> None:
    """A verifier bound to a township the roster does not have would see an empty queue forever."""
    known = session.scalars(select(Region.name).where(Region.level == "township")
                            .order_by(Region.name)).all()
    if known and township not in known:  # no roster loaded yet: nothing to check against
        raise InvalidInput(f"花名册中没有乡镇 {township}；可选: {'、'.join(known)}", "township")


def _check_village(session: Session, township: str, village: str) -> None:
    """The village must be one of the township's in the roster (as its warnings name it)."""
    known = session.scalars(select(Household.village).where(Household.township == township,
                                                            Household.village.is_not(None))
                            .distinct().order_by(Household.village)).all()
    if village not in known:
        choices = "、".join(known) if known else "（花名册中该乡镇没有村；请先导入花名册）"
        raise InvalidInput(f"花名册中 {township} 没有村 {village}；可选: {choices}", "village")


def _check_grid(session: Session, township: str, village: str, grid: str) -> None:
    """The grid must be in the loaded grid ledger (shouwang grids load)."""
    known = session.scalars(select(Grid.name).where(Grid.township == township,
                                                    Grid.village == village)
                            .order_by(Grid.name)).all()
    if grid not in known:
        choices = "、".join(known) if known else "（没有；请先运行 shouwang grids load 网格台账）"
        raise InvalidInput(f"网格台账中 {township}{village} 没有网格 {grid}；可选: {choices}", "grid")


def _check_department(department: str) -> str:
    """The department's module name, from its module or Chinese name (民政, civil_affairs)."""
    from connectors.catalog import contract_for, department_labels

    try:
        return contract_for(department).department
    except KeyError:
        known = "、".join(f"{label} ({name})" for name, label in department_labels().items())
        raise InvalidInput(f"没有部门 {department}；可选: {known}", "department") from None
