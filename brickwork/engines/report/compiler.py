"""A report's query as ONE SQL statement: the viewer's row scope and the query's filters
in WHERE, dimensions in GROUP BY, measures as aggregates; calculated measures, ranks, the
sort and the top N in an outer SELECT over the grouped rows. Nothing is aggregated in
Python; the result is only reshaped and formatted (engine-semantics §5.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, and_, case, cast, distinct, func, literal, null, select

from brickwork.engines.form import storage
from brickwork.engines.form.records import RecordService
from brickwork.engines.report.buckets import bucket, region_level, utc_bounds
from brickwork.engines.report.fields import Fields, Resolved, invalid
from brickwork.engines.report.model import Measure, Query
from brickwork.platform.i18n import _

NUMERIC = ("number",)
ORDERABLE = ("number", "date", "datetime", "text", "choice", "user", "department", "record", "region")


@dataclass
class Column:
    """A column of the result: what it is and how its raw values read."""
    id: str
    role: str  # "dimension" | "measure" | "rank"
    type: str  # "bucket", "text", "number", "date", "user", ...
    scale: int = 0
    agg: str | None = None  # measures: their aggregate (which are additive, for subtotals)
    grain: str | None = None
    field: str | None = None
    options: list[str] | None = None  # a select field's options, in the builder's order


@dataclass
class Compiled:
    statement: Select
    columns: list[Column]
    resolved: dict[str, Resolved] = field(default_factory=dict)  # dimension id → its field


def compile_query(service: RecordService, query: Query) -> Compiled:
    service.grant.require("read")
    dialect = service.db.dialect.name
    fields, table, where = _source(service, query)
    dims, columns, resolved = [], [], {}
    for i, d in enumerate(query.dimensions):
        path = f"dimensions[{i}].field"
        r = fields.resolve(d.field, path)
        expr, type_ = r.column, r.type
        if d.grain:
            if r.type not in ("date", "datetime"):
                raise invalid(path, "grain", _("Only a date can be bucketed by %(grain)s.", grain=d.grain))
            expr, type_ = bucket(r.column, r.type, d.grain, dialect), "bucket"
        elif d.level:
            if r.type != "region":
                raise invalid(path, "level", _("Only a region has a %(level)s level.", level=d.level))
            expr = region_level(r.column, d.level)
        dims.append(expr.label(d.id))
        options = [o.id for o in r.field.options] if r.field is not None and r.field.options and not d.level else None
        columns.append(Column(d.id, "dimension", type_, r.scale, grain=d.grain, field=d.field, options=options))
        resolved[d.id] = r

    where += _controls(fields, query, dialect)
    period = _periods(fields, query)
    aggregates = []
    for i, m in enumerate(query.measures):
        if m.agg is None:
            continue
        expr, col = _aggregate(service, fields, m, f"measures[{i}]", period)
        aggregates.append(expr.label(m.id))
        columns.append(col)
    inner = select(*dims, *aggregates).select_from(_joined(table, fields)).where(*where)
    if dims:
        inner = inner.group_by(*[d.element for d in dims])
    grouped = inner.subquery("grouped")

    outer = [grouped.c[c.id] for c in columns]
    scales = {c.id: c.scale for c in columns if c.role == "measure"}
    for i, m in enumerate(query.measures):
        if m.calc is not None:
            outer.append(_calc(m.calc, grouped, scales, f"measures[{i}].calc").label(m.id))
            columns.append(Column(m.id, "measure", "ratio", agg="calc"))
    if query.rank:
        by = _by(grouped, outer, query.rank.by)
        outer.append(func.rank().over(order_by=by.desc().nulls_last()).label(query.rank.id))
        columns.append(Column(query.rank.id, "rank", "number"))
    statement = select(*outer)
    order = [(_by(grouped, outer, s.by).desc() if s.dir == "desc" else _by(grouped, outer, s.by).asc()).nulls_last()
             for s in query.sort]
    order += [grouped.c[c.id].asc().nulls_last() for c in columns if c.role == "dimension"]
    statement = statement.order_by(*order)
    if query.limit:
        statement = statement.limit(query.limit)
    # Columns in the order the query names them (dimensions, then measures as written).
    by_id = {c.id: c for c in columns}
    ordered = [by_id[d.id] for d in query.dimensions] + [by_id[m.id] for m in query.measures]
    ordered += [by_id[query.rank.id]] if query.rank else []
    statement = statement.with_only_columns(*[_find(outer, c.id) for c in ordered])
    return Compiled(statement, ordered, resolved)


def _find(outer: list[ColumnElement], name: str) -> ColumnElement:
    return next(c for c in outer if c.key == name or getattr(c, "name", None) == name)


def _by(grouped, outer: list[ColumnElement], name: str) -> ColumnElement:
    return grouped.c[name] if name in grouped.c else _find(outer, name)


def _source(service: RecordService, query: Query) -> tuple[Fields, Any, list[ColumnElement]]:
    """The rows a report reads and the conditions every one of them meets: the viewer's
    read scope (always), not in the recycle bin, the query's own filter."""
    t = service.table
    where = [service.grant.scope, t.c.deleted_at.is_(None)]
    if query.source.subform:
        f = service.form.by_key.get(query.source.subform)
        if f is None or f.type != "subform":
            raise invalid("source.subform", "unknown", _("The form has no sub-form %(name)s.",
                                                          name=query.source.subform))
        rows = storage.child_table(service.form.app.id, service.form.key, f)
        fields = Fields(service, rows, f)
        where.append(rows.c.parent_id == t.c.id)
    else:
        fields = Fields(service)
    if query.filters is not None:
        # Over the form's fields, by key or id; hidden fields refused (a filter could reveal them).
        where.append(service.compile_condition(query.filters, check_readable=True))
    return fields, t, where


