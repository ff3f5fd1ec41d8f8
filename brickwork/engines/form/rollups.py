"""Rollups: an aggregate over a record's children, kept in a column of the record.

The children are the rows of a sub-form of the form (``source`` = the sub-form), the
records a relation to many links to (``source`` = the relation), or the records of another
form whose relation points here (``source`` = ``form_key.relation``). The value is one
correlated sub-query (``subquery``), which recompute.py puts in an UPDATE for the parents
whose children changed. Children in the recycle bin do not count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Table, and_, func, select, true
from sqlalchemy.sql.selectable import ScalarSelect

from brickwork.engines.form import storage
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.forms import Form
from brickwork.engines.form.formulas import infos
from brickwork.engines.form.sqlnumbers import ratio_scaled, rescaled
from brickwork.platform.clock import app_zone
from brickwork.platform.expression import Context, parse, to_sql

SMALLEST = {"min", "earliest"}


@dataclass(frozen=True)
class Source:
    """Where a rollup's children are and how they point at their parent."""

    kind: str  # "subform", "to_many" (a relation of the parent), "reverse" (a relation of the child form)
    child_key: str  # the form the children belong to (the parent's own for a sub-form)
    children: list[FieldDef]
    table: Table  # the children's table (a child table for a sub-form)
    link: FieldDef  # the sub-form, or the relation


def resolve(forms: dict[str, Form], parent: Form, f: FieldDef) -> Source | None:
    """The rollup's source in the app as it is; None if it no longer resolves."""
    source = f.source or ""
    if "." in source:
        child_key, link_name = source.split(".", 1)
        child = forms.get(child_key)
        link = child and (child.by_id.get(link_name) or child.by_key.get(link_name))
        if link is None or link.type != "relation" or link.target != parent.key:
            return None
        return Source("reverse", child_key, child.definition.fields, child.table, link)
    link = parent.by_id.get(source) or parent.by_key.get(source)
    if link is None:
        return None
    if link.type == "subform":
        table = storage.child_table(parent.app.id, parent.key, link)
        return Source("subform", parent.key, link.fields or [], table, link)
    target = forms.get(link.target or "")
    if link.type != "relation" or not link.multiple or target is None:
        return None
    return Source("to_many", target.key, target.definition.fields, target.table, link)


def subquery(parent: Form, source: Source, f: FieldDef, parent_id: ColumnElement) -> ScalarSelect:
    """The rollup's value for the parent whose id is ``parent_id`` (a correlated column)."""
    return over_children(parent, source, parent_id, lambda child: _aggregate(f, source, child), f.condition)


@dataclass(frozen=True)
class Children:
    """The children of one parent row, as a formula's aggregates see them (sqllists.Rows):
    ``SUM(lines.amount)`` is the same correlated sub-query a rollup is."""

    parent: Form
    source: Source
    parent_id: ColumnElement

    def aggregate(self, how: str, child: str | None) -> ColumnElement:
        def value(table: Table) -> ColumnElement:
            column = table.c[storage.column_name(child)] if child is not None else None
            if how == "count":
                return func.count() if column is None else func.count(column)
            return {"sum": func.sum, "min": func.min, "max": func.max}[how](column)
        return over_children(self.parent, self.source, self.parent_id, value)


def over_children(parent: Form, source: Source, parent_id: ColumnElement,
                  value: Callable[[Table], ColumnElement], condition: dict | None = None) -> ScalarSelect:
    """``value`` (an aggregate over the children's table) for the parent whose id is
    ``parent_id``: live children only, those ``condition`` accepts."""
    child = source.table.alias("bw_child")
    where = [_link(parent, source, child, parent_id)]
    if source.kind != "subform":
        where.append(child.c.deleted_at.is_(None))
    if condition is not None:
        known = infos(source.children)
        columns = {fid: child.c[storage.column_name(fid)] for fid in known if storage.column_name(fid) in child.c}
        ctx = Context(now=datetime.now(UTC), zone=app_zone())
        where.append(to_sql(parse(condition), columns, known, ctx))
    query = select(value(child)).select_from(child)
    if source.kind in ("to_many", "reverse") and source.link.multiple:
        junction = _junction(parent, source)
        if source.kind == "to_many":
            query = query.join(junction, and_(junction.c.target_id == child.c.id, junction.c.source_id == parent_id))
        else:
            query = query.join(junction, and_(junction.c.source_id == child.c.id, junction.c.target_id == parent_id))
    return query.where(*where).scalar_subquery()


def _junction(parent: Form, source: Source) -> Table:
    owner = parent.key if source.kind == "to_many" else source.child_key
    return storage.junction_table(parent.app.id, owner, source.link.id)


def _link(parent: Form, source: Source, child: Table, parent_id: ColumnElement) -> ColumnElement[bool]:
    if source.kind == "subform":
        return child.c.parent_id == parent_id
    if source.kind == "reverse" and not source.link.multiple:
        return child.c[storage.column_name(source.link.id)] == parent_id
    return true()  # through the junction table, joined in subquery()


def _aggregate(f: FieldDef, source: Source, child: Table) -> ColumnElement:
    if f.aggregate == "count":
        return func.count()
    field = next(c for c in source.children if c.id == f.field)
    kind = REGISTRY[field.type]
    column = child.c[storage.column_name(field.id)]
    own = kind.value_scale(field)
    if f.aggregate == "sum":
        return rescaled(func.coalesce(func.sum(column), 0), own, f.scale or 0)
    if f.aggregate == "avg":
        return ratio_scaled(func.sum(column), func.count(column), own, f.scale or 0)
    found = func.min(column) if f.aggregate in SMALLEST else func.max(column)
    return rescaled(found, own, f.scale or 0) if f.result == "number" else found


def parents_of(db, parent: Form, source: Source, child_ids: list[int]) -> set[int]:
    """The parents whose rollup the children ``child_ids`` count in (as things are now)."""
    if not child_ids:
        return set()
    if source.kind == "reverse" and not source.link.multiple:
        column = source.table.c[storage.column_name(source.link.id)]
        return {i for i in db.scalars(select(column).where(source.table.c.id.in_(child_ids))) if i is not None}
    junction = _junction(parent, source)
    if source.kind == "to_many":
        return set(db.scalars(select(junction.c.source_id).where(junction.c.target_id.in_(child_ids))))
    return set(db.scalars(select(junction.c.target_id).where(junction.c.source_id.in_(child_ids))))
