"""Connections: list, create, change, delete, open and test them, for an app's admins.

Secrets are write-only: they are sealed as they arrive (platform/secretbox.py) and the
views only say whether each one is set. A secret left out of a change keeps its value; an
empty string clears it. Every change is audited, without the secrets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.connectors.registry import CONNECTORS, Connector
from brickwork.platform.audit import audit
from brickwork.platform.db import utcnow
from brickwork.platform.definitions.errors import field_errors
from brickwork.platform.errors import BrickworkError, Conflict, FieldError, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import App, Connection
from brickwork.platform.notifications import EVENTS
from brickwork.platform.secretbox import Unreadable, seal, unseal

KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
SET, NOT_SET = "set", "not_set"
SCRUBBED = "[secret]"


@dataclass
class Opened:
    """A connection with its settings whole (secrets opened), for sending. Never serialised."""

    row: Connection
    connector: Connector
    settings: Any  # the connector's settings model

    def secret_values(self) -> list[str]:
        """What must never appear in a log line: each secret, and each query value of a secret URL."""
        found = []
        for name in self.connector.secrets:
            value = getattr(self.settings, name, None)
            if not value:
                continue
            found.append(str(value))
            if "://" in str(value):
                found += [v for _k, v in parse_qsl(urlsplit(str(value)).query) if len(v) >= 6]
        return found


def scrub(text: str, secrets: list[str]) -> str:
    for value in sorted(secrets, key=len, reverse=True):
        text = text.replace(value, SCRUBBED)
    return text


def connector_of(name: Any) -> Connector:
    entry = CONNECTORS.get(name) if isinstance(name, str) else None
    if entry is None:
        raise Invalid(_("The connection is not valid."), errors=[FieldError(
            "connector", "choice", _("Give one of: %(choices)s.", choices=", ".join(sorted(CONNECTORS))))])
    return entry


def list_connections(session: Session, app: App) -> list[Connection]:
    return list(session.scalars(select(Connection).where(Connection.app_id == app.id).order_by(Connection.key)))


def get_connection(session: Session, app: App, key: str, *, lock: bool = False) -> Connection:
    query = select(Connection).where(Connection.app_id == app.id, Connection.key == key)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(_("The app has no connection %(key)s.", key=key))
    return row


def view(row: Connection) -> dict[str, Any]:
    entry = CONNECTORS.get(row.connector)
    names = entry.secrets if entry else tuple(row.secrets)
    return {"key": row.key, "connector": row.connector, "label": row.label, "settings": row.settings,
            "secrets": {name: SET if row.secrets.get(name) else NOT_SET for name in names},
            "enabled": row.enabled, "notify_on": list(row.notify_on or []), "version": row.version,
            "created_at": row.created_at.isoformat() + "Z", "updated_at": row.updated_at.isoformat() + "Z"}


def open_connection(row: Connection) -> Opened:
    entry = connector_of(row.connector)
    try:
        secrets = {name: unseal(token) for name, token in row.secrets.items() if token}
    except Unreadable:
        raise Invalid(_("The connection's secrets cannot be read."), detail=_(
            "The installation's secret key changed since they were entered: enter them again.")) from None
    return Opened(row, entry, entry.settings.model_validate({**row.settings, **secrets}))


def _body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Invalid(_("The request is not valid."), errors=[FieldError("", "type", _("Send a JSON object."))])
    return body


def _label(body: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    label = body.get("label", current)
    if isinstance(label, str):
        label = {"en": label, "zh-CN": label}
    if not isinstance(label, dict) or not all(isinstance(k, str) and isinstance(v, str) and len(v) <= 200
                                              for k, v in label.items()):
        raise Invalid(_("The connection is not valid."), errors=[FieldError(
            "label", "type", _("Give a label per language, each up to 200 characters."))])
    return label


def _notify_on(entry: Connector, body: dict[str, Any], current: list[str]) -> list[str]:
    """Which app notifications the connection passes on: only email and group-bot connections."""
    given = body.get("notify_on", current)
    channel = channel_of(entry.name)
    if given and channel is None:
        raise Invalid(_("The connection is not valid."), errors=[FieldError(
            "notify_on", "channel", _("Only email and group-bot connections pass notifications on."))])
    if not isinstance(given, list) or not all(isinstance(e, str) and e in EVENTS for e in given):
        raise Invalid(_("The connection is not valid."), errors=[FieldError(
            "notify_on", "choice", _("Give a list of: %(choices)s.", choices=", ".join(EVENTS)))])
    return list(dict.fromkeys(given))


def channel_of(connector: str) -> str | None:
    """The notification channel a connector's connections serve, if any."""
    return "email" if connector == "email" else "im" if connector in ("dingtalk", "wecom", "feishu") else None


