"""The form engine's entry in the kinds registry: what the ground floor (the definitions
store, the app file, template upgrades) needs to serve forms without importing this engine.

Forms publish by changing their tables; a file's forms arrive together (relations may
point at each other); forms whose computed fields wait on each other are first published
as skeletons; a form names roles in its permissions; and the file's shared views are the
form engine's part of it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.form import derived_indexes
from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.saved_views import ViewConfig, ViewType, check_config
from brickwork.engines.form.schema_change import ARRIVING, publish_hook
from brickwork.platform.definitions.base import Key, Label, StableId
from brickwork.platform.definitions.kinds import Kind
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import App, SavedView

COMPUTED = ("formula", "rollup", "lookup")


@contextlib.contextmanager
def arriving(session: Session, keys: frozenset[str]) -> Iterator[None]:
    """Tell the publish hook which forms arrive in this transaction: a relation may point
    at one whose table is not there yet."""
    session.info[ARRIVING] = keys
    try:
        yield
    finally:
        session.info.pop(ARRIVING, None)


def skeleton(body: dict) -> dict:
    """The form without its computed fields and its logic: what other forms can stand on."""
    def plain(fields: list[dict]) -> list[dict]:
        return [{**f, **({"fields": plain(f["fields"])} if f.get("fields") else {})}
                for f in fields if f.get("type") not in COMPUTED]

    bare = {k: v for k, v in body.items() if k not in ("rules",)}
    bare["fields"] = [{k: v for k, v in f.items() if k not in ("show_when", "fill_from")}
                      for f in plain(body.get("fields", []))]
    bare["sections"] = [{k: v for k, v in s.items() if k != "show_when"} for s in body.get("sections", [])]
    kept = {f["id"] for f in bare["fields"]} | {s["id"] for s in bare["sections"]}
    bare["layout"] = [row for row in ([i for i in row if i in kept] for row in body.get("layout", [])) if row]
    if bare.get("title_field") not in kept:
        bare.pop("title_field", None)
    return bare


def roles_named(body: dict) -> set[str]:
    return {p["role"] for p in body.get("permissions", [])}


class ViewItem(BaseModel):
    """A shared view in the app file."""

    model_config = ConfigDict(extra="forbid")
    id: StableId
    form: Key
    name: Label
    type: ViewType = "table"
    config: ViewConfig = Field(default_factory=ViewConfig)


class SharedViews:
    """The app file's ``views``: the shared (not personal) views of the app's forms."""

    name = "views"
    item = ViewItem

    def export(self, session: Session, app: App) -> list[dict[str, Any]]:
        views = session.scalars(select(SavedView).where(SavedView.app_id == app.id, SavedView.owner_id.is_(None))
                                .order_by(SavedView.form_key, SavedView.id))
        return [{"id": view.uid or f"view_{view.id}", "form": view.form_key,
                 "name": view.name if isinstance(view.name, dict) else {"en": view.name},
                 "type": view.type, "config": view.config} for view in views]

    def check(self, items: list[ViewItem], definitions: dict[str, list[dict]]) -> list[FieldError]:
        forms = {body.get("key") for body in definitions.get("form", [])}
        errors, seen = [], set()
        for i, view in enumerate(items):
            if view.form not in forms:
                errors.append(FieldError(f"$.views[{i}].form", "unknown_form",
                                         _("The file has no form %(form)s.", form=view.form)))
            if view.id in seen:
                errors.append(FieldError(f"$.views[{i}].id", "duplicate",
                                         _("The id %(id)s is used twice.", id=view.id)))
            seen.add(view.id)
        return errors

    def install(self, session: Session, app: App, items: list[ViewItem], actor_id: int | None) -> int:
        """Create or replace the shared views by their ids, each checked against its live form."""
        acting = Principal(actor_id or 0, "system", "system", True, "install")
        forms = {}
        for i, item in enumerate(items):
            service = RecordService(session, load_form(session, app.key, item.form), acting)
            try:
                config = check_config(service, item.type, item.config)
            except Invalid as exc:
                raise Invalid(exc.title, errors=[FieldError(f"$.views[{i}].{e.field}", e.code, e.message)
                                                 for e in exc.errors]) from None
            view = session.scalar(select(SavedView).where(SavedView.app_id == app.id, SavedView.uid == item.id))
            if view is None:
                view = SavedView(app_id=app.id, uid=item.id, owner_id=None, version=0)
                session.add(view)
            view.form_key, view.name, view.type, view.config = item.form, item.name, item.type, config
            view.version += 1
            forms[item.form] = service.form
        session.flush()
        for form in forms.values():  # the indexes the views' filters and sorts want
            derived_indexes.sync(session.connection(), form.app.id, form.key, form.definition)
        return len(items)


FORM = Kind(name="form", model=FormDefinition, publish=publish_hook, plural="forms", arriving=arriving,
            skeleton=skeleton, roles=roles_named, parts=(SharedViews(),))
