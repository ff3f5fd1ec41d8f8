"""Drill-through: the records behind a cell, as the filter the record list accepts, so the
table view shows exactly the records that were counted (and the row scope applies again
there). A drill-down is a plain query too: the cell's values become filters and the
dimension moves to its next level (engine-semantics §5.4)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from brickwork.engines.report.buckets import bucket_range, utc_bounds
from brickwork.engines.report.fields import SYSTEM, invalid
from brickwork.engines.report.model import Dimension, Query
from brickwork.platform.i18n import _

NEXT_GRAIN = {"year": "quarter", "quarter": "month", "month": "day"}
NEXT_LEVEL = {"province": "city", "city": "district"}
LITERAL = {"number": "number", "text": "text", "choice": "choice", "boolean": "boolean", "user": "user",
           "department": "department", "record": "record"}


def drill_through(query: Query, cell: dict[str, Any], types: dict[str, str]) -> dict[str, Any]:
    """``{"form", "filter", "owner"?, "department"?}``: the record list's filter for the
    records behind ``cell`` (dimension id → its value in the result). ``types``: each
    dimension field's type."""
    if query.source.subform:
        raise invalid("source", "subform", _("The rows of a sub-form have no record list to drill into."))
    parts = [query.filters] if query.filters is not None else []
    extra: dict[str, Any] = {}
    if query.date_range:
        r = query.date_range
        if r.from_:
            parts.append(_compare(">=", r.field, r.from_, types.get(r.field, "date")))
        if r.to:
            end = (date.fromisoformat(r.to) + timedelta(days=1)).isoformat()
            parts.append(_compare("<", r.field, end, types.get(r.field, "date")))
    for d in query.dimensions:
        if d.id not in cell:
            continue
        value = cell[d.id]
        if "." in d.field:
            raise invalid(f"cell.{d.id}", "linked", _(
                "The record list cannot filter on a linked record's field yet: drill down instead."))
        if d.field in SYSTEM:
            extra[d.field] = value  # the list's own parameters: no field of the form holds them
            continue
        parts.append(_condition(d, value, types.get(d.field, "text")))
    if query.members is not None:
        extra["owners"] = query.members
    if query.departments is not None:
        extra["departments"] = query.departments
    condition = parts[0] if len(parts) == 1 else {"fn": "AND", "args": parts} if parts else None
    return {"form": query.source.form, "filter": condition, **extra}


def _compare(op: str, field: str, day: str, type_: str) -> dict:
    if type_ == "datetime":
        moment = utc_bounds(date.fromisoformat(day), "datetime")
        return {"fn": op, "args": [{"ref": field}, {"lit": moment.isoformat() + "Z", "type": "datetime"}]}
    return {"fn": op, "args": [{"ref": field}, {"lit": day, "type": "date"}]}


def _condition(d: Dimension, value: Any, type_: str) -> dict:
    ref = {"ref": d.field}
    if value is None:
        return {"fn": "ISBLANK", "args": [ref]}  # BLANK is its own bucket
    if d.grain:
        start, end = bucket_range(str(value), d.grain)
        return {"fn": "AND", "args": [_compare(">=", d.field, start.isoformat(), type_),
                                      _compare("<", d.field, end.isoformat(), type_)]}
    if d.level:
        return {"fn": "STARTSWITH", "args": [ref, {"lit": _region_prefix(str(value), d.level), "type": "text"}]}
    return {"fn": "=", "args": [ref, {"lit": value, "type": LITERAL.get(type_, "text")}]}


def _region_prefix(code: str, level: str) -> str:
    """A region path starts with the province's code, then the city's: ``330000/330100``."""
    province = code[:2] + "0000"
    city = code[:4] + "00"
    return {"province": province, "city": f"{province}/{city}", "district": f"{province}/{city}/{code}"}[level]


def drill_down(query: Query, cell: dict[str, Any], types: dict[str, str]) -> Query:
    """The same query one level finer: the first dimension that has a finer level is
    filtered to the cell's value and replaced by the next level."""
    for i, d in enumerate(query.dimensions):
        finer = NEXT_GRAIN.get(d.grain or "") or NEXT_LEVEL.get(d.level or "")
        if finer and d.id in cell:
            condition = _condition(d, cell[d.id], types.get(d.field, "text"))
            filters = condition if query.filters is None else {"fn": "AND", "args": [query.filters, condition]}
            change = {"grain": finer} if d.grain else {"level": finer}
            dims = [*query.dimensions[:i], d.model_copy(update=change), *query.dimensions[i + 1:]]
            return query.model_copy(update={"filters": filters, "dimensions": dims})
    raise invalid("cell", "finest", _("This chart is already at its finest level."))
