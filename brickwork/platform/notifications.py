"""The bell: in-app notifications, one row per user and message, until read.

On the ground floor because several engines write them (a rule's ``notify`` action, a flow's
tasks and outcomes) and the bell reads them all the same way.

The bell is always on. Other channels (email, group bots) plug into ``CHANNELS`` from the
connectors floor at import (connectors/installed.py), so the engines notify through this
module alone and never import a connector (docs/decisions/0034-notification-channels.md).
A channel's ``send`` only enqueues, in the caller's transaction: the sending is a job."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from brickwork.platform.db import utcnow
from brickwork.platform.i18n import default_locale, pick
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import Notification, User

MAX_PAGE = 200
# What a notification is about, for the channels' choice of what to pass on: a flow's new
# task, copy, reminder, overdue task and outcome, and a rule's ``notify`` action.
EVENTS = ("task_created", "cc", "urged", "overdue", "approved", "rejected", "withdrawn", "terminated", "rule")


@dataclass(frozen=True)
class Channel:
    name: str  # "email", "im"
    label: Any  # a lazy translatable text
    # send(session, user_ids, message): queue the message for these users (never send
    # inline). ``message`` has text, app, form, record_id, source, event, link, and
    # ``notifications`` ({user id: bell notification id}) for the idempotency keys.
    send: Callable[[Session, list[int], dict[str, Any]], None]


CHANNELS: dict[str, Channel] = {}


def register(entry: Channel) -> Channel:
    CHANNELS[entry.name] = entry
    return entry


def notify(session: Session, users: Iterable[int], text: str | dict[str, str], *, app: str | None = None,
           form: str | None = None, record_id: int | None = None, source: str | None = None,
           event: str | None = None, link: str | None = None, channels: Iterable[str] | None = None) -> list[int]:
    """One notification per active user among ``users``, in one statement; the users notified.
    Then each channel (all, or those named in ``channels``) queues its own message. ``text``
    is a text, or a text per language (``{"zh-CN": ..., "en": ...}``): each person reads it in
    their own language, else the installation's."""
    wanted = {int(u) for u in users}
    found = session.execute(select(User.id, User.locale).where(User.id.in_(wanted), User.is_active.is_(True))
                            .order_by(User.id)).all() if wanted else []
    if not found:
        return []
    texts = {user: pick(text, locale or default_locale()) for user, locale in found}
    moment = utcnow()
    table = Notification.__table__
    made = session.execute(insert(table).returning(table.c.id, table.c.user_id), [
        {"user_id": u, "app": app, "form": form, "record_id": record_id, "text": texts[u], "source": source,
         "created_at": moment} for u, _locale in found]).all()
    ids = {user: row for row, user in made}
    # The channels take one message per text: the people reading the same language together.
    for same in sorted(set(texts.values())):
        group = [u for u, _locale in found if texts[u] == same]
        message = {"text": same, "app": app, "form": form, "record_id": record_id, "source": source,
                   "event": event, "link": link, "notifications": {u: ids[u] for u in group}}
        for name, channel in CHANNELS.items():
            if channels is None or name in channels:
                channel.send(session, group, message)
    return [u for u, _locale in found]


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
