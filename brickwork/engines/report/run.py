"""Running a report: its one statement, then the raw values made what the API shows
(exact decimals as strings, dates as ISO text). Nothing here aggregates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from brickwork.engines.form.records import RecordService
from brickwork.engines.report.compiler import Column, Compiled, compile_query
from brickwork.engines.report.model import Query
from brickwork.platform.identity.users import shown_name
from brickwork.platform.models import Department, User


def run_query(service: RecordService, query: Query) -> dict[str, Any]:
    compiled = compile_query(service, query)
    rows = service.db.execute(compiled.statement).all()
    return with_names(service, result(compiled, rows))


def with_names(service: RecordService, data: dict[str, Any]) -> dict[str, Any]:
    """Names beside the ids of member and department dimensions (``names``: column id →
    {id: name}), read in one query per kind, so a chart can label its bars."""
    names: dict[str, dict[int, str]] = {}
    for column in data["columns"]:
        if column["role"] != "dimension" or column["type"] not in ("user", "department"):
            continue
        ids = {row[column["id"]] for row in data["rows"]} - {None}
        if not ids:
            continue
        if column["type"] == "user":
            found = service.session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(ids)))
            names[column["id"]] = {row.id: shown_name(row.display_name, row.username) for row in found}
        else:
            found = service.session.execute(select(Department.id, Department.name).where(Department.id.in_(ids)))
            names[column["id"]] = {row.id: row.name for row in found}
    return {**data, "names": names} if names else data


def result(compiled: Compiled, rows) -> dict[str, Any]:
    columns = compiled.columns
    return {"columns": [describe(c) for c in columns],
            "rows": [{c.id: plain(c, raw) for c, raw in zip(columns, row, strict=True)} for row in rows]}


def describe(c: Column) -> dict[str, Any]:
    out = {"id": c.id, "role": c.role, "type": c.type}
    for name in ("agg", "grain", "field", "options"):
        if getattr(c, name):
            out[name] = getattr(c, name)
    return out


def plain(c: Column, raw: Any) -> Any:
    if raw is None:
        return None
    if c.type == "ratio":
        return float(raw)
    if c.role == "measure" and c.agg == "avg":
        return str(Decimal(repr(float(raw))).scaleb(-c.scale).quantize(Decimal(1).scaleb(-(c.scale + 2))))
    if c.type == "number" and c.role != "rank":
        return str(Decimal(int(raw)).scaleb(-c.scale)) if c.scale else int(raw)
    if isinstance(raw, datetime):
        return raw.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, Decimal):
        return int(raw) if raw == raw.to_integral_value() else str(raw)
    return raw
