"""How a URL names a warning: by the code on the lists (W2026-10-00765).

Integer row ids were used in URLs before; such a URL still works for what the caller may see:
it answers 308 Permanent Redirect to the same URL with the code (method and body kept, so an
old API client's POST is not lost), and 404 like any other absent warning otherwise."""
from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from portal.errors import NotFound
from portal.principal import Principal
from portal.queue import ABSENT, code_of_row

# The code W<YYYY-MM>-<serial>, or an old integer row id (32-bit, as the databases keep them).
REF_PATTERN = r"^(W\d{4}-\d{2}-\d{1,10}|[1-9]\d{0,9})$"
ROW_ID_MAX = 2**31 - 1
WarningRef = Annotated[str, Path(
    pattern=REF_PATTERN, max_length=24,
    description="预警编号，如 W2026-10-00765；旧的整数编号 308 重定向到预警编号")]


def moved(request: Request, session: Session, principal: Principal,
          ref: str) -> RedirectResponse | None:
    """For an old integer ref, the redirect to the code's URL; None for a code."""
    if not ref.isdigit():
        return None
    if int(ref) > ROW_ID_MAX:
        raise NotFound(ABSENT)
    code = code_of_row(session, principal, int(ref))
    path = request.url.path.replace(f"/warnings/{ref}", f"/warnings/{code}", 1)
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(path + query, status_code=308)  # a local path: no open redirect
