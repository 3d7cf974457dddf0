"""Login and logout pages; the session is a signed, HTTP-only, Secure, SameSite cookie naming
a login session that logout revokes server-side."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Header, Request
from fastapi.responses import RedirectResponse

from portal.auth import SESSION, authenticate, new_session_id
from portal.pages import render
from portal.principal import Principal
from portal.security import check_csrf
from portal.web import login_key, page_principal, page_session, portal_of

router = APIRouter(include_in_schema=False)
HOME = {"township": "/queue", "village": "/queue", "grid": "/queue", "county_admin": "/county",
        "county_analyst": "/county", "engineer": "/feeds", "department": "/department"}


def _safe_next(target: str | None) -> str | None:
    """Only local paths: an open redirect would let a link send users elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/login")
def login_page(request: Request, next: str | None = None):
    """The login form."""
    return render(request, "login.html", None, next=_safe_next(next) or "")


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""),
          next: str = Form("")):
    """Check the password (rate-limited) and set the session cookie."""
    portal = portal_of(request)
    key = login_key(request, username)
    wait = portal.limiter.retry_after(*key)
    if wait:
        return render(request, "login.html", None, status_code=429, next=next,
                      error=f"登录尝试过多，请 {wait} 秒后再试")
    with portal.session(None) as s:
        user = authenticate(s, portal.passwords, username, password)
        if user is None:
            portal.limiter.failed(*key)
            return render(request, "login.html", None, status_code=401, next=next,
                          error="用户名或密码错误")
        portal.limiter.succeeded(*key)
        # A new session id on every login: a cookie planted before login is worth nothing.
        cookie = portal.signer.issue(SESSION, user, new_session_id())
        target = _safe_next(next) or HOME.get(user.role, "/")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(portal.cfg["session_cookie"], cookie, httponly=True,
                        secure=bool(portal.cfg["secure_cookies"]), samesite="strict",
                        max_age=int(portal.cfg["session_max_age_seconds"]))
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("", max_length=128),
           x_csrf_token: str = Header("", max_length=128)):
    """Revoke the session server-side (a copy of the cookie stops working) and drop the cookie."""
    found = page_session(request)
    if found is not None:
        principal, session_id = found
        check_csrf(request, session_id, csrf_token, x_csrf_token)
        portal_of(request).revocations.revoke(principal, session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(portal_of(request).cfg["session_cookie"])
    return response


@router.get("/")
def home(principal: Principal = Depends(page_principal)):
    """Each role's start page."""
    return RedirectResponse(HOME.get(principal.role, "/login"), status_code=303)
