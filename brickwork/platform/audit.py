"""The audit log: written in the caller's transaction, so it holds exactly what committed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.models import AuditEntry


def audit(
    session: Session, actor_id: int | None, action: str, subject_type: str, subject_id: object,
    changes: dict[str, Any],
) -> None:
    session.add(AuditEntry(actor_id=actor_id, action=action, subject_type=subject_type,
                           subject_id=str(subject_id), changes=changes))
