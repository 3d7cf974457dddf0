"""Server-rendered pages: the Jinja2 environment and one render helper."""
from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from portal.principal import Principal

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def render(request: Request, name: str, principal: Principal | None, status_code: int = 200,
           **context):  # -> HTMLResponse
    """Render ``name`` with the caller, the labels, the session's CSRF token and ``context``."""
    portal = request.app.state.portal
    session_id = getattr(request.state, "session_id", None) if principal else None
    base = {"user": principal, "L": portal.labels(), "county": portal.settings["county"]["name"],
            # Every POST form of a logged-in page carries it (portal.security.csrf_protected).
            "csrf_token": portal.signer.csrf_token(session_id) if session_id else ""}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
