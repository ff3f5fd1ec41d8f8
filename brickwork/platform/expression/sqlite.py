"""Functions registered on every SQLite connection (``db._sqlite_pragmas``): what SQLite
lacks and PostgreSQL has, done by the same Python the evaluator uses."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from brickwork.platform.expression.values import lower, midnight


def bw_lower(text: str | None) -> str | None:
    """SQLite's lower() only knows ASCII: lower('ÄÖ') is 'ÄÖ' there."""
    return None if text is None else lower(text)


def bw_local_midnight(day: str | None, zone: str | None) -> str | None:
    """00:00 of a stored date in the app time zone, as SQLAlchemy stores a UTC datetime on
    SQLite ('YYYY-MM-DD HH:MM:SS.ffffff'), so the two compare as text correctly."""
    if day is None or zone is None:
        return None
    instant = midnight(date.fromisoformat(day), ZoneInfo(zone))
    return instant.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def register(dbapi_conn) -> None:
    dbapi_conn.create_function("bw_lower", 1, bw_lower, deterministic=True)
    dbapi_conn.create_function("bw_local_midnight", 2, bw_local_midnight, deterministic=True)