def _joined(table, fields: Fields):
    source = table
    if fields.rows is not None:
        source = fields.rows.join(table, fields.rows.c.parent_id == table.c.id)
    for linked, on in fields.joins.values():
        source = source.outerjoin(linked, on)
    return source


def _controls(fields: Fields, query: Query, dialect: str) -> list[ColumnElement]:
    """The dashboard's controls: members, departments, and the date range (widened to the
    previous period when a measure compares against it)."""
    t = fields.service.table
    where = []
    if query.members is not None:
        where.append(t.c.owner_id.in_(query.members))
    if query.departments is not None:
        where.append(t.c.department_id.in_(query.departments))
    if query.date_range:
        r = fields.resolve(query.date_range.field, "date_range.field")
        if r.type not in ("date", "datetime"):
            raise invalid("date_range.field", "type", _("A date range needs a date field."))
        start, end = _range(query)
        if any(m.period == "previous" for m in query.measures) and start and end:
            start = start - (end - start)
        if start:
            where.append(r.column >= utc_bounds(start, r.type))
        if end:
            where.append(r.column < utc_bounds(end, r.type))
    return where


def _range(query: Query) -> tuple[date | None, date | None]:
    """``[from, to)`` in days; ``to`` as given is the last day included."""
    r = query.date_range
    start = date.fromisoformat(r.from_) if r.from_ else None
    end = date.fromisoformat(r.to) + timedelta(days=1) if r.to else None
    return start, end


def _periods(fields: Fields, query: Query) -> dict[str, ColumnElement] | None:
    """With a previous-period measure, each measure counts only its own period's rows."""
    if not any(m.period == "previous" for m in query.measures):
        return None
    r = fields.resolve(query.date_range.field, "date_range.field")
    start, end = _range(query)
    if not (start and end):
        raise invalid("date_range", "open", _("Comparing with the previous period needs a date range with both ends."))
    before = start - (end - start)
    return {"current": and_(r.column >= utc_bounds(start, r.type), r.column < utc_bounds(end, r.type)),
            "previous": and_(r.column >= utc_bounds(before, r.type), r.column < utc_bounds(start, r.type))}


def _aggregate(service: RecordService, fields: Fields, m: Measure, path: str,
               period: dict[str, ColumnElement] | None) -> tuple[ColumnElement, Column]:
    condition = None
    if m.filter is not None:
        condition = service.compile_condition(m.filter, check_readable=True)
    if period is not None:
        condition = period[m.period] if condition is None else and_(condition, period[m.period])
    if m.field is None:
        counted = literal(1) if condition is not None else None
        expr = func.count(case((condition, counted))) if condition is not None else func.count()
        return expr, Column(m.id, "measure", "number", agg=m.agg)
    r = fields.resolve(m.field, f"{path}.field")
    value = r.column if condition is None else case((condition, r.column), else_=null())
    if m.agg == "count":
        return func.count(value), Column(m.id, "measure", "number", agg=m.agg, field=m.field)
    if m.agg == "count_distinct":
        return func.count(distinct(value)), Column(m.id, "measure", "number", agg=m.agg, field=m.field)
    if m.agg in ("sum", "avg") and r.type not in NUMERIC:
        raise invalid(f"{path}.field", "type", _("%(agg)s needs a number field.", agg=m.agg))
    if r.type not in ORDERABLE:
        raise invalid(f"{path}.field", "type", _("%(agg)s needs a field with an order.", agg=m.agg))
    expr = getattr(func, m.agg)(value)
    if m.agg == "avg":
        expr = cast(expr, Float)  # PostgreSQL's numeric average as a float, like SQLite's
    return expr, Column(m.id, "measure", r.type if m.agg in ("min", "max") else "number", r.scale, m.agg, field=m.field)


OPERATORS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
             "/": lambda a, b: a / func.nullif(b, 0)}


def _calc(node: Any, grouped, scales: dict[str, int], path: str) -> ColumnElement:
    """Arithmetic over the grouped measures (by id), in floating point: a ratio, a
    conversion rate. Division by zero is BLANK, not an error."""
    if isinstance(node, dict) and set(node) == {"ref"}:
        if node["ref"] not in scales:
            raise invalid(path, "unknown", _("No measure %(name)s to calculate with.", name=str(node["ref"])))
        column = cast(grouped.c[node["ref"]], Float)
        return column / 10 ** scales[node["ref"]] if scales[node["ref"]] else column
    if isinstance(node, dict) and "lit" in node and isinstance(node["lit"], (int, float, str)):
        try:
            return literal(float(node["lit"]), Float)
        except ValueError:
            raise invalid(path, "type", _("Calculate with numbers only.")) from None
    if isinstance(node, dict) and node.get("fn") in OPERATORS and isinstance(node.get("args"), list) \
            and len(node["args"]) == 2:
        a, b = (_calc(arg, grouped, scales, f"{path}.args[{i}]") for i, arg in enumerate(node["args"]))
        return OPERATORS[node["fn"]](a, b)
    raise invalid(path, "calc", _("A calculation is +, -, * or / over measures and numbers."))
