"""A published form, loaded once per request, with its table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from brickwork.engines.form import storage
from brickwork.engines.form.definition import FieldDef, FormDefinition
from brickwork.platform import generation
from brickwork.platform.apps import get_app, in_order
from brickwork.platform.definitions.store import PUBLISHED
from brickwork.platform.errors import NotFound
from brickwork.platform.i18n import _
from brickwork.platform.models import App, Definition


@dataclass(frozen=True)
class AppRef:
    id: int
    key: str


@dataclass(frozen=True)
class Form:
    app: AppRef
    key: str
    version: int
    definition: FormDefinition

    @cached_property
    def table(self) -> Table:
        return storage.record_table(self.app.id, self.key, self.definition)

    @cached_property
    def by_key(self) -> dict[str, FieldDef]:
        return {f.key: f for f in self.definition.fields}

    @cached_property
    def by_id(self) -> dict[str, FieldDef]:
        return {f.id: f for f in self.definition.fields}

    @cached_property
    def title(self) -> FieldDef | None:
        """The field that names a record: the chosen one, else the first text field."""
        return title_of(self.definition)

    def field(self, name: str) -> FieldDef:
        """A live field by key, or by id (the expression language refers by id)."""
        found = self.by_key.get(name) or self.by_id.get(name)
        if found is None:
            raise NotFound(_("The form has no field %(name)s.", name=name))
        return found


def title_of(definition: FormDefinition) -> FieldDef | None:
    """The field that names a record: the chosen one, else the first text field."""
    if definition.title_field:
        return next(f for f in definition.fields if f.id == definition.title_field)
    return next((f for f in definition.fields if f.type == "text"), None)


_LIVE = (
    select(App.id, App.key, App.generation, Definition.id.label("definition_id"), Definition.version)
    .join(Definition, Definition.app_id == App.id)
    .where(App.key == bindparam("app"), App.deleted_at.is_(None), Definition.kind == "form",
           Definition.key == bindparam("form"),
           Definition.state == PUBLISHED)
    .order_by(Definition.version.desc()).limit(1)
)
_BODY = select(Definition.body).where(Definition.id == bindparam("id"))


def load_form(session: Session, app_key: str, form_key: str) -> Form:
    """The live version of a form, with its app, in one query; the body is read and parsed
    only the first time a process meets that version. The app's generation comes along, so
    the caches of what is live in the app need no query of their own (platform/generation.py)."""
    conn = session.connection()
    row = conn.execute(_LIVE, {"app": app_key, "form": form_key}).first()
    if row is None:
        get_app(session, app_key)  # says which is missing: the app or the form
        raise NotFound(_("The app %(app)s has no published form %(form)s.", app=app_key, form=form_key))
    generation.seen(conn, row.key, row.generation)
    key = (str(conn.engine.url), row.id, form_key, row.version)
    definition = _published.get(key)
    if definition is None:
        definition = _parsed(*key, conn.execute(_BODY, {"id": row.definition_id}).scalar_one())
    return Form(AppRef(row.id, row.key), form_key, row.version, definition)


_published: dict[tuple[str, int, str, int], FormDefinition] = {}


def _parsed(database: str, app_id: int, form_key: str, version: int, body: dict) -> FormDefinition:
    """A published version never changes, so its parsed definition is kept (per database)."""
    key = (database, app_id, form_key, version)
    if key not in _published:
        if len(_published) >= 1024:
            _published.clear()
        _published[key] = FormDefinition.model_validate(body)
    return _published[key]


_APP_LIVE = (
    select(Definition.key, Definition.version, Definition.body)
    .where(Definition.app_id == bindparam("app_id"), Definition.kind == "form", Definition.state == PUBLISHED)
    .order_by(Definition.key, Definition.version)
)


def load_app_forms(session: Session, app: AppRef) -> list[Form]:
    """The live version of every published form of an app (relations are followed across
    them). Each version's body is parsed once per process."""
    latest: dict[str, tuple[int, dict]] = {}
    for key, version, body in session.connection().execute(_APP_LIVE, {"app_id": app.id}):
        latest[key] = (version, body)  # ordered by version: the last one wins
    database = str(session.get_bind().url)
    forms = [Form(app, key, version, _parsed(database, app.id, key, version, body))
             for key, (version, body) in latest.items()]
    # In the builder's order: related lists on a record page follow it too.
    return in_order(session.scalar(select(App.order).where(App.id == app.id)), "form", forms)
