"""The indexes reports read through (decision 0048). On SQLite a report's GROUP BY scans
the whole table and sorts it; an index holding every column the report reads (its
dimensions, measured fields and filters) is read alone, in group order, at about a
quarter of the time (docs/PERFORMANCE.md, Reports). They are derived indexes like the
views' (form/derived_indexes.py), made when a report is published and kept by every sync.

PostgreSQL is left as it is: its planner scans the table for a whole-table aggregate
whatever index there is, so such an index would only cost writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from brickwork.engines.form import derived_indexes
from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.formulas import refs_of
from brickwork.platform.errors import BrickworkError
from brickwork.platform.models import App, Definition

MAX_PER_FORM = 4  # each index costs every write of the form: the first reports' shapes only


def report_shapes(conn: Connection, app_id: int, form_key: str,
                  definition: FormDefinition) -> list[derived_indexes.Shape]:
    """The shapes the app's live reports on ``form_key`` want, in the builder's key order."""
    if conn.dialect.name != "sqlite":
        return []
    shapes: list[derived_indexes.Shape] = []
    for body in _live_reports(conn, app_id):
        query = body.get("query") or {}
        source = query.get("source") or {}
        if source.get("form") != form_key or source.get("subform"):
            continue
        shape = derived_indexes.covering_shape(definition, _keys(query))
        if shape is not None:
            shapes.append(shape)
    return _widest(shapes)[:MAX_PER_FORM]


def _widest(shapes: list[derived_indexes.Shape]) -> list[derived_indexes.Shape]:
    """Without the shapes another one starts with: (stage, amount) is served by (stage,
    amount, owner), which covers it, in the same order."""
    def serves(wide, narrow) -> bool:
        return len(wide) > len(narrow) and wide[:len(narrow) - 1] == narrow[:-1]  # both end in deleted_at

    kept: list[derived_indexes.Shape] = []
    for shape in shapes:
        if shape not in kept and not any(serves(other, shape) for other in shapes):
            kept.append(shape)
    return kept


def sync_after_publish(session: Session, app: App, _key: str, body: dict) -> None:
    """The report kind's ``published`` step: the indexes of the report's form again."""
    form_key = ((body.get("query") or {}).get("source") or {}).get("form")
    if not form_key:
        return
    try:
        form = load_form(session, app.key, form_key)
    except BrickworkError:
        return  # the form is not live (yet): its own publication syncs
    derived_indexes.sync(session.connection(), app.id, form.key, form.definition)


def _keys(query: dict[str, Any]) -> Iterator[str]:
    """Every field key the query reads: dimensions first (the index's order serves the GROUP
    BY), then what the measures aggregate, then what filters and the date range compare."""
    yield from (d.get("field") for d in query.get("dimensions") or [])
    measures = query.get("measures") or []
    yield from (m["field"] for m in measures if m.get("field"))
    yield from sorted(refs_of([query.get("filters"), [m.get("filter") for m in measures]]))
    if (query.get("date_range") or {}).get("field"):
        yield query["date_range"]["field"]


def _live_reports(conn: Connection, app_id: int) -> list[dict[str, Any]]:
    d = Definition.__table__
    newest = (select(d.c.key, func.max(d.c.version).label("version"))
              .where(d.c.app_id == app_id, d.c.kind == "report", d.c.state == "published")
              .group_by(d.c.key).subquery())
    return list(conn.execute(select(d.c.body).join(newest, (d.c.key == newest.c.key) & (
        d.c.version == newest.c.version)).where(d.c.app_id == app_id, d.c.kind == "report")
        .order_by(d.c.key)).scalars())


derived_indexes.SOURCES.append(report_shapes)
