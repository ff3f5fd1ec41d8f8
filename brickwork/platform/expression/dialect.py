"""The few SQL constructs that differ between SQLite and PostgreSQL. Each is one element
compiled per dialect, so one expression object runs on both; any other dialect fails
loudly instead of answering differently."""

from __future__ import annotations

from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class _Portable(FunctionElement):
    inherit_cache = True


class code_point(_Portable):  # noqa: N801 - reads like the SQL it stands for
    """Text ordered by code point. SQLite's BINARY collation on UTF-8 already is; PostgreSQL
    would use the database's locale."""

    inherit_cache = True
    type = String()


class fold_case(_Portable):  # noqa: N801
    """Lower case for non-ASCII too: SQLite's lower() only knows ASCII, so we register Python's
    (``bw_lower``); PostgreSQL's ICU lower() does the same full mapping as Python, whatever
    the database's own locale is."""

    inherit_cache = True
    type = String()


class like_needle(_Portable):  # noqa: N801
    """A text as a LIKE pattern that matches it literally, case folded as fold_case does
    (BLANK is ""): one element, so a deep formula stays shallow for SQLAlchemy's compiler."""

    inherit_cache = True
    type = String()


class local_midnight(_Portable):  # noqa: N801
    """A date column as the UTC instant of 00:00 that day in the app time zone (naive, as
    datetimes are stored). Args: date, zone name."""

    inherit_cache = True
    type = DateTime()


class json_has(_Portable):  # noqa: N801
    """A JSON array column contains a string. Args: column, string. Two-valued."""

    inherit_cache = True
    type = Boolean()


class json_blank(_Portable):  # noqa: N801
    """A JSON array column holds no element: SQL NULL, JSON null or []. Two-valued."""

    inherit_cache = True
    type = Boolean()


def _args(element, compiler, **kw) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses.clauses]


_SQLITE = {}


def _sqlite(cls):
    """Register the SQLite form; it is also what str(query) shows in logs."""
    def register(compile_fn):
        _SQLITE[cls] = compile_fn
        return compiles(cls, "sqlite")(compile_fn)
    return register


@compiles(_Portable)
def _other_dialects(element, compiler, **kw):
    if compiler.dialect.name != "default":
        raise CompileError(f"expressions support SQLite and PostgreSQL, not {compiler.dialect.name}")
    return _SQLITE[type(element)](element, compiler, **kw)


@_sqlite(code_point)
def _code_point_sqlite(element, compiler, **kw):
    return _args(element, compiler, **kw)[0]


@compiles(code_point, "postgresql")
def _code_point_pg(element, compiler, **kw):
    return '(%s) COLLATE "C"' % _args(element, compiler, **kw)[0]


@_sqlite(fold_case)
def _fold_case_sqlite(element, compiler, **kw):
    return "bw_lower(%s)" % _args(element, compiler, **kw)[0]


@compiles(fold_case, "postgresql")
def _fold_case_pg(element, compiler, **kw):
    return 'lower(CAST(%s AS TEXT) COLLATE "und-x-icu")' % _args(element, compiler, **kw)[0]


def _escaped(text: str, compiler) -> str:
    pct = "%%" if compiler.dialect.paramstyle in ("format", "pyformat") else "%"
    return (f"replace(replace(replace(coalesce({text}, ''), '\\', '\\\\'), '{pct}', '\\{pct}'), "
            "'_', '\\_')")


@_sqlite(like_needle)
def _like_needle_sqlite(element, compiler, **kw):
    return _escaped("bw_lower(%s)" % _args(element, compiler, **kw)[0], compiler)


@compiles(like_needle, "postgresql")
def _like_needle_pg(element, compiler, **kw):
    return _escaped('lower(CAST(%s AS TEXT) COLLATE "und-x-icu")' % _args(element, compiler, **kw)[0], compiler)


@_sqlite(local_midnight)
def _local_midnight_sqlite(element, compiler, **kw):
    return "bw_local_midnight(%s, %s)" % tuple(_args(element, compiler, **kw))


@compiles(local_midnight, "postgresql")
def _local_midnight_pg(element, compiler, **kw):
    day, zone = _args(element, compiler, **kw)
    return f"timezone('UTC', timezone(CAST({zone} AS TEXT), CAST({day} AS TIMESTAMP)))"


@_sqlite(json_has)
def _json_has_sqlite(element, compiler, **kw):
    return "EXISTS (SELECT 1 FROM json_each(%s) AS e WHERE e.value = %s)" % tuple(
        _args(element, compiler, **kw))


@compiles(json_has, "postgresql")
def _json_has_pg(element, compiler, **kw):
    column, value = _args(element, compiler, **kw)
    return f"coalesce(CAST({column} AS JSONB) ? CAST({value} AS TEXT), false)"


@_sqlite(json_blank)
def _json_blank_sqlite(element, compiler, **kw):
    # json_array_length: 0 for [] and for JSON null, NULL for SQL NULL.
    return "(coalesce(json_array_length(%s), 0) = 0)" % _args(element, compiler, **kw)[0]


@compiles(json_blank, "postgresql")
def _json_blank_pg(element, compiler, **kw):
    column = "CAST(%s AS JSONB)" % _args(element, compiler, **kw)[0]
    return f"({column} IS NULL OR jsonb_typeof({column}) <> 'array' OR {column} = '[]'::jsonb)"
