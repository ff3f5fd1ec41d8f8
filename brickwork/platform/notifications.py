"""The bell: in-app notifications, one row per user and message, until read.

On the ground floor because several engines write them (a rule's ``notify`` action, a flow's
tasks and outcomes) and the bell reads them all the same way."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from brickwork.platform.db import utcnow
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import Notification, User

MAX_PAGE = 200


def notify(session: Session, users: Iterable[int], text: str, *, app: str | None = None, form: str | None = None,
           record_id: int | None = None, source: str | None = None) -> list[int]:
    """One notification per active user among ``users``, in one statement; the users notified."""
    wanted = {int(u) for u in users}
    found = sorted(session.scalars(select(User.id).where(User.id.in_(wanted), User.is_active.is_(True)))) \
        if wanted else []
    if found:
        moment = utcnow()
        session.execute(insert(Notification.__table__), [
            {"user_id": u, "app": app, "form": form, "record_id": record_id, "text": text, "source": source,
             "created_at": moment} for u in found])
    return found


def notifications(session: Session, who: Principal, unread: bool = False, limit: int = 50) -> tuple[list, int]:
    """The caller's notifications, newest first, and how many are unread."""
    query = select(Notification).where(Notification.user_id == who.user_id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    rows = list(session.scalars(query.order_by(Notification.id.desc()).limit(min(max(limit, 1), MAX_PAGE))))
    count = session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == who.user_id, Notification.read_at.is_(None)))
    return rows, count


def mark_read(session: Session, who: Principal, ids: list[int] | None) -> int:
    """Mark some (or, with None, all) of the caller's notifications read."""
    query = update(Notification).where(Notification.user_id == who.user_id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    return session.execute(query.values(read_at=utcnow())).rowcount
