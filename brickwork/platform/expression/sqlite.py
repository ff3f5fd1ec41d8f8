"""Functions registered on every SQLite connection (``db._sqlite_pragmas``): what SQLite
lacks and PostgreSQL has, done by the same Python the evaluator uses.

``bw_fn(name, types, result, zone, *args)`` runs any function of the language: SQLite has
no decimal numbers, no time zones and ASCII-only case mapping, so formulas there run the
registry's Python implementation on values passed as text (sqlvalues)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from brickwork.platform.expression.values import Context, lower, midnight

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BIGINT = 2**63 - 1


def bw_lower(text: str | None) -> str | None:
    """SQLite's lower() only knows ASCII: lower('ÄÖ') is 'ÄÖ' there."""
    return None if text is None else lower(text)


def bw_local_midnight(day: str | None, zone: str | None) -> str | None:
    """00:00 of a stored date in the app time zone, as SQLAlchemy stores a UTC datetime on
    SQLite ('YYYY-MM-DD HH:MM:SS.ffffff'), so the two compare as text correctly."""
    if day is None or zone is None:
        return None
    return _stored_datetime(midnight(date.fromisoformat(day), ZoneInfo(zone)))


def bw_num(raw: int | None, scale: int) -> str | None:
    """A number column's integer as the decimal text formulas pass around."""
    return None if raw is None else format(Decimal(int(raw)).scaleb(-scale), "f")


def bw_scaled(value: Any, scale: int) -> int | None:
    """A number (decimal text, or an integer) as a number column holds it: value * 10**scale,
    rounded half away from zero as Decimal does; beyond BIGINT → NULL (form engine's
    stored formulas and rollups)."""
    if value is None or value == "":
        return None
    scaled = Decimal(str(value)).scaleb(int(scale)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(scaled) if abs(scaled) <= BIGINT else None


def bw_ratio(total: Any, count: Any, from_scale: int, to_scale: int) -> int | None:
    """An average of a number column's integers (sum / count), exactly, as bw_scaled rounds."""
    if total is None or not count:
        return None
    return bw_scaled(Decimal(int(total)).scaleb(-int(from_scale)) / Decimal(int(count)), to_scale)


def _stored_datetime(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def decode(raw: Any, type_: str) -> Any:
    """A value as SQLite passes it to a function → the Python value of the language."""
    if type_ == "boolean":
        return bool(raw)
    if raw is None or raw == "":
        return None
    if type_ == "number":
        return Decimal(str(raw))
    if type_ == "date":
        return date.fromisoformat(raw)
    if type_ == "datetime":
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    if type_ == "choices":
        return json.loads(raw) or None
    return raw


def encode(value: Any, type_: str) -> Any:
    if value is None:
        return 0 if type_ == "boolean" else None
    if type_ == "boolean":
        return 1 if value else 0
    if type_ == "number":
        return format(value, "f")
    if type_ == "datetime":
        return _stored_datetime(value)
    if type_ == "date":
        return value.isoformat()
    return value


@cache
def _context(zone: str) -> Context:
    return Context(now=EPOCH, zone=ZoneInfo(zone))  # "now" is never needed: TODAY() is bound


def bw_fn(name: str, types: str, result: str, zone: str, *args: Any) -> Any:
    from brickwork.platform.expression.registry import FUNCTIONS, call

    kinds = types.split(",") if types else []
    values = [decode(raw, kind) for raw, kind in zip(args, kinds, strict=True)]
    return encode(call(FUNCTIONS[name], values, kinds, result, _context(zone)), result)


@lru_cache(maxsize=512)
def _spec(text: str) -> dict:
    return json.loads(text)


def bw_tree(*args: Any) -> Any:
    """A whole formula (sqlvalues._tree): ``bw_tree(leaf0, leaf1, …, spec, zone)``. Each
    function's value is handed on exactly as bw_fn would hand it on through SQL."""
    from brickwork.platform.expression.registry import FUNCTIONS, call

    *leaves, spec, zone = args
    ctx = _context(zone)

    def run(node: dict) -> Any:
        values = [decode(leaves[arg], kind) if isinstance(arg, int) else decode(encode(run(arg), kind), kind)
                  for arg, kind in zip(node["args"], node["types"], strict=True)]
        return call(FUNCTIONS[node["fn"]], values, node["types"], node["result"], ctx)

    top = _spec(spec)
    return encode(run(top), top["result"])


def register(dbapi_conn) -> None:
    dbapi_conn.create_function("bw_lower", 1, bw_lower, deterministic=True)
    dbapi_conn.create_function("bw_local_midnight", 2, bw_local_midnight, deterministic=True)
    dbapi_conn.create_function("bw_num", 2, bw_num, deterministic=True)
    dbapi_conn.create_function("bw_fn", -1, bw_fn, deterministic=True)
    dbapi_conn.create_function("bw_tree", -1, bw_tree, deterministic=True)
    dbapi_conn.create_function("bw_scaled", 2, bw_scaled, deterministic=True)
    dbapi_conn.create_function("bw_ratio", 4, bw_ratio, deterministic=True)
