"""Values computed when records are read: lookups and formulas that use TODAY()/NOW().

A lookup is the linked record's current value, a scalar sub-query over the relation's
column: selected for a page of records in one query, and usable in filters and sorts
through the same sub-query, so it is always live. A formula over the clock is evaluated
in Python for each record returned (its inputs are stored columns); it has no column, so
filters and sorts on it are refused with a message that says why.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from brickwork.engines.form import storage
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.fieldtypes.computed import shape, volatile
from brickwork.engines.form.forms import Form
from brickwork.engines.form.formulas import infos, refs_of
from brickwork.engines.form.lookup_fields import Lookup
from brickwork.engines.form.recompute import formula_sql
from brickwork.platform.clock import app_zone, now
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.expression import Context, evaluate, parse
from brickwork.platform.expression.lists import AGGREGATES
from brickwork.platform.expression.sqlvalues import read_value
from brickwork.platform.i18n import _, pick


def aggregates_on_read(form: Form) -> bool:
    """Whether a formula over the clock also sums up rows or related records (computed in SQL)."""
    return any(volatile(f) and _aggregates(f) for f in form.definition.fields)


def _aggregates(f: FieldDef) -> bool:
    return any(node.get("fn") in AGGREGATES for node in _nodes(f.expression))


def _nodes(data: Any):
    if isinstance(data, dict):
        yield data
        for arg in data.get("args", []):
            yield from _nodes(arg)


def load(db: Connection, form: Form, found: dict[str, Lookup], rows: list[Any],
         forms: dict[str, Form] | None = None) -> dict[str, dict[int, Any]]:
    """API values of the lookups (one query) and clock formulas of some records; a clock
    formula that aggregates rows or related records is computed in SQL (one query each,
    with ``forms``, the app's forms), the others in Python."""
    values: dict[str, dict[int, Any]] = {}
    ids = [row.id for row in rows]
    if found and ids:
        plan = list(found.values())
        fetched = db.execute(select(form.table.c.id, *[lk.value for lk in plan]).where(form.table.c.id.in_(ids)))
        by_id = {row[0]: row[1:] for row in fetched}
        for i, lk in enumerate(plan):
            kind = REGISTRY[lk.target.type]
            values[lk.field.id] = {rid: kind.to_api(lk.target, kind.from_db(lk.target, raw[i]))
                                   for rid, raw in by_id.items()}
    clocked = [f for f in form.definition.fields if volatile(f)]
    if clocked and rows:
        known = infos(form.definition.fields)
        ctx = Context(now=now(), zone=app_zone())
        for f in clocked:
            if _aggregates(f):
                values[f.id] = _in_sql(db, form, f, forms or {}, [row.id for row in rows], ctx)
                continue
            node = parse(f.expression)
            needed = refs_of(f.expression)
            values[f.id] = {}
            for row in rows:
                record = {fid: REGISTRY[form.by_id[fid].type].from_db(
                    form.by_id[fid], getattr(row, storage.column_name(fid))) for fid in needed}
                values[f.id][row.id] = _api_value(f, evaluate(node, record, known, ctx))
    return values


def _in_sql(db: Connection, form: Form, f: FieldDef, forms: dict[str, Form], ids: list[int],
            ctx: Context) -> dict[int, Any]:
    value = formula_sql(f, form.table, form.definition.fields, forms, form, ctx)
    fetched = db.execute(select(form.table.c.id, value).where(form.table.c.id.in_(ids)))
    return {rid: _api_value(f, read_value(raw, f.result)) for rid, raw in fetched}


def _api_value(f: FieldDef, result: Any) -> Any:
    kind, plain = shape(f)
    if f.result == "number" and result is not None:
        scale = REGISTRY["formula"].value_scale(f)
        result = result.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    return kind.to_api(plain, result)


def refuse_clock_fields(form: Form, data: Any, what: str = "filter") -> None:
    """A formula over TODAY()/NOW() has no column: no filter or sort can use it."""
    for fid in sorted(refs_of(data)):
        f = form.by_id.get(fid)
        if f is not None and volatile(f):
            raise Invalid(_("The request is not valid."), errors=[FieldError(what, "computed_on_read", _(
                "%(name)s uses TODAY() or NOW(): it is computed when read, so it cannot be used to filter or "
                "sort. Compare the fields it uses with TODAY() instead.", name=pick(f.label)))])
