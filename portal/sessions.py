"""Server-side logout: a revoked session id is appended to the audit log and refused after.

The audit log is append-only and shared by every portal process, so a revocation survives a
restart and reaches every worker. Each request reads only the entries appended since the last
one it saw (a primary-key range), not the whole log.
"""
from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import select
from sqlalchemy.engine import Engine

from portal.principal import Principal
from warehouse.audit import record as audit
from warehouse.db import session_scope
from warehouse.models import AuditLog

ACTION = "logout"
OBJECT = "session"


class Revocations:
    """Session ids logged out within the session lifetime (older cookies expire anyway)."""

    def __init__(self, engine: Engine, max_age_seconds: int):
        self.engine = engine
        self.max_age = dt.timedelta(seconds=max_age_seconds)
        self._revoked: dict[str, dt.datetime] = {}
        self._last_id: int | None = None  # None: not loaded yet
        self._lock = threading.Lock()

    # Both methods use the owner's connection, not the portal role: the role's audit-log policy
    # hides county-level rows (township NULL) from engineers, whose logouts must count too.
    # They touch only logout entries and never return township data.

    def revoke(self, principal: Principal, session_id: str) -> None:
        """Record the logout of ``session_id``; from now on its cookie is refused."""
        with session_scope(self.engine) as s:
            audit(s, principal.name, ACTION, OBJECT, session_id, principal.township)
        with self._lock:
            self._revoked[session_id] = dt.datetime.now(dt.timezone.utc)

    def is_revoked(self, session_id: str) -> bool:
        """Whether ``session_id`` was logged out (by any portal process)."""
        with self._lock:
            self._refresh()
            return session_id in self._revoked

    def _refresh(self) -> None:
        """Read logout entries appended since the last look; forget expired ones."""
        now = dt.datetime.now(dt.timezone.utc)
        query = select(AuditLog.id, AuditLog.object_id, AuditLog.at).where(
            AuditLog.action == ACTION, AuditLog.object_type == OBJECT)
        if self._last_id is None:  # first look: the logouts of sessions that may still be alive
            query = query.where(AuditLog.at >= now - self.max_age)
        else:
            query = query.where(AuditLog.id > self._last_id)
        with session_scope(self.engine) as s:
            if self._last_id is None:
                # The newest id first, so an entry appended meanwhile is read next time.
                newest = s.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0
                rows = s.execute(query.where(AuditLog.id <= newest)).all()
                self._last_id = newest
            else:
                rows = s.execute(query).all()
        for row_id, sid, at in rows:
            self._revoked[sid] = _aware(at)
            self._last_id = max(self._last_id, row_id)
        cutoff = now - self.max_age
        for sid in [k for k, at in self._revoked.items() if at < cutoff]:
            del self._revoked[sid]


def _aware(at: dt.datetime) -> dt.datetime:
    """SQLite returns naive UTC datetimes, PostgreSQL aware ones."""
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)
