"""The audit trail: who viewed or changed what, appended to the append-only audit_log."""
from __future__ import annotations

from sqlalchemy.orm import Session

from warehouse.masking import mask_text, mask_values
from warehouse.models import AuditLog


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str,
    object_id: object | None = None,
    township: str | None = None,
    detail: dict | None = None,
) -> AuditLog:
    """Append one audit entry; any ID or phone inside ``object_id`` or ``detail`` is masked."""
    entry = AuditLog(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else mask_text(str(object_id)),
        township=township,
        detail=mask_values(detail or {}),
    )
    session.add(entry)
    session.flush()
    return entry
