"""Publishing a field as required onto a form with records: the records it would leave blank.

Every edit of such a record would be refused ("This is required."), so the publish report
counts them per newly required field (a new field without a default, or an existing one
turned required), and publishing is refused until a fill value is given for each such field;
the fill is written to those records through SQL in the publishing transaction and recorded
in the report, which the store's publish audit entry keeps (one entry for all of them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, column, func, or_, select, update
from sqlalchemy import table as sql_table
from sqlalchemy.engine import Connection

from brickwork.engines.form import storage
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY, FieldValueError
from brickwork.engines.form.fieldtypes.text import TextField
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _

DYNAMIC = ("$me", "$my_department", "$today", "$now")
DERIVED = ("formula", "rollup", "lookup")


def newly_required(before: dict[str, FieldDef], fields: list[FieldDef], converted: set[str]) -> list[FieldDef]:
    """Fields required now that were not (or were not there, or change type), and that hold a
    value of their own in a nullable column."""
    found = []
    for f in fields:
        if not f.required or f.type in DERIVED or REGISTRY[f.type].system or not storage.has_column(f):
            continue
        if not storage.field_column(f).nullable:
            continue  # a yes/no column always has a value
        old = before.get(f.id)
        if old is None or not old.required or f.id in converted:
            found.append(f)
    return found


def _blank(table, f: FieldDef):
    column = table.c[storage.column_name(f.id)]
    return or_(column.is_(None), column == "") if isinstance(REGISTRY[f.type], TextField) else column.is_(None)


def _static_default(f: FieldDef) -> bool:
    return f.default is not None and f.default not in DYNAMIC


def count_blank(conn: Connection, name: str, fields: list[FieldDef], old: dict[str, FieldDef],
                failed: dict[str, int]) -> dict[str, int]:
    """Field id → live records of table ``name`` that would have no value: all of them for a
    new field without a static default; else those blank today (``old``: the field as it is
    stored now, live or in the trash) plus the values a type change cannot convert."""
    counts = {}
    for f in fields:
        was = old.get(f.id)
        if was is None:
            rows = sql_table(name, column("deleted_at"))
            n = 0 if _static_default(f) else conn.scalar(
                select(func.count()).select_from(rows).where(rows.c.deleted_at.is_(None)))
        else:
            rows = sql_table(name, column("deleted_at"), column(storage.column_name(f.id)))
            n = conn.scalar(select(func.count()).select_from(rows).where(
                rows.c.deleted_at.is_(None), _blank(rows, was)))
            n += failed.get(f.id, 0)
        if n:
            counts[f.id] = n
    return counts


def parse_fills(fields: dict[str, FieldDef], blank: dict[str, int], fill: dict[str, Any] | None) -> dict[str, Any]:
    """The fill values given for the fields that need one, parsed (by field id or key), or
    ``Invalid`` naming each field still without a value and each value that does not fit."""
    given = {}
    by_key = {f.key: f.id for f in fields.values()}
    for name, value in (fill or {}).items():
        fid = name if name in fields else by_key.get(name)
        if fid is not None:
            given[fid] = value
    errors, parsed = [], {}
    for fid, n in blank.items():
        f = fields[fid]
        kind = REGISTRY[f.type]
        try:
            value = kind.parse(f, given.get(fid))
            if value is None:
                errors.append(FieldError(f.key, "required", _(
                    "%(n)s records have no value for this field, which is now required: give a value to fill in.",
                    n=n)))
                continue
            kind.check(f, value)
        except FieldValueError as exc:
            errors.append(FieldError(f.key, exc.code, exc.message))
            continue
        parsed[fid] = kind.to_db(f, value)
    if errors:
        raise Invalid(_("Records would be left without a value for a required field."), errors=errors)
    return parsed


def fill_blank(conn: Connection, table: Table, fields: dict[str, FieldDef], values: dict[str, Any]) -> dict[str, int]:
    """Write each fill value into the records (trashed ones too) where the field is blank."""
    done = {}
    for fid, value in values.items():
        f = fields[fid]
        result = conn.execute(update(table).where(_blank(table, f)).values({storage.column_name(fid): value}))
        done[fid] = result.rowcount
    return done
