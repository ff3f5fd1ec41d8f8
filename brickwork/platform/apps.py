"""Apps: the containers of definitions and records.

An app is renamed, given an icon and its definitions reordered optimistically (its
``version``, as with definition drafts), and deleted into a recycle bin: ``deleted_at``
hides it from lists and makes its routes answer 404, while its definitions and records
stay untouched until it is restored.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.audit import audit
from brickwork.platform.db import utcnow
from brickwork.platform.definitions.base import Key, Label, Lines, OneLine
from brickwork.platform.definitions.errors import field_errors
from brickwork.platform.errors import Conflict, FieldError, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.models import App
from brickwork.platform.outbox import emit

# The icons an app may have: a name, shown as its emoji. A fixed set, never free-form
# markup, so an icon is plain escaped text under the strict CSP.
ICONS: dict[str, str] = {
    "crm": "🤝", "sales": "💰", "projects": "📋", "purchasing": "🛒", "service": "🛠️", "people": "👥",
    "calendar": "📅", "reports": "📊", "inventory": "📦", "documents": "📄", "buildings": "🏢",
    "tasks": "✅", "mail": "✉️", "star": "⭐", "idea": "💡", "money": "💴",
}


def _icon(value: str) -> str:
    if value and value not in ICONS:
        raise ValueError(_("Choose one of the icons: %(names)s.", names=", ".join(ICONS)))
    return value


class AppIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Key
    label: Label
    description: dict[str, Lines] = Field(default_factory=dict)
    icon: OneLine = Field(default="", max_length=32)

    _check_icon = field_validator("icon")(_icon)


class AppChange(BaseModel):
    """What ``PATCH`` may change; what is left out stays as it is."""

    model_config = ConfigDict(extra="forbid")
    label: Label | None = None
    description: dict[str, Lines] | None = None
    icon: OneLine | None = Field(default=None, max_length=32)
    order: dict[str, list[Key]] | None = None
    version: int | None = None

    _check_icon = field_validator("icon")(lambda v: v if v is None else _icon(v))


def _invalid(exc: ValidationError) -> Invalid:
    return Invalid(_("The app is not valid."), errors=[
        FieldError(e.field.removeprefix("$."), e.code, e.message) for e in field_errors(exc)])


def create_app(session: Session, data: dict, actor_id: int | None) -> App:
    try:
        spec = AppIn.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from None
    taken = session.scalar(select(App).where(App.key == spec.key))
    if taken is not None:
        message = (_("An app in the recycle bin has this key: restore it, or choose another key.")
                   if taken.deleted_at else _("This key is taken."))
        raise Conflict(_("An app with the key %(key)s exists already.", key=spec.key),
                       errors=[FieldError("key", "taken", message)])
    app = App(key=spec.key, label=spec.label, description=spec.description, icon=spec.icon,
              created_by=actor_id, version=1, order={})
    session.add(app)
    session.flush()
    audit(session, actor_id, "app.create", "app", app.key, {"label": spec.label})
    emit(session, "app.created", {"app": app.key})
    return app


def list_apps(session: Session) -> list[App]:
    return list(session.scalars(select(App).where(App.deleted_at.is_(None)).order_by(App.id)))


def list_bin(session: Session) -> list[App]:
    """The apps in the recycle bin, most recently deleted first."""
    return list(session.scalars(select(App).where(App.deleted_at.is_not(None))
                                .order_by(App.deleted_at.desc(), App.id.desc())))


def get_app(session: Session, key: str) -> App:
    app = session.scalar(select(App).where(App.key == key, App.deleted_at.is_(None)))
    if app is None:
        raise NotFound(_("No app has the key %(key)s.", key=key))
    return app


def _stale(app: App, version: int | None) -> None:
    if version is None:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "version", "required", _("Give the app's version you started from (or an If-Match header)."))])
    if version != app.version:
        raise Conflict(_("Someone else changed the app first."), detail=_(
            "The app is at version %(now)s, not %(given)s. Reload it and make your change again.",
            now=app.version, given=version))


def update_app(session: Session, key: str, data: dict[str, Any], actor_id: int | None,
               version: int | None = None) -> App:
    """Rename an app, change its description or icon, or its order of definitions."""
    try:
        change = AppChange.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from None
    app = get_app(session, key)
    _stale(app, change.version if change.version is not None else version)
    changes: dict[str, Any] = {}
    for name in ("label", "description", "icon"):
        value = getattr(change, name)
        if value is not None and value != getattr(app, name):
            changes[name] = {"before": getattr(app, name), "after": value}
            setattr(app, name, value)
    if change.order is not None:
        order = {**app.order, **{kind: list(dict.fromkeys(keys)) for kind, keys in change.order.items()}}
        if order != app.order:
            changes["order"] = {"before": app.order, "after": order}
            app.order = order
    if changes:
        app.version += 1
        app.updated_at = utcnow()
        session.flush()
        audit(session, actor_id, "app.update", "app", app.key, changes)
        emit(session, "app.updated", {"app": app.key, "changed": sorted(changes)})
    return app


def delete_app(session: Session, key: str, actor_id: int | None) -> App:
    """Move an app to the recycle bin. Its definitions and records are left as they are."""
    app = get_app(session, key)
    app.deleted_at = utcnow()
    app.version += 1
    session.flush()
    audit(session, actor_id, "app.delete", "app", app.key, {})
    emit(session, "app.deleted", {"app": app.key})
    return app


def restore_app(session: Session, key: str, actor_id: int | None) -> App:
    app = session.scalar(select(App).where(App.key == key, App.deleted_at.is_not(None)))
    if app is None:
        raise NotFound(_("No app in the recycle bin has the key %(key)s.", key=key))
    app.deleted_at = None
    app.version += 1
    session.flush()
    audit(session, actor_id, "app.restore", "app", app.key, {})
    emit(session, "app.restored", {"app": app.key})
    return app


def in_order(order: dict[str, list[str]] | None, kind: str, rows: list, key=lambda row: row.key) -> list:
    """``rows`` in the builder's order for ``kind`` (an app's ``order``); ones never placed
    follow, by key."""
    position = {k: i for i, k in enumerate((order or {}).get(kind, []))}
    return sorted(rows, key=lambda row: (position.get(key(row), len(position)), key(row)))
