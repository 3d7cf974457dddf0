"""Server-rendered pages: the Jinja2 environment and one render helper."""
from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from portal.principal import Principal

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def render(request: Request, name: str, principal: Principal | None, status_code: int = 200,
           **context):  # -> HTMLResponse
    """Render ``name`` with the caller, the labels and ``context``."""
    portal = request.app.state.portal
    base = {"user": principal, "L": portal.labels(), "county": portal.settings["county"]["name"]}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
