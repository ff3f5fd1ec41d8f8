"""Sub-form rows: parsed and checked like records (errors at ``lines[2].qty``), read for a
page of records in one query per sub-form, and written as the list the caller sent: rows
with a known ``id`` are changed, rows without one are added, rows left out are removed."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from brickwork.engines.form import storage
from brickwork.engines.form.definition import FieldDef, FormDefinition
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.forms import Form
from brickwork.engines.form.lookup_fields import lookups_over
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _, ngettext

Rows = list[dict[str, Any]]  # each: {"id": int | None, child field id: logical value}


def subforms(form: Form) -> list[FieldDef]:
    return [f for f in form.definition.fields if f.type == "subform"]


def child_form(form: Form, field: FieldDef) -> Form:
    """A sub-form's rows seen as a form of their own, for the checks records get."""
    definition = FormDefinition.model_construct(key=form.key, label=field.label, fields=field.fields or [],
                                                sections=[], layout=[], trash=[], backups=[], permissions=[])
    return Form(form.app, form.key, form.version, definition)


def to_logical(field: FieldDef, api_rows: list[dict[str, Any]]) -> Rows:
    """Stored rows as logical values (lookups are read live, never stored: left out)."""
    return [{"id": row["id"], **{f.id: REGISTRY[f.type].parse(f, row.get(f.key)) for f in field.fields or []
                                 if storage.has_column(f)}}
            for row in api_rows]


def merge(field: FieldDef, rows: Rows, stored: Rows) -> Rows:
    """A kept row sent with only some values keeps its other values as stored."""
    by_id = {row["id"]: row for row in stored}
    for row in rows:
        old = by_id.get(row.get("id"))
        if old is not None:
            for f in field.fields or []:
                row.setdefault(f.id, old.get(f.id))
    return rows


def check_rows(field: FieldDef, rows: Rows, errors: list[FieldError], prefix: str) -> None:
    """Rules over whole rows, once defaults and stored values are in: required, counts, repeats."""
    if field.min_rows and len(rows) < field.min_rows:
        errors.append(FieldError(prefix + field.key, "min_rows", ngettext(
            "Add at least %(num)s row.", "Add at least %(num)s rows.", field.min_rows)))
    if field.max_rows and len(rows) > field.max_rows:
        errors.append(FieldError(prefix + field.key, "max_rows", ngettext(
            "Keep at most %(num)s row.", "Keep at most %(num)s rows.", field.max_rows)))
    wrong = {e.field for e in errors}
    for index, row in enumerate(rows):
        for f in field.fields or []:
            at = f"{prefix}{field.key}[{index}].{f.key}"
            if f.required and row.get(f.id) is None and at not in wrong:
                errors.append(FieldError(at, "required", _("This is required.")))
    _check_repeats(field, rows, errors, prefix)


def _check_repeats(field: FieldDef, rows: Rows, errors: list[FieldError], prefix: str) -> None:
    """``unique`` on a child field: no two rows of one record share a value."""
    for f in field.fields or []:
        if not f.unique:
            continue
        seen: set[Any] = set()
        for index, row in enumerate(rows):
            value = row.get(f.id)
            if value is None:
                continue
            marker = value.lower() if isinstance(value, str) else value
            if marker in seen:
                errors.append(FieldError(f"{prefix}{field.key}[{index}].{f.key}", "duplicate",
                                         _("Another row has this value already.")))
            seen.add(marker)


def with_defaults(field: FieldDef, rows: Rows, default) -> Rows:
    """New rows get their fields' defaults where the caller gave no value."""
    for row in rows:
        if row.get("id") is None:
            for f in field.fields or []:
                if f.id not in row:
                    row[f.id] = default(f)
    return rows


def load_rows(db: Connection, form: Form, ids: list[int], forms: dict[str, Form] | None = None,
              scope_of=None) -> dict[str, dict[int, list[dict[str, Any]]]]:
    """The API rows of each sub-form of some records, in order: one query per sub-form.
    With the app's ``forms``, the rows' lookups too (sub-queries in that one query), each
    within ``scope_of`` (the caller's read scope per form key, see lookup_fields.lookups_over)."""
    found: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for field in subforms(form):
        table = storage.child_table(form.app.id, form.key, field)
        by_parent: dict[int, list[dict[str, Any]]] = defaultdict(list)
        if ids:
            plan = [(f, f, REGISTRY[f.type], table.c[storage.column_name(f.id)])
                    for f in field.fields or [] if storage.has_column(f)]
            if forms is not None:
                plan += [(lk.field, lk.target, REGISTRY[lk.target.type], lk.value.label(f"lk_{fid}"))
                         for fid, lk in lookups_over(forms, field.fields or [], table, scope_of).items()]
            query = select(table, *[column for _f, _t, _k, column in plan if column.name not in table.c])
            for row in db.execute(query.where(table.c.parent_id.in_(ids))
                                  .order_by(table.c.parent_id, table.c.position, table.c.id)):
                by_parent[row.parent_id].append(
                    {"id": row.id, **{f.key: kind.to_api(shown, kind.from_db(shown, row._mapping[column]))
                                      for f, shown, kind, column in plan}})
        found[field.id] = by_parent
    return found


def has_row_lookups(form: Form) -> bool:
    return any(c.type == "lookup" for f in subforms(form) for c in f.fields or [])


def write_rows(db: Connection, form: Form, records: list[tuple[int, dict[str, Any]]]) -> None:
    """Make each record's rows what was sent (for the sub-forms in its values)."""
    for field in subforms(form):
        given = [(rid, values[field.id] or []) for rid, values in records if field.id in values]
        if not given:
            continue
        table = storage.child_table(form.app.id, form.key, field)
        existing: dict[int, int] = dict(db.execute(
            select(table.c.id, table.c.parent_id).where(table.c.parent_id.in_([rid for rid, _r in given]))).all())
        added, changed, kept = [], [], set()
        for rid, rows in given:
            for position, row in enumerate(rows):
                columns = {storage.column_name(f.id): REGISTRY[f.type].to_db(f, row.get(f.id))
                           for f in field.fields or [] if f.id in row and storage.has_column(f)}
                if row.get("id") is None:
                    added.append({"parent_id": rid, "position": position, **columns})
                elif existing.get(row["id"]) == rid:
                    kept.add(row["id"])
                    changed.append({"rid": row["id"], "position": position, **columns})
                else:
                    raise Invalid(_("The record is not valid."), errors=[FieldError(
                        f"{field.key}[{position}].id", "unknown", _("This record has no row %(id)s.", id=row["id"]))])
        gone = [i for i, parent in existing.items() if parent in {rid for rid, _r in given} and i not in kept]
        if gone:
            db.execute(delete(table).where(table.c.id.in_(gone)))
        for row in changed:  # rows may set different columns, so one statement each
            row_id = row.pop("rid")
            db.execute(update(table).where(table.c.id == row_id).values(**row))
        if added:
            db.execute(insert(table), added)
