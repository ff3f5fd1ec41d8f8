"""An app as one JSON document: the app, the live version of each of its definitions, and
its shared views. Templates are such documents; export and import round-trip them.

    {"brickwork": 1,
     "template": {"name": "crm", "version": "1.0.0"},     (templates only)
     "app": {"key": "crm", "label": {...}, "description": {...}, "icon": "crm"},
     "definitions": {"form": [<FormDefinition>, ...], ...},   (by kind, each by key)
     "roles": [{"key": "sales", "label": {...}}],             (the roles its permissions name)
     "views": [{"id": "...", "form": "customers", "name": {...}, "type": "table", "config": {...}}]}

Everything is named by stable ids: fields, options, sections and rules by their ``id``,
forms and the app by their ``key`` (tables are named after it, so it never changes),
views by ``id``. Drafts and personal views are not part of an app's file.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.form.saved_views import ViewConfig, ViewType
from brickwork.platform.apps import AppIn
from brickwork.platform.definitions.base import Key, Label, StableId
from brickwork.platform.definitions.errors import field_errors
from brickwork.platform.definitions.store import DefinitionStore
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _
from brickwork.platform.models import App, AppTemplate, Role, SavedView

FORMAT = 1


class TemplateInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Key
    version: str = Field(pattern=r"^\d+(\.\d+){0,3}$")


class RoleItem(BaseModel):
    """A role the app's permissions name; roles are the installation's, shared by its apps."""

    model_config = ConfigDict(extra="forbid")
    key: Key
    label: Label


class ViewItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: StableId
    form: Key
    name: Label
    type: ViewType = "table"
    config: ViewConfig = Field(default_factory=ViewConfig)


class AppDocument(BaseModel):
    """The file's outline; each definition is checked by its own kind's model."""

    model_config = ConfigDict(extra="forbid")
    brickwork: int = Field(ge=FORMAT, le=FORMAT)
    template: TemplateInfo | None = None
    app: AppIn
    definitions: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    roles: list[RoleItem] = Field(default_factory=list)
    views: list[ViewItem] = Field(default_factory=list)


def read_document(data: Any, store: DefinitionStore) -> AppDocument:
    """The document checked through and through, or ``Invalid`` with the JSON path of every
    problem (a definition's path starts at its place in the file)."""
    try:
        document = AppDocument.model_validate(data)
    except ValidationError as exc:
        raise Invalid(_("The app file is not valid."), errors=field_errors(exc)) from None
    errors = []
    for kind, bodies in document.definitions.items():
        keys: set[str] = set()
        for i, body in enumerate(bodies):
            at = f"$.definitions.{kind}[{i}]"
            try:
                parsed = store.validate(kind, body)
            except Invalid as exc:
                errors += [FieldError(at + e.field.removeprefix("$"), e.code, e.message) for e in exc.errors]
                continue
            if parsed.key in keys:
                errors.append(FieldError(f"{at}.key", "duplicate", _("The key %(key)s is used twice.", key=parsed.key)))
            keys.add(parsed.key)
    forms = {body.get("key") for body in document.definitions.get("form", [])}
    seen: set[str] = set()
    for i, view in enumerate(document.views):
        if view.form not in forms:
            errors.append(FieldError(f"$.views[{i}].form", "unknown_form",
                                 _("The file has no form %(form)s.", form=view.form)))
        if view.id in seen:
            errors.append(FieldError(f"$.views[{i}].id", "duplicate", _("The id %(id)s is used twice.", id=view.id)))
        seen.add(view.id)
    if errors:
        raise Invalid(_("The app file is not valid."), errors=errors)
    return document


def export_app(session: Session, store: DefinitionStore, app: App) -> dict[str, Any]:
    """The app's file: the live version of every definition, and the shared views."""
    installed = session.get(AppTemplate, app.id)
    definitions = {}
    for kind in store.kinds:
        bodies = [d.body for d in store.live(session, app, kind)]
        if bodies:
            definitions[kind] = bodies
    views = session.scalars(select(SavedView).where(SavedView.app_id == app.id, SavedView.owner_id.is_(None))
                            .order_by(SavedView.form_key, SavedView.id))
    named = {p["role"] for body in definitions.get("form", []) for p in body.get("permissions", [])}
    roles = session.scalars(select(Role).where(Role.key.in_(named)).order_by(Role.key)) if named else []
    return {
        "brickwork": FORMAT,
        **({"template": {"name": installed.name, "version": installed.version}} if installed else {}),
        "app": {"key": app.key, "label": app.label, "description": app.description or {}, "icon": app.icon or ""},
        "definitions": definitions,
        **({"roles": [{"key": role.key, "label": role.label} for role in roles]} if named else {}),
        "views": [{"id": view.uid or f"view_{view.id}", "form": view.form_key,
                   "name": view.name if isinstance(view.name, dict) else {"en": view.name},
                   "type": view.type, "config": view.config} for view in views],
    }

