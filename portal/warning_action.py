"""Acting on one warning from a form: in the caller's session, after an old row id's redirect."""
from __future__ import annotations

from typing import Callable

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from portal.principal import Principal
from portal.warning_ref import moved
from portal.web import portal_of


def act_on_warning(request: Request, principal: Principal, ref: str,
                   act: Callable[[Session], object]) -> RedirectResponse | None:
    """Run ``act`` in the caller's session on the warning ``ref`` names; for an old integer
    ref, the redirect to the code's URL instead (nothing done, so the form is sent again there)."""
    with portal_of(request).session(principal) as s:
        redirect = moved(request, s, principal, ref)
        if redirect is None:
            act(s)
    return redirect
