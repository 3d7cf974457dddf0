"""The app's shared state and the FastAPI dependencies that identify the caller."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated, Iterator

from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from portal.auth import TOKEN, Passwords, Signer, login_name, signing_secret
from portal.clock import today
from portal.database import portal_session
from portal.labels import Labels, labels
from portal.principal import Principal
from portal.queue import QueueFilters, QueueItem, queue
from portal.ratelimit import LoginLimiter
from portal.sessions import Revocations
from warehouse.models import User

# A reporting period (YYYY-MM) this century: the rule sets and calendars cover no other.
PERIOD_PATTERN = r"^20\d\d-(0[1-9]|1[0-2])$"
# Row ids in paths: the databases' integer primary keys are 32-bit.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
bearer = HTTPBearer(auto_error=False, description="POST /api/token 取得的访问令牌")


class LoginRequired(Exception):
    """A page was asked for without a valid session: send the browser to /login."""


class Portal:
    """What every request needs: the context, settings, signer and login limiter."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.settings = ctx.settings
        self.cfg = self.settings["portal"]
        self.engine = ctx.engine
        self.signer = Signer(signing_secret(ctx.vault()))
        self.passwords = Passwords.from_settings(self.settings)
        self.limiter = LoginLimiter(int(self.cfg["login_max_failures"]),
                                    float(self.cfg["login_window_seconds"]))
        self.revocations = Revocations(self.engine, int(self.cfg["session_max_age_seconds"]))

    @contextmanager
    def session(self, principal: Principal | None) -> Iterator[Session]:
        """A transaction restricted to ``principal`` (RLS on PostgreSQL)."""
        with portal_session(self.engine, self.settings, principal) as s:
            yield s

    def principal(self, user_id: int | None) -> Principal | None:
        """The principal of an existing user id (accounts are re-read on every request)."""
        if user_id is None:
            return None
        with self.session(None) as s:
            user = s.get(User, user_id)
            return Principal.of(user) if user else None

    def today(self):  # -> datetime.date
        """Today in the county's time zone."""
        return today(self.settings)

    def queue(self, session: Session, principal: Principal, filters: QueueFilters
              ) -> list[QueueItem]:
        """The caller's queue as of today, one page long, most serious level first on ties."""
        return queue(session, principal, filters, self.today(), self.labels().level_order(),
                     int(self.cfg["queue_page_size"]))

    def labels(self) -> Labels:
        """Chinese labels of the county's rule set for this year."""
        return labels(self.settings, str(self.today().year), self.ctx.home)


def portal_of(request: Request) -> Portal:
    """The Portal of the running app."""
    return request.app.state.portal


def api_principal(request: Request,
                  credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    """The caller of an API endpoint, from its Bearer token; 401 without a valid one."""
    portal = portal_of(request)
    uid = None
    if credentials is not None:
        uid = portal.signer.read(TOKEN, credentials.credentials,
                                 int(portal.cfg["token_max_age_seconds"]))
    principal = portal.principal(uid)
    if principal is None:
        raise HTTPException(401, "未登录或令牌已失效", headers={"WWW-Authenticate": "Bearer"})
    return principal


def login_key(request: Request, username: str) -> tuple[str, str]:
    """What the login limiter counts failures by: the name as authentication reads it, and the
    client's address (the socket peer; a forwarded address only via a trusted proxy, which
    `shouwang serve` configures from settings portal.trusted_proxies)."""
    return login_name(username), request.client.host if request.client else "-"


def page_session(request: Request) -> tuple[Principal, str] | None:
    """The caller and login session id of a valid, unexpired, not logged-out session cookie;
    the id is also left in ``request.state.session_id`` for the page's CSRF token."""
    portal = portal_of(request)
    cookie = request.cookies.get(portal.cfg["session_cookie"])
    found = portal.signer.read_session(cookie, int(portal.cfg["session_max_age_seconds"])) \
        if cookie else None
    if found is None or portal.revocations.is_revoked(found[1]):
        return None
    principal = portal.principal(found[0])
    if principal is None:
        return None
    request.state.session_id = found[1]
    return principal, found[1]


def page_principal(request: Request) -> Principal:
    """The caller of a page, from the session cookie; else redirect to /login."""
    found = page_session(request)
    if found is None:
        raise LoginRequired()
    return found[0]
