"""The notification channels the connectors add to the bell (platform/notifications.CHANNELS).

``email``: each person notified who has an email address gets a mail through the app's
email connection whose ``notify_on`` lists the notification's event (the first by key).
``im``: every group-bot connection of the app whose ``notify_on`` lists the event posts one
message to its group, @-ing the people by their phone numbers. Both only enqueue through
the delivery task (connectors/delivery.py): retries, the run log, and an idempotency key per
(notification, channel, person), so the same notification is never sent twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.connectors import config
from brickwork.connectors.delivery import enqueue
from brickwork.connectors.service import channel_of
from brickwork.engines.form import storage
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.forms import load_form
from brickwork.platform.errors import BrickworkError
from brickwork.platform.models import App, Connection, User
from brickwork.platform.notifications import Channel, register


def _connections(session: Session, app: str | None, channel: str, event: str | None) -> list[Connection]:
    if app is None or event is None:
        return []
    rows = session.scalars(select(Connection).join(App, App.id == Connection.app_id)
                           .where(App.key == app, Connection.enabled.is_(True)).order_by(Connection.key))
    return [r for r in rows if channel_of(r.connector) == channel and event in (r.notify_on or [])]


def record_title(session: Session, app: str | None, form: str | None, record_id: int | None) -> str:
    """The record's title as text (what the people notified see in the approval anyway)."""
    if not (app and form and record_id):
        return ""
    try:
        loaded = load_form(session, app, form)
    except BrickworkError:
        return ""
    title = loaded.title
    if title is None:
        return f"#{record_id}"
    stored = session.connection().execute(select(loaded.table.c[storage.column_name(title.id)])
                                          .where(loaded.table.c.id == record_id)).scalar()
    kind = REGISTRY[title.type]
    return kind.to_text(title, kind.from_db(title, stored)) if stored is not None else f"#{record_id}"


def link_of(message: dict[str, Any]) -> str:
    link = message.get("link") or ""
    return config.settings().public_url + link if link.startswith("/") else link


def _first_id(message: dict[str, Any]) -> int:
    return min(int(i) for i in message["notifications"].values())


def send_email(session: Session, user_ids: list[int], message: dict[str, Any]) -> None:
    found = _connections(session, message.get("app"), "email", message.get("event"))
    if not found:
        return
    people = session.scalars(select(User).where(User.id.in_(user_ids), User.email.is_not(None)))
    title = record_title(session, message.get("app"), message.get("form"), message.get("record_id"))
    link = link_of(message)
    subject = f"{message['text']} {title}".strip()
    body = "\n\n".join(part for part in (message["text"], title, link) if part)
    for person in people:
        if not person.email:
            continue
        notification = message["notifications"].get(person.id)
        enqueue(session, found[0], {"to": [person.email], "subject": subject, "text": body},
                f"notify:{notification}:email:{person.id}", {"to": [person.email], "subject": subject})


def send_im(session: Session, user_ids: list[int], message: dict[str, Any]) -> None:
    found = _connections(session, message.get("app"), "im", message.get("event"))
    if not found:
        return
    phones = [p for p in session.scalars(select(User.phone).where(User.id.in_(user_ids))) if p]
    title = record_title(session, message.get("app"), message.get("form"), message.get("record_id"))
    link = link_of(message)
    card = link.startswith(("http://", "https://"))  # a card's button needs a whole address
    text = "\n".join(part for part in (message["text"], title, "" if card else link) if part)
    first = _first_id(message)
    for row in found:
        enqueue(session, row, {"type": "card" if card else "text", "title": title or message["text"], "text": text,
                               "url": link, "button": "", "at_mobiles": phones, "at_user_ids": [],
                               "at_all": False},
                f"notify:{first}:im:{row.id}", {"type": "notification", "title": title or message["text"]})


EMAIL = register(Channel("email", {"en": "Email", "zh-CN": "电子邮件"}, send_email))
IM = register(Channel("im", {"en": "Group chat bots", "zh-CN": "群机器人"}, send_im))
