"""Finding people and departments by name, as a person types in a picker (the filter
builder's owner and department values): ``[{id, name}]``. Names containing the text,
case-insensitive; ``ids`` names chosen ones back (a saved filter holds ids)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from brickwork.platform.models import Department, User

MAX_PICK = 50
MAX_TEXT = 100


def pick_users(session: Session, q: str = "", ids: list[int] | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Active users whose display name or user name contains ``q``, by name."""
    query = select(User.id, User.display_name, User.username).where(User.is_active.is_(True))
    if ids is not None:
        query = query.where(User.id.in_(ids))
    elif q := q.strip().lower()[:MAX_TEXT]:
        query = query.where(or_(func.lower(User.display_name).contains(q, autoescape=True),
                                func.lower(User.username).contains(q, autoescape=True)))
    rows = session.execute(query.order_by(User.display_name, User.id).limit(_limit(limit, ids))).all()
    return [{"id": row.id, "name": row.display_name or row.username} for row in rows]


def pick_departments(session: Session, q: str = "", ids: list[int] | None = None, limit: int = 20
                     ) -> list[dict[str, Any]]:
    """Departments whose name contains ``q``, in tree order; ``depth`` 0 for a top one."""
    query = select(Department.id, Department.name, Department.path)
    if ids is not None:
        query = query.where(Department.id.in_(ids))
    elif q := q.strip().lower()[:MAX_TEXT]:
        query = query.where(func.lower(Department.name).contains(q, autoescape=True))
    rows = session.execute(query.order_by(Department.path).limit(_limit(limit, ids))).all()
    return [{"id": row.id, "name": row.name, "depth": max(row.path.strip("/").count("/"), 0)} for row in rows]


def _limit(limit: int, ids: list[int] | None) -> int:
    return len(ids) if ids is not None else min(max(limit, 1), MAX_PICK)
