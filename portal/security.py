"""Browser protections: security headers on every answer, a same-origin check on every
state-changing page request, and the session-bound CSRF token every form carries."""
from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Depends, Form, Header, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.errors import Forbidden
from portal.principal import Principal
from portal.web import page_principal, portal_of

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The JSON API reads only Bearer tokens, never the cookie: a cross-site request to it carries
# no ambient authority, so it needs neither the Origin check nor a CSRF token.
API_PREFIX = "/api/"
CSRF_FIELD = "csrf_token"


class SecurityHeaders:
    """ASGI middleware adding the configured headers (settings portal.security_headers) to
    every response: pages, API, static files and error pages; API docs get their own CSP."""

    def __init__(self, app: ASGIApp, headers: dict[str, str], docs_paths: list[str],
                 docs_csp: str):
        self.app = app
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1"))
                        for k, v in headers.items()]
        self.docs_paths = tuple(docs_paths)
        self.docs_csp = docs_csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_docs = scope.get("path", "") in self.docs_paths

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers[name.decode("latin-1")] = value.decode("latin-1")
                if is_docs:
                    headers["content-security-policy"] = self.docs_csp
            await send(message)

        await self.app(scope, receive, send_with_headers)


def same_origin(request: Request) -> bool:
    """Whether the request's Origin (else its Referer) names this host or one of settings
    portal.public_origins (a proxy that rewrites Host); neither header: False."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return False
    parts = urlsplit(source)
    if parts.scheme not in ("http", "https"):
        return False
    host = request.headers.get("host", "").lower()
    public = {o.rstrip("/").lower() for o in portal_of(request).cfg.get("public_origins") or []}
    return (bool(host) and parts.netloc.lower() == host) or \
        f"{parts.scheme}://{parts.netloc}".lower() in public


def check_origin(request: Request) -> None:
    """App-wide dependency: refuse a cross-site POST (or one with no Origin/Referer) to a page."""
    if request.method in SAFE_METHODS or request.url.path.startswith(API_PREFIX):
        return
    if not same_origin(request):
        raise Forbidden("请求来源不是本平台（跨站请求已拒绝）。请从平台页面重新打开后再提交。")


def check_csrf(request: Request, session_id: str, form_token: str, header_token: str) -> None:
    """Raise Forbidden unless the form field (or X-CSRF-Token header) is the session's token."""
    if not portal_of(request).signer.csrf_ok(session_id, form_token or header_token):
        raise Forbidden("表单已过期或来源不明（缺少有效的校验码）。请刷新页面后重新提交。")


def csrf_protected(request: Request, principal: Principal = Depends(page_principal),
                   csrf_token: str = Form("", max_length=128),
                   x_csrf_token: str = Header("", max_length=128)) -> Principal:
    """The caller of a form POST whose CSRF token matches their session; else 403."""
    check_csrf(request, request.state.session_id, csrf_token, x_csrf_token)
    return principal


def docs_paths(app) -> list[str]:
    """The paths FastAPI serves its interactive API docs on."""
    return [p for p in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if p]