def _settings(entry: Connector, given: Any, row: Connection | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The given settings over the stored ones, validated whole; returns (plain, sealed secrets)."""
    if not isinstance(given, dict):
        raise Invalid(_("The connection is not valid."), errors=[FieldError(
            "settings", "type", _("Give the connector's settings as an object."))])
    stored: dict[str, Any] = {}
    if row is not None:
        try:
            stored = open_connection(row).settings.model_dump()
        except Invalid:  # sealed under an older secret key: what is given now replaces them
            stored = dict(row.settings)
    merged = {**stored, **{k: v for k, v in given.items() if not (k in entry.secrets and v is None)}}
    try:
        model: BaseModel = entry.settings.model_validate(merged)
    except ValidationError as exc:
        raise Invalid(_("The connection is not valid."), errors=[
            FieldError(f"settings.{e.field.removeprefix('$.')}", e.code, e.message) for e in field_errors(exc)
        ]) from None
    plain = model.model_dump(mode="json", exclude=set(entry.secrets))
    secrets = {name: seal(str(value)) for name in entry.secrets if (value := getattr(model, name, None))}
    return plain, secrets


def create(session: Session, app: App, body: Any, who: Principal) -> Connection:
    body = _body(body)
    key = body.get("key")
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise Invalid(_("The connection is not valid."), errors=[FieldError(
            "key", "key", _("Use lower-case letters, digits and underscores, starting with a letter."))])
    entry = connector_of(body.get("connector"))
    if session.scalar(select(Connection.id).where(Connection.app_id == app.id, Connection.key == key)):
        raise Conflict(_("The app has a connection %(key)s already.", key=key))
    plain, secrets = _settings(entry, body.get("settings", {}), None)
    row = Connection(app_id=app.id, connector=entry.name, key=key, label=_label(body, {"en": key}),
                     settings=plain, secrets=secrets, enabled=bool(body.get("enabled", True)),
                     notify_on=_notify_on(entry, body, []), version=1)
    session.add(row)
    session.flush()
    audit(session, who.user_id, "connection.create", "connection", row.id,
          {"app": app.key, "key": key, "connector": entry.name, "settings": plain, "secrets": sorted(secrets)})
    return row


def update(session: Session, app: App, key: str, body: Any, who: Principal) -> Connection:
    body = _body(body)
    row = get_connection(session, app, key, lock=True)
    if body.get("version") != row.version:
        raise Conflict(_("The connection was changed meanwhile."),
                       detail=_("Reload it and make your change again."))
    entry = connector_of(row.connector)
    plain, secrets = _settings(entry, body.get("settings", {}), row)
    changed = sorted(name for name in entry.secrets if name in (body.get("settings") or {})
                     and (body["settings"][name] is not None))
    before = {"settings": row.settings, "enabled": row.enabled, "label": row.label, "notify_on": row.notify_on}
    row.settings, row.secrets, row.label = plain, secrets, _label(body, row.label)
    row.notify_on = _notify_on(entry, body, list(row.notify_on or []))
    if "enabled" in body:
        row.enabled = bool(body["enabled"])
    row.version += 1
    row.updated_at = utcnow()
    audit(session, who.user_id, "connection.update", "connection", row.id, {
        "before": before,
        "after": {"settings": plain, "enabled": row.enabled, "label": row.label, "notify_on": row.notify_on},
        "secrets_changed": changed})
    return row


def delete(session: Session, app: App, key: str, who: Principal) -> None:
    row = get_connection(session, app, key, lock=True)
    audit(session, who.user_id, "connection.delete", "connection", row.id,
          {"app": app.key, "key": row.key, "connector": row.connector})
    session.delete(row)


def send_test(session: Session, app: App, key: str) -> dict[str, Any]:
    """The "send a test" button: sends at once (not queued), answers what happened."""
    opened = open_connection(get_connection(session, app, key))
    if opened.connector.send_test is None:
        raise Invalid(_("This connector has no test."))
    secrets = opened.secret_values()
    try:
        text = opened.connector.send_test(session, opened)
    except BrickworkError as exc:
        exc.title = scrub(exc.title, secrets)
        exc.detail = scrub(exc.detail, secrets) if exc.detail else exc.detail
        raise
    except Exception as exc:  # the service's or the network's answer, told to the admin
        raise Invalid(_("The test failed."), detail=scrub(f"{type(exc).__name__}: {exc}", secrets)) from None
    return {"ok": True, "message": scrub(str(text), secrets)}
