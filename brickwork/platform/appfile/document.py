"""An app as one JSON document: the app, the live version of each of its definitions, and
the other sections its kinds own (a form's shared views). Templates are such documents;
export and import round-trip them.

    {"brickwork": 1,
     "template": {"name": "crm", "version": "1.0.0"},     (templates only)
     "app": {"key": "crm", "label": {...}, "description": {...}, "icon": "crm"},
     "definitions": {"form": [<FormDefinition>, ...], ...},   (by kind's section, each by key)
     "roles": [{"key": "sales", "label": {...}}],             (the roles its definitions name)
     "views": [{"id": "...", "form": "customers", "name": {...}, "type": "table", "config": {...}}]}

The outline comes from the kinds registry the store carries: one list under
``definitions`` per kind, and each part a kind owns (``views`` is the form engine's). This
module knows no kind. Everything is named by stable ids: elements by their ``id``,
definitions and the app by their ``key``, a part's items by ``id``. Drafts and personal
views are not part of an app's file.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.apps import AppIn
from brickwork.platform.definitions.base import Key
from brickwork.platform.definitions.errors import field_errors
from brickwork.platform.definitions.kinds import KindRegistry
from brickwork.platform.definitions.schemas import SCHEMA_BASE
from brickwork.platform.definitions.store import DefinitionStore
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _
from brickwork.platform.identity.app_roles import RoleIn, list_roles
from brickwork.platform.models import App, AppTemplate, Role

FORMAT = 1


class TemplateInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Key
    version: str = Field(pattern=r"^\d+(\.\d+){0,3}$")


class RoleItem(RoleIn):
    """A role of the app: the ones its permissions name and the app's own (with ``admin`` and
    ``menu``), as the roles API takes them. Installing makes each an app role of the new
    app; members never travel."""


class AppDocument(BaseModel):
    """What every app file has; ``outline`` adds the sections of the registered kinds."""

    model_config = ConfigDict(extra="forbid")
    brickwork: int = Field(ge=FORMAT, le=FORMAT)
    template: TemplateInfo | None = None
    app: AppIn
    # then, from ``outline``: definitions (one list per kind), roles, the kinds' parts

    def bodies(self) -> dict[str, list[dict[str, Any]]]:
        """The definitions by section, as the file lists them (empty sections left out)."""
        return {section: bodies for section, bodies in dict(self.definitions).items() if bodies}


OUTLINE_DOC = "The file's outline; each definition is checked by its own kind's model."


@cache
def outline(kinds: KindRegistry) -> type[AppDocument]:
    """The app file's model for these kinds; each definition is checked by its own kind's
    model (its schema is the kind's own, published beside), the parts by their item models."""
    sections = {entry.file_section: (list[dict[str, Any]], Field(
        default_factory=list, description=f"{entry.name} definitions, each valid by {SCHEMA_BASE}{entry.name}"))
        for entry in kinds}
    definitions = create_model("Definitions", __config__=ConfigDict(extra="forbid"), **sections)
    parts = {part.name: (list[part.item], Field(default_factory=list)) for part in kinds.parts()}
    return create_model("AppDocument", __base__=AppDocument, __doc__=OUTLINE_DOC,
                        definitions=(definitions, Field(default_factory=definitions)),
                        roles=(list[RoleItem], Field(default_factory=list)), **parts)


def read_document(data: Any, store: DefinitionStore) -> AppDocument:
    """The document checked through and through, or ``Invalid`` with the JSON path of every
    problem (a definition's path starts at its place in the file)."""
    try:
        document = outline(store.kinds).model_validate(data)
    except ValidationError as exc:
        raise Invalid(_("The app file is not valid."), errors=field_errors(exc)) from None
    errors = []
    for section, bodies in document.bodies().items():
        kind, keys = store.kinds.by_section(section).name, set()
        for i, body in enumerate(bodies):
            at = f"$.definitions.{section}[{i}]"
            try:
                parsed = store.validate(kind, body)
            except Invalid as exc:
                errors += [FieldError(at + e.field.removeprefix("$"), e.code, e.message) for e in exc.errors]
                continue
            if parsed.key in keys:
                errors.append(FieldError(f"{at}.key", "duplicate", _("The key %(key)s is used twice.", key=parsed.key)))
            keys.add(parsed.key)
    definitions = by_kind(document, store.kinds)
    for part in store.kinds.parts():
        errors += part.check(getattr(document, part.name), definitions)
    if errors:
        raise Invalid(_("The app file is not valid."), errors=errors)
    return document


def by_kind(document: AppDocument, kinds: KindRegistry) -> dict[str, list[dict[str, Any]]]:
    """The file's definitions by kind name, in the file's order of sections."""
    return {kinds.by_section(section).name: bodies for section, bodies in document.bodies().items()}


def export_app(session: Session, store: DefinitionStore, app: App) -> dict[str, Any]:
    """The app's file: the live version of every definition, the roles they name, and the
    parts their kinds own (the shared views)."""
    installed = session.get(AppTemplate, app.id)
    definitions, named = {}, set()
    for entry in store.kinds:
        bodies = [entry.exported(d.body) if entry.exported else d.body for d in store.live(session, app, entry.name)]
        if bodies:
            definitions[entry.file_section] = bodies
        if entry.roles:
            named |= {role for body in bodies for role in entry.roles(body)}
    roles = app_roles_in_file(session, app, named)
    return {
        "brickwork": FORMAT,
        **({"template": {"name": installed.name, "version": installed.version}} if installed else {}),
        "app": {"key": app.key, "label": app.label, "description": app.description or {}, "icon": app.icon or ""},
        "definitions": definitions,
        **({"roles": roles} if roles else {}),
        **{part.name: part.export(session, app) for part in store.kinds.parts()},
    }


def app_roles_in_file(session: Session, app: App, named: set[str]) -> list[dict[str, Any]]:
    """The app's roles, and the installation's roles its definitions name that the app lacks;
    ``admin`` and ``menu`` only where they say something."""
    own = {role.key: role for role in list_roles(session, app)}
    rest = named - set(own)
    found = {role.key: {"key": role.key, "label": role.label} for role in session.scalars(
        select(Role).where(Role.key.in_(rest)))} if rest else {}
    for key, role in own.items():
        found[key] = {"key": key, "label": role.label, **({"admin": True} if role.admin else {}),
                      **({"menu": role.menu} if role.menu else {})}
    return [found[key] for key in sorted(found)]
