"""What the connectors' rule actions share: finding the action's connection, the
idempotency key of one action of one rule run, the message's language, and the users a
message is for."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from brickwork.connectors import config
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _
from brickwork.platform.models import App, Connection, User
from brickwork.platform.settings import LOCALES


def connection_for(run: Any, settings: dict[str, Any], connectors: tuple[str, ...]) -> Connection:
    """The app's connection the action names, of one of these connectors."""
    key = settings.get("connection")
    row = run.session.scalar(select(Connection).join(App, App.id == Connection.app_id)
                             .where(App.key == run.app, Connection.key == str(key)))
    if row is None or row.connector not in connectors:
        raise Invalid(_("The action is not valid."), errors=[FieldError("connection", "connection", _(
            "The app has no %(kind)s connection %(key)s: an administrator adds one with this key on the app's "
            "Connections page.", kind=" / ".join(connectors), key=key))])
    return row


def delivery_key(run: Any, suffix: str = "") -> str:
    """One action of one rule run on one event: the same whenever the run is repeated."""
    index = run.outcomes[-1]["index"] if run.outcomes else 0
    key = f"rule:{run.app}:{run.rule.key}:{run.event_key}:{index}{suffix}"
    return key if len(key) <= 200 else "rule:" + hashlib.sha256(key.encode()).hexdigest()


def locale_of(settings: dict[str, Any]) -> str:
    locale = settings.get("locale")
    return locale if locale in LOCALES else config.settings().default_locale


def users_of(run: Any, settings: dict[str, Any], users_key: str, fields_key: str) -> list[User]:
    """Active users named in the action (ids) and those in the record's user fields."""
    ids = {int(u) for u in settings.get(users_key) or [] if str(u).isdigit()}
    for key in settings.get(fields_key) or []:
        field = run.form.by_key.get(key) if run.form else None
        value = run.values.get(field.id) if field else None
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, int):
                ids.add(one)
    if not ids:
        return []
    return list(run.session.scalars(select(User).where(User.id.in_(ids), User.is_active.is_(True)).order_by(User.id)))


def record_texts(run: Any, keys: list[str], read: dict[str, Any] | None = None) -> list[str]:
    """The values of some text-like fields of the record (email addresses, phone numbers).
    ``read``: the record as read (API values by key), for a lookup (the contact's email of
    a ticket), which is read live and so is not among the event's values."""
    found = []
    for key in keys or []:
        field = run.form.by_key.get(key) if run.form else None
        value = run.values.get(field.id) if field else None
        if value is None and field is not None and read is not None:
            value = read.get(key)
        for one in value if isinstance(value, list) else [value]:
            if one not in (None, ""):
                found.append(str(one))
    return found


def needs(settings: dict[str, Any], *names: str) -> list[FieldError]:
    return [FieldError(name, "required", _("Give %(name)s.", name=name)) for name in names if not settings.get(name)]
