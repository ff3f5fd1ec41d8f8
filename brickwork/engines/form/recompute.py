"""Stored computed values (formulas, rollups, formulas in sub-form rows) recomputed in SQL,
never row by row in Python: one UPDATE per computed field, in the dependency graph's order.

- After a write (create, update, delete to the bin, restore): for the written records and
  their sub-form rows, then for the parents whose rollups count them, before and after
  the write (a child moved to another parent changes both), then onwards through the
  graph (a formula over a rollup, a rollup over a rollup in another form).
- At publish: for every row, for the computed fields that are new or changed and all that
  depend on them, in any form of the app. The number of statements does not grow with
  the number of records.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, select, update
from sqlalchemy.engine import Connection

from brickwork.engines.form import lookup_fields, rollups, storage
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.dependencies import AppGraph, Node
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.forms import Form
from brickwork.engines.form.formulas import formula_infos, infos
from brickwork.engines.form.sqlnumbers import as_scaled
from brickwork.platform.clock import app_zone
from brickwork.platform.expression import Context, parse
from brickwork.platform.expression.compile import to_sql_value

CHUNK = 5000  # ids per statement after a large bulk write
Dirty = dict[str, set[int]]  # form key → records whose stored values may have changed


def formula_value(f: FieldDef, table: Table, fields: list[FieldDef], app: AppGraph | None = None,
                  form: Form | None = None) -> ColumnElement:
    """The SQL computing a stored formula over the columns of ``table`` (a form's table, or a
    sub-form's child table for a formula in its rows), as the column stores it. With the
    app and the form: its aggregates over sub-forms and relations to many too."""
    value = formula_sql(f, table, fields, app.forms if app is not None else None, form,
                        Context(now=datetime.now(UTC), zone=app_zone()))
    if f.result == "number":
        return as_scaled(value, REGISTRY["formula"].value_scale(f))
    return value


def formula_sql(f: FieldDef, table: Table, fields: list[FieldDef], forms: dict[str, Form] | None,
                form: Form | None, ctx: Context) -> ColumnElement:
    """The formula's value for each row of ``table`` (sqlvalues.read_value reads it)."""
    if forms is None or form is None:
        known = infos(fields)
        lists = {}
    else:
        known = formula_infos(fields, {key: other.definition.fields for key, other in forms.items()}, form.key)
        lists = {fid: rollups.Children(form, source, table.c.id) for fid, source in _lists(forms, form, known).items()}
    columns = {fid: table.c[storage.column_name(fid)] for fid in known if storage.column_name(fid) in table.c}
    if forms is not None:  # lookups: the linked record's value, a sub-query, read live
        for fid, lk in lookup_fields.lookups_over(forms, fields, table).items():
            if lk.info is not None:
                columns[fid], known[fid] = lk.value, lk.info
    return to_sql_value(parse(f.expression), columns | lists, known, ctx)


def _lists(forms: dict[str, Form], form: Form, known: dict) -> dict[str, rollups.Source]:
    found = {}
    for fid, info in known.items():
        if info.children is not None:
            source = rollups.resolve(forms, form, FieldDef.model_construct(source=fid))
            if source is not None:
                found[fid] = source
    return found


def statement(app: AppGraph, node: Node, ids: set[int] | None):
    """The UPDATE of one computed field, for the records ``ids`` (None: every record)."""
    table, value = _computed(app, node)
    query = update(table).values({storage.column_name(app.field(node).id): value})
    if ids is None:
        return query
    return query.where((table.c.parent_id if "." in node[1] else table.c.id).in_(ids))


def _computed(app: AppGraph, node: Node) -> tuple[Table, ColumnElement]:
    """The table and the SQL of one stored computed value, built once per generation of the
    app: a stored formula never reads the clock (one over TODAY() is computed on read), so
    only the installation's zone can change what it compiles to."""
    key = (node, app_zone().key)
    if key not in app.computed:
        form, f = app.forms[node[0]], app.field(node)
        if "." in node[1]:  # a formula in the rows of a sub-form
            sub = form.by_id[node[1].split(".")[0]]
            table = storage.child_table(form.app.id, form.key, sub)
            app.computed[key] = table, formula_value(f, table, sub.fields or [], app)
        elif f.type == "formula":
            app.computed[key] = form.table, formula_value(f, form.table, form.definition.fields, app, form)
        else:
            app.computed[key] = form.table, rollups.subquery(form, app.sources[node], f, form.table.c.id)
    return app.computed[key]


def run(db: Connection, app: AppGraph, node: Node, ids: set[int] | None) -> None:
    if ids is None:
        db.execute(statement(app, node, None))
        return
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        db.execute(statement(app, node, set(ordered[start:start + CHUNK])))


def parents_before(db: Connection, app: AppGraph, form_key: str, ids: list[int]) -> dict[Node, set[int]]:
    """For each rollup over this form's records: the parents the records count in now
    (before a write that may move them elsewhere)."""
    return {node: set().union(*(rollups.parents_of(db, app.forms[node[0]], source, ids)
                                for source in app.sources_of(node) if source.child_key == form_key))
            for node in app.rollups_over(form_key)}


def after_write(db: Connection, app: AppGraph, form_key: str, ids: list[int],
                before: dict[Node, set[int]] | None = None, created: bool = False) -> None:
    """Recompute what the write of records ``ids`` of ``form_key`` may have changed.
    ``created``: new records get their own rollups too (a count of nothing is 0, not blank)."""
    dirty: Dirty = defaultdict(set)
    dirty[form_key].update(ids)
    before = before or {}
    for node in app.order:
        key, fid = node
        f = app.field(node)
        if "." in fid:
            targets = set(dirty.get(key, ())) | _linking(db, app, node, dirty)
            dirty[key] |= targets  # the records whose rows changed: their sums follow
        else:
            if f.type == "rollup" and node not in app.sources:
                continue
            # A formula, a rollup over rows or links of the record itself: the written records;
            # over other records (links, reverse relations): the parents they count in.
            targets = set(before.get(node, ()))
            if f.type == "formula" or app.sources[node].kind in ("subform", "to_many") or \
                    (created and key == form_key):
                targets |= dirty.get(key, set())
            for source in app.sources_of(node):
                children = sorted(dirty.get(source.child_key, ()))
                targets |= rollups.parents_of(db, app.forms[key], source, children)
            targets |= _linking(db, app, node, dirty)
            dirty[key] |= targets
        if targets:
            run(db, app, node, targets)


def _linking(db: Connection, app: AppGraph, node: Node, dirty: Dirty) -> set[int]:
    """The records whose formula ``node`` uses a lookup of a changed record: those that link
    to it (themselves, or through a sub-form row)."""
    found: set[int] = set()
    form = app.forms[node[0]]
    for target, relation, sub in app.lookups.get(node, []):
        changed = sorted(dirty.get(target, ()))
        if sub is None:
            table = form.table
            ids, column = table.c.id, table.c[storage.column_name(relation.id)]
        else:
            table = storage.child_table(form.app.id, form.key, form.by_id[sub])
            ids, column = table.c.parent_id, table.c[storage.column_name(relation.id)]
        for begin in range(0, len(changed), CHUNK):
            found.update(db.scalars(select(ids).where(column.in_(changed[begin:begin + CHUNK])).distinct()))
    return found


def recompute_all(db: Connection, app: AppGraph, changed: set[Node]) -> list[Node]:
    """Every row of the changed computed fields and of everything computed from them."""
    import networkx as nx

    todo = set(changed)
    for node in changed:
        todo |= nx.descendants(app.graph, node)
    done = [node for node in app.order if node in todo]
    for node in done:
        run(db, app, node, None)
    return done


def stored_values(db: Connection, form: Form, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The computed columns of some records, as stored (for the answer to a create)."""
    columns = [form.table.c[storage.column_name(f.id)] for f in form.definition.fields
               if f.type in ("formula", "rollup") and storage.has_column(f)]
    if not columns or not ids:
        return {}
    rows = db.execute(select(form.table.c.id, *columns).where(form.table.c.id.in_(ids)))
    return {row[0]: {c.name: value for c, value in zip(columns, row[1:], strict=True)} for row in rows}
