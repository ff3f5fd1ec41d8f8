"""What a report's dimension or measure names, as SQL over the source's tables, checked
against the viewer's grants: a field they may not read is a 403, never an empty column."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, and_
from sqlalchemy.sql.util import ClauseAdapter

from brickwork.engines.form import storage
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.records import RecordService
from brickwork.platform.errors import FieldError, Forbidden, Invalid
from brickwork.platform.i18n import _

# The record's own member and department: the dashboard controls filter on them.
SYSTEM = {"owner": ("owner_id", "user"), "department": ("department_id", "department"),
          "created_at": ("created_at", "datetime"), "updated_at": ("updated_at", "datetime"), "id": ("id", "record")}


@dataclass(frozen=True)
class Resolved:
    """A field as a report reads it."""
    name: str  # as the query wrote it
    column: ColumnElement
    type: str  # the expression language's type: text, number, date, datetime, choice, user, ...
    scale: int = 0  # numbers: the column holds value * 10**scale
    field: FieldDef | None = None
    join: tuple[Table, ColumnElement] | None = None  # a linked form's table and its ON clause


def invalid(path: str, code: str, message: str) -> Invalid:
    return Invalid(_("The report is not valid."), errors=[FieldError(path, code, message)])


class Fields:
    """Resolves names over a source: a form's records, or a sub-form's rows (their parent's
    fields as ``record.<key>``). Joins along relations to one record only: a join to many
    would count each record once per linked record (engine-semantics §5.2)."""

    def __init__(self, service: RecordService, rows: Table | None = None, subform: FieldDef | None = None):
        self.service, self.rows, self.subform = service, rows, subform
        self.joins: dict[str, tuple[Table, ColumnElement]] = {}

    @property
    def table(self) -> Table:
        return self.rows if self.rows is not None else self.service.table

    def resolve(self, name: str, path: str) -> Resolved:
        service = self.service
        if self.subform is not None:
            if name.startswith("record.") or name in SYSTEM:  # the row's record: its owner, department
                return self._on_form(name.removeprefix("record."), name, path)
            child = next((f for f in self.subform.fields or [] if f.key == name), None)
            if child is None:
                raise invalid(path, "unknown", _("The sub-form has no field %(name)s.", name=name))
            if self.subform.id not in service.grant.readable:
                raise Forbidden(_("You may not see the field %(name)s.", name=self.subform.key))
            return self._column(child, self.rows, name, path)
        return self._on_form(name, name, path)

    def _on_form(self, key: str, name: str, path: str) -> Resolved:
        service, table = self.service, self.service.table
        if key in SYSTEM:
            column, type_ = SYSTEM[key]
            return Resolved(name, table.c[column], type_)
        head, dot, rest = key.partition(".")
        f = service.form.by_key.get(head)
        if f is None:
            raise invalid(path, "unknown", _("The form has no field %(name)s.", name=head))
        if f.id not in service.grant.readable:
            raise Forbidden(_("You may not see the field %(name)s.", name=head))
        if f.type == "subform" or (f.type == "relation" and f.multiple):
            raise invalid(path, "to_many", _(
                "%(name)s holds many rows per record: grouping by it would count each record once per row. "
                "Use a rollup field on the form, or a report whose source is the sub-form's rows.", name=head))
        if dot:
            return self._linked(f, rest, name, path)
        return self._column(f, table, name, path)

    def _linked(self, relation: FieldDef, key: str, name: str, path: str) -> Resolved:
        """A field of the record a to-one relation links to, read under the viewer's grant on
        that form: a linked record they may not see gives BLANK, not its value."""
        service = self.service
        if relation.type != "relation":
            raise invalid(path, "unknown", _("%(name)s links to no form.", name=relation.key))
        target = service.graph.forms.get(relation.target)
        if target is None:
            raise invalid(path, "unknown", _("The form has no field %(name)s.", name=name))
        f = target.by_key.get(key)
        grant = service.grant_of(target.key)
        if f is None:
            raise invalid(path, "unknown", _("The form has no field %(name)s.", name=name))
        if f.id not in grant.readable or "read" not in grant.actions:
            raise Forbidden(_("You may not see the field %(name)s.", name=name))
        if relation.id not in self.joins:
            linked = target.table.alias(f"j_{len(self.joins)}")
            scope = grant.scope  # over target.table: rebuilt on the alias below
            on = and_(linked.c.id == service.table.c[storage.column_name(relation.id)], linked.c.deleted_at.is_(None),
                      _on_alias(scope, target.table, linked))
            self.joins[relation.id] = (linked, on)
        linked, _on = self.joins[relation.id]
        return self._column(f, linked, name, path)

    def _column(self, f: FieldDef, table, name: str, path: str) -> Resolved:
        if not storage.has_column(f):
            raise invalid(path, "not_stored", _(
                "%(name)s is computed when read and cannot be grouped or summed in a report.", name=f.key))
        kind = REGISTRY[f.type]
        if f.type == "multiselect":
            raise invalid(path, "multiple", _("%(name)s holds several choices; reports cannot group by it yet.",
                                              name=f.key))
        type_ = "region" if f.type == "region" else kind.value_type(f)
        return Resolved(name, table.c[storage.column_name(f.id)], type_, kind.value_scale(f) or 0, f)


def _on_alias(condition: ColumnElement, table: Table, alias) -> ColumnElement:
    """A row-scope condition over ``table``, moved onto its alias."""
    return ClauseAdapter(alias).traverse(condition)
