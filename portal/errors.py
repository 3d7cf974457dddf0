"""Errors the portal's services raise; the app turns them into HTTP answers."""
from __future__ import annotations


class PortalError(Exception):
    """Base of the portal's errors; ``status`` is the HTTP status it answers with."""

    status = 400


class NotFound(PortalError):
    """No such object in the caller's scope (another township's objects look absent too)."""

    status = 404


class Forbidden(PortalError):
    """The caller's role may not use this page or endpoint."""

    status = 403


class Conflict(PortalError):
    """The object is in a state that does not allow the change (e.g. a closed warning)."""

    status = 409


class InvalidInput(PortalError):
    """A form or body field is wrong; ``field`` names it so the page can point at it."""

    status = 422

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
