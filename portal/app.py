"""The portal's FastAPI app: township verification pages, county pages and the JSON API."""
from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from portal.errors import PortalError
from portal.pages import render
from portal.security import SecurityHeaders, check_origin, docs_paths
from portal.web import LoginRequired, Portal

HERE = Path(__file__).parent


def create_app(ctx) -> FastAPI:
    """The app over ``ctx``'s warehouse (a shouwang.context.Context)."""
    from portal.routes import (api, assistance, county, departments, households, login, notifications,
                               reports, township, verification)

    app = FastAPI(title="守望 Shouwang 核实门户 API", version="1",
                  description="乡镇核实队列与县级接口。页面不在此文档中；所有接口需 Bearer 令牌。",
                  dependencies=[Depends(check_origin)])
    app.state.portal = Portal(ctx)
    cfg = app.state.portal.cfg
    app.add_middleware(SecurityHeaders, headers=cfg["security_headers"],
                       docs_paths=docs_paths(app), docs_csp=cfg["docs_content_security_policy"])
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (api, verification, notifications, reports, departments, households, assistance,
                   login, township, county):
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, _exc: LoginRequired):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(PortalError)
    async def _portal_error(request: Request, exc: PortalError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        return render(request, "error.html", None, status_code=exc.status, message=str(exc))

    return app
