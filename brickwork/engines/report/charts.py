"""The chart registry: each chart type says which dimensions and measures it takes and
shapes a query's result into its data (the browser only draws). Python here reshapes and
formats; it sums only additive measures (count, sum) for subtotals (engine-semantics §5.3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from brickwork.engines.report.buckets import every_bucket
from brickwork.engines.report.fields import invalid
from brickwork.engines.report.model import Query
from brickwork.platform.i18n import _

DASH = "—"  # a change or share that has no value (a previous period of 0)
OTHERS = "__others__"
ADDITIVE = ("count", "sum")


@dataclass(frozen=True)
class ChartType:
    name: str
    dimensions: tuple[int, int]  # at least, at most
    measures: tuple[int, int]
    shape: Callable[[Query, dict, dict], dict]
    time: bool = False  # its first dimension is a bucketed date


def number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def out(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _ids(query: Query) -> tuple[list[str], list[str]]:
    return [d.id for d in query.dimensions], [m.id for m in query.measures]


def change(current: Any, previous: Any) -> float | None:
    """(current − previous) / previous; None ("—") when previous is 0 or BLANK."""
    cur, prev = number(current), number(previous)
    if cur is None or prev is None or prev == 0:
        return None
    return float((cur - prev) / prev)


def kpi(query: Query, data: dict, options: dict) -> dict:
    dims, measures = _ids(query)
    row = data["rows"][0] if data["rows"] else {}
    value = row.get(measures[0])
    previous = row.get(measures[1]) if len(measures) > 1 else options.get("target")
    ratio = change(value, previous) if previous is not None else None
    return {"value": value, "previous": previous, "change": ratio,
            "change_text": DASH if ratio is None else f"{ratio * 100:+.1f}%"}


def series(query: Query, data: dict, options: dict) -> dict:
    """Bar, column, stacked, line, area: categories along the first dimension, one series
    per measure, or per value of the second dimension."""
    dims, measures = _ids(query)
    rows = data["rows"]
    categories = _distinct(row[dims[0]] for row in rows) if dims else [""]
    grain = query.dimensions[0].grain if dims else None
    if grain and options.get("fill", True) and categories and None not in categories:
        categories = every_bucket(categories[0], categories[-1], grain)
    elif dims and not query.sort:  # a select's values in the builder's order of its options
        categories = _in_option_order(categories, data, dims[0])
    aggs = {m.id: m.agg for m in query.measures}
    if len(dims) == 2:
        names = _distinct(row[dims[1]] for row in rows)
        cells = {(row[dims[0]], row[dims[1]]): row[measures[0]] for row in rows}
        lines = [{"name": name, "measure": measures[0],
                  "data": [cells.get((c, name), _missing(aggs[measures[0]])) for c in categories]} for name in names]
    else:
        by = {row[dims[0]] if dims else "": row for row in rows}
        lines = [{"name": m, "measure": m,
                  "data": [by[c][m] if c in by else _missing(aggs[m]) for c in categories]} for m in measures]
    if options.get("cumulative"):
        for line in lines:
            running, total = [], Decimal(0)
            for value in line["data"]:
                total += number(value) or 0
                running.append(out(total))
            line["data"] = running
    return {"categories": categories, "series": lines, "stacked": options.get("stacked", False)}


def _in_option_order(values: list, data: dict, column_id: str) -> list:
    order = next((c.get("options") for c in data["columns"] if c["id"] == column_id), None)
    if not order:
        return values
    rank = {option: i for i, option in enumerate(order)}
    return sorted(values, key=lambda v: rank.get(v, len(rank)))


def _missing(agg: str | None) -> Any:
    """A period with no records: 0 for a count or a sum, a gap for an average, min or max."""
    return 0 if agg in ADDITIVE else None


def _distinct(values) -> list:
    seen: dict = {}
    for value in values:
        seen.setdefault(value, None)
    return list(seen)


def pie(query: Query, data: dict, options: dict) -> dict:
    dims, measures = _ids(query)
    top = int(options.get("top", 8))
    slices = [{"name": row[dims[0]], "value": row[measures[0]]} for row in data["rows"]]
    if any((number(s["value"]) or 0) < 0 for s in slices):
        raise invalid("chart", "negative", _("A pie cannot show negative values."))
    slices.sort(key=lambda s: number(s["value"]) or 0, reverse=True)
    if len(slices) > top:
        rest = sum((number(s["value"]) or 0 for s in slices[top:]), Decimal(0))
        slices = [*slices[:top], {"name": OTHERS, "value": out(rest)}]
    return {"slices": slices, "donut": options.get("donut", False)}


def funnel(query: Query, data: dict, options: dict) -> dict:
    """Stages: the dimension's values in the order given (``options.stages``: a select
    field's options), or the measures in turn. Each stage: value, % of the first, % of the
    previous; after a stage of 0 the percentages are "—"."""
    dims, measures = _ids(query)
    if dims:
        by = {row[dims[0]]: row[measures[0]] for row in data["rows"]}
        order = options.get("stages") or data["columns"][0].get("options") or list(by)
        stages = [(name, by.get(name, 0)) for name in order]
    else:
        row = data["rows"][0] if data["rows"] else {}
        stages = [(m, row.get(m, 0)) for m in measures]
    first = number(stages[0][1]) if stages else None
    shaped, previous, dead = [], None, not first
    for name, value in stages:
        v = number(value) or Decimal(0)
        shaped.append({"name": name, "value": value,
                       "of_first": None if dead else float(v / first),
                       "of_previous": None if dead or previous is None else float(v / previous)})
        previous, dead = v, dead or v == 0
    return {"stages": shaped}


def table(query: Query, data: dict, options: dict) -> dict:
    return {"columns": data["columns"], "rows": data["rows"]}


def pivot(query: Query, data: dict, options: dict) -> dict:
    """Rows × columns × measures, with a subtotal per row, per column and in all: summed
    only for count and sum; other aggregates' subtotals are left out (BLANK) because
    summing an average or a distinct count gives a wrong number."""
    dims, measures = _ids(query)
    aggs = {m.id: m.agg for m in query.measures}
    row_dim, col_dim = dims[0], dims[1] if len(dims) > 1 else None
    rows = _distinct(r[row_dim] for r in data["rows"])
    cols = _distinct(r[col_dim] for r in data["rows"]) if col_dim else []
    cells: dict = {}
    for r in data["rows"]:
        cells[(r[row_dim], r[col_dim] if col_dim else None)] = {m: r[m] for m in measures}

    def total(keys) -> dict:
        found = [cells[k] for k in keys if k in cells]
        return {m: out(sum((number(c[m]) or 0 for c in found), Decimal(0))) if aggs[m] in ADDITIVE else None
                for m in measures}

    col_keys = cols or [None]
    return {"rows": rows, "columns": cols, "measures": measures,
            "cells": [[cells.get((r, c)) for c in col_keys] for r in rows],
            "row_totals": [total([(r, c) for c in col_keys]) for r in rows],
            "column_totals": [total([(r, c) for r in rows]) for c in col_keys],
            "total": total([(r, c) for r in rows for c in col_keys])}


def leaderboard(query: Query, data: dict, options: dict) -> dict:
    dims, measures = _ids(query)
    rank = query.rank.id if query.rank else None
    return {"items": [{"rank": row.get(rank) if rank else i + 1, "name": row[dims[0]], "value": row[measures[0]]}
                      for i, row in enumerate(data["rows"])]}


def gauge(query: Query, data: dict, options: dict) -> dict:
    _dims, measures = _ids(query)
    row = data["rows"][0] if data["rows"] else {}
    return {"value": row.get(measures[0]), "min": options.get("min", 0), "max": options.get("max", 100),
            "target": options.get("target")}


def scatter(query: Query, data: dict, options: dict) -> dict:
    dims, measures = _ids(query)
    return {"x": measures[0], "y": measures[1],
            "points": [{"name": row[dims[0]] if dims else None, "x": row[measures[0]], "y": row[measures[1]]}
                       for row in data["rows"]]}


def region_map(query: Query, data: dict, options: dict) -> dict:
    dims, measures = _ids(query)
    if query.dimensions[0].level not in (None, "province"):
        raise invalid("chart", "level", _("A map by province needs the region's province level."))
    return {"regions": [{"code": row[dims[0]], "value": row[measures[0]]} for row in data["rows"]]}


CHARTS: dict[str, ChartType] = {c.name: c for c in (
    ChartType("kpi", (0, 0), (1, 2), kpi),
    ChartType("bar", (1, 2), (1, 10), series),
    ChartType("column", (1, 2), (1, 10), series),
    ChartType("stacked", (2, 2), (1, 1), series),
    ChartType("line", (1, 2), (1, 10), series, time=True),
    ChartType("area", (1, 2), (1, 10), series, time=True),
    ChartType("pie", (1, 1), (1, 1), pie),
    ChartType("donut", (1, 1), (1, 1), pie),
    ChartType("funnel", (0, 1), (1, 10), funnel),
    ChartType("table", (0, 4), (1, 20), table),
    ChartType("pivot", (1, 2), (1, 10), pivot),
    ChartType("leaderboard", (1, 1), (1, 1), leaderboard),
    ChartType("gauge", (0, 0), (1, 1), gauge),
    ChartType("scatter", (0, 1), (2, 2), scatter),
    ChartType("map", (1, 1), (1, 1), region_map),
)}


def check_chart(kind: str, query: Query) -> None:
    """Whether the query has the shape the chart takes (a 422 naming what is wrong)."""
    chart = CHARTS[kind]
    dims, measures = len(query.dimensions), len(query.measures)
    if not chart.dimensions[0] <= dims <= chart.dimensions[1]:
        raise invalid("query.dimensions", "chart", _("A %(chart)s chart takes %(low)s to %(high)s dimensions.",
                                                     chart=kind, low=chart.dimensions[0], high=chart.dimensions[1]))
    if not chart.measures[0] <= measures <= chart.measures[1]:
        raise invalid("query.measures", "chart", _("A %(chart)s chart takes %(low)s to %(high)s measures.",
                                                   chart=kind, low=chart.measures[0], high=chart.measures[1]))
    if chart.time and not query.dimensions[0].grain:
        raise invalid("query.dimensions[0]", "chart", _("A %(chart)s chart needs a date with a grain first.",
                                                        chart=kind))


def shape(kind: str, query: Query, data: dict, options: dict) -> dict:
    check_chart(kind, query)
    try:
        return {"type": kind, **CHARTS[kind].shape(query, data, options)}
    except (ValueError, TypeError, ArithmeticError):  # options of the wrong kind: {"top": "x"}
        raise invalid("chart.options", "invalid", _("The chart's options are not valid.")) from None
