"""A published form, loaded once per request, with its table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from brickwork.engines.form import storage
from brickwork.engines.form.definition import FieldDef, FormDefinition
from brickwork.platform.apps import get_app
from brickwork.platform.definitions.store import PUBLISHED
from brickwork.platform.errors import NotFound
from brickwork.platform.i18n import _
from brickwork.platform.models import App, Definition


@dataclass(frozen=True)
class Form:
    app: App
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

    def field(self, name: str) -> FieldDef:
        """A live field by key, or by id (the expression language refers by id)."""
        found = self.by_key.get(name) or self.by_id.get(name)
        if found is None:
            raise NotFound(_("The form has no field %(name)s.", name=name))
        return found


def load_form(session: Session, app_key: str, form_key: str) -> Form:
    """The live version of a form, with its app, in one query."""
    row = session.execute(
        select(App, Definition.version, Definition.body).join(Definition, Definition.app_id == App.id)
        .where(App.key == app_key, Definition.kind == "form", Definition.key == form_key,
               Definition.state == PUBLISHED)
        .order_by(Definition.version.desc()).limit(1)).first()
    if row is None:
        get_app(session, app_key)  # says which is missing: the app or the form
        raise NotFound(_("The app %(app)s has no published form %(form)s.", app=app_key, form=form_key))
    return Form(row.App, form_key, row.version, FormDefinition.model_validate(row.body))
