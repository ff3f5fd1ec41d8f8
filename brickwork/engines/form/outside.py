"""Values kept outside a record's row: links to many (junction tables) and sub-form rows
(child tables). Read for a page of records at once, checked with the record, written
after its row. The record service and listing use this module, not the two behind it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from brickwork.engines.form import relations, subforms
from brickwork.engines.form.forms import Form
from brickwork.engines.form.values import check_references
from brickwork.platform.errors import FieldError

Values = dict[str, dict[int, Any]]  # field id → record id → API value


def present(form: Form) -> bool:
    return bool(relations.to_many(form) or subforms.subforms(form))


def load(db: Connection, form: Form, ids: list[int], forms: dict[str, Form] | None = None,
         scope_of=None) -> Values:
    """``forms``: the app's, for lookups in sub-form rows; ``scope_of``: the caller's read
    scope per form key, which those lookups read within."""
    if not present(form):
        return {}
    return {**relations.load_links(db, form, ids), **subforms.load_rows(db, form, ids, forms, scope_of)}


def check(session: Session, form: Form, records: list[dict[str, Any]], errors: list[FieldError],
          prefixes: list[str], reach: relations.Reach, current: dict[str, Any] | None = None) -> None:
    """Links must reach live records the caller may read (``reach``); sub-form rows'
    references are checked like a record's. ``current``: the record's values before an update,
    whose links stay valid."""
    db = session.connection()
    relations.check_targets(db, form, records, errors, prefixes, reach, _kept(relations.relations(form), [current]))
    for field in subforms.subforms(form):
        child = subforms.child_form(form, field)
        rows, at = [], []
        for values, prefix in zip(records, prefixes, strict=True):
            for index, row in enumerate(values.get(field.id) or []):
                rows.append({k: v for k, v in row.items() if k != "id"})
                at.append(f"{prefix}{field.key}[{index}].")
        if rows:
            check_references(session, child, rows, errors, at)
            kept = _kept(relations.relations(child), (current or {}).get(field.id) or [])
            relations.check_targets(db, child, rows, errors, at, reach, kept)


def _kept(fields, records) -> dict[str, set[int]]:
    """The ids each relation links to in some stored values (a record, or a sub-form's rows)."""
    kept: dict[str, set[int]] = {}
    for f in fields:
        for values in records:
            value = (values or {}).get(f.id)
            kept.setdefault(f.id, set()).update(value if isinstance(value, list) else [] if value is None else [value])
    return kept


def write(db: Connection, form: Form, records: list[tuple[int, dict[str, Any]]]) -> None:
    if present(form):
        relations.write_links(db, form, records)
        subforms.write_rows(db, form, records)
