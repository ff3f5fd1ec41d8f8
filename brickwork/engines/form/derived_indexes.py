"""Indexes the engine derives from the saved views of a form, so lists stay at index speed
without anyone tuning the database (docs/decisions/0038-derived-indexes.md).

A view's filter and sort become one composite index per distinct shape, in the order that
serves both the page and its ``total``: the fields the filter compares for equality (with a
value or a variable such as ``$me``), then
the sort keys with their directions, then ``id`` (the listing's tie-breaker), then the
fields the filter bounds by a range and ``deleted_at`` (so the count reads the index
alone). Each index is partial (``WHERE deleted_at IS NULL``), the condition every listing
of live records has, which keeps it small. Only the shape counts, not the
values: ``level = "A" AND revenue > 500000`` and ``level = "B" AND revenue > 10`` share one.

Other engines add the shapes their own queries want through ``SOURCES`` (the report
engine: an index holding every column a report reads, decision 0048), read at each sync.

Indexes are named ``dx_<table>_<digest of their columns>``. ``sync`` makes the ones the
views and sources want and drops the ones none wants any more; it runs in the same
transaction as the change of a view or a report, and after a form is published.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from brickwork.engines.form import storage
from brickwork.engines.form.computed_publish import DERIVED
from brickwork.engines.form.definition import FieldDef, FormDefinition
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.platform.models import SavedView

PREFIX = "dx_"
MAX_COLUMNS = 6  # beyond this an index costs writes more than it saves reads
SYSTEM_SORT = ("id", "created_at", "updated_at")
EQUALITY = ("text", "choice", "number", "date", "datetime", "user", "department", "record", "boolean")
RANGE = ("number", "date", "datetime")
RANGE_OPS = ("<", "<=", ">", ">=")
NOT_SORTED = ("multiselect", "attachment", "image", "textarea")
LIVE = "deleted_at IS NULL"

Shape = tuple[tuple[str, bool], ...]  # (column, descending) in index order
# (connection, app id, form key, the form's definition) -> the shapes an engine's queries want
Source = Callable[[Connection, int, str, FormDefinition], Iterable[Shape]]
SOURCES: list[Source] = []
SYSTEM_COLUMNS = {"owner": "owner_id", "department": "department_id"}  # as reports name them


def shape_of(definition: FormDefinition, view_type: str, config: dict[str, Any]) -> Shape | None:
    """The index a view's listing wants, or None when no field column would lead it."""
    by_id = {f.id: f for f in definition.fields}
    equal, ranged = _conjuncts(by_id, config.get("filter"))
    if view_type == "kanban" and _usable(by_id.get(config.get("group_by") or ""), EQUALITY):
        equal.append(config["group_by"])
    if view_type == "calendar" and _usable(by_id.get(config.get("date_field") or ""), RANGE):
        ranged.append(config["date_field"])
    sort = _sort(by_id, config.get("sort") or "")
    columns: list[tuple[str, bool]] = [(storage.column_name(fid), False) for fid in sorted(set(equal))]
    columns += sort
    if not any(name == "id" for name, _d in sort):
        columns.append(("id", False))
    columns += [(storage.column_name(fid), False) for fid in ranged]
    unique: list[tuple[str, bool]] = []
    for name, descending in columns:
        if all(name != seen for seen, _d in unique):
            unique.append((name, descending))
    if not any(name.startswith("f_") for name, _d in unique):
        return None  # id, created_at, updated_at: the primary key or a scan serve them
    # deleted_at last, though always NULL here: SQLite counts from the index alone only
    # when it holds every column the WHERE names (measured: 3× faster count at 100k).
    return (*unique[:MAX_COLUMNS - 1], ("deleted_at", False))


def covering_shape(definition: FormDefinition, keys: Iterable[str]) -> Shape | None:
    """An index holding every column a query reads, ``keys`` (field keys, or ``owner`` and
    ``department``) in the order given, then ``deleted_at``: SQLite then reads the index
    alone, in the order of its first columns (a GROUP BY on them needs no sort). None when
    a key is not a plain stored column (a related field, a formula): the index would not
    cover the query, so it would only cost writes."""
    by_key = {f.key: f for f in definition.fields}
    columns: list[tuple[str, bool]] = []
    for key in keys:
        f = by_key.get(key)
        if f is not None and _usable(f, EQUALITY):
            name = storage.column_name(f.id)
        elif f is None and key in SYSTEM_COLUMNS:
            name = SYSTEM_COLUMNS[key]
        else:
            return None
        if (name, False) not in columns:
            columns.append((name, False))
    if len(columns) >= MAX_COLUMNS or not any(name.startswith("f_") for name, _d in columns):
        return None
    return (*columns, ("deleted_at", False))


def index_name(table: str, shape: Shape) -> str:
    digest = hashlib.sha1(repr(shape).encode()).hexdigest()[:10]
    return storage.short(f"{PREFIX}{table}_{digest}")


def wanted(conn: Connection, app_id: int, form_key: str, definition: FormDefinition) -> dict[str, Shape]:
    """Index name → shape, for every saved view of the form (personal and shared) and
    every shape the ``SOURCES`` want."""
    views = conn.execute(select(SavedView.type, SavedView.config).where(
        SavedView.app_id == app_id, SavedView.form_key == form_key)).all()
    table = storage.table_name(app_id, form_key)
    shapes = {shape_of(definition, view_type, config or {}) for view_type, config in views}
    shapes |= {shape for source in SOURCES for shape in source(conn, app_id, form_key, definition)}
    return {index_name(table, shape): shape for shape in shapes if shape is not None}


def existing(conn: Connection, table: str) -> dict[str, list[str]]:
    """The derived indexes on a table: name → the columns they cover, in order. Read from
    the catalogs: SQLAlchemy's reflection warns about the expression index pickers use."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(text(
            "SELECT i.relname, array_agg(a.attname ORDER BY k.n) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) ON true "
            "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum "
            "WHERE x.indrelid = to_regclass(quote_ident(:table)) AND starts_with(i.relname, :prefix) "
            "GROUP BY i.relname"), {"table": table, "prefix": PREFIX})
        return {name: list(columns) for name, columns in found}
    names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :table "
                              "AND substr(name, 1, length(:prefix)) = :prefix"), {"table": table, "prefix": PREFIX})
    quote = conn.dialect.identifier_preparer.quote
    return {name: [row[2] for row in conn.execute(text(f"PRAGMA index_info({quote(name)})"))]
            for name, in names.all()}


def sync(conn: Connection, app_id: int, form_key: str, definition: FormDefinition) -> tuple[list[str], list[str]]:
    """Make the indexes the views want, drop those none wants; returns (made, dropped)."""
    table = storage.table_name(app_id, form_key)
    want = wanted(conn, app_id, form_key, definition)
    have = existing(conn, table)
    quote = conn.dialect.identifier_preparer.quote
    dropped = sorted(set(have) - set(want))
    for name in dropped:
        conn.execute(text(f"DROP INDEX IF EXISTS {quote(name)}"))
    made = sorted(set(want) - set(have))
    for name in made:
        conn.execute(text(create_statement(conn.dialect.name, table, name, want[name], quote)))
    return made, dropped


def drop_touching(conn: Connection, table: str, columns: set[str]) -> None:
    """Before a publish drops, renames or remakes columns: the derived indexes on them go
    (SQLite refuses to drop an indexed column); ``sync`` makes the wanted ones again after."""
    quote = conn.dialect.identifier_preparer.quote
    for name, covered in existing(conn, table).items():
        if columns & set(covered):
            conn.execute(text(f"DROP INDEX IF EXISTS {quote(name)}"))


def create_statement(dialect: str, table: str, name: str, shape: Shape, quote) -> str:
    """PostgreSQL sorts NULLs first in a descending index unless told; the listing sorts
    BLANKs last. SQLite's NULLs are the smallest values, so its descending order already
    puts them last (and its CREATE INDEX knows no NULLS clause)."""
    def part(column: str, descending: bool) -> str:
        if not descending:
            return quote(column)
        return f"{quote(column)} DESC NULLS LAST" if dialect == "postgresql" else f"{quote(column)} DESC"

    columns = ", ".join(part(column, descending) for column, descending in shape)
    return f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} ({columns}) WHERE {LIVE}"


def _conjuncts(by_id: dict[str, FieldDef], node: Any) -> tuple[list[str], list[str]]:
    """The fields a filter's top-level AND compares with a value (a literal or a variable such
    as ``$me``): for equality, and by range."""
    equal: list[str] = []
    ranged: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if not isinstance(item, dict) or not isinstance(item.get("args"), list):
            continue
        fn, args = item.get("fn"), item["args"]
        if fn == "AND":
            stack.extend(reversed(args))
            continue
        if len(args) != 2:
            continue
        refs = [a.get("ref") for a in args if isinstance(a, dict) and isinstance(a.get("ref"), str)]
        # a value: a literal, or a variable ("$me", "$my_department": the caller's, one value each time)
        values = [a for a in args if isinstance(a, dict) and (
            ("lit" in a and a["lit"] is not None) or isinstance(a.get("var"), str))]
        if len(refs) != 1 or len(values) != 1:
            continue
        if fn == "=" and _usable(by_id.get(refs[0]), EQUALITY):
            equal.append(refs[0])
        elif fn in RANGE_OPS and _usable(by_id.get(refs[0]), RANGE):
            ranged.append(refs[0])
    return equal, ranged


def _usable(f: FieldDef | None, logical: tuple[str, ...]) -> bool:
    """A stored, non-computed column whose comparison compiles to a plain column comparison."""
    if f is None or f.type in DERIVED or f.type in NOT_SORTED or not storage.has_column(f):
        return False
    kind = REGISTRY[f.type]
    return kind.value_type(f) in logical and not f.multiple


def _sort(by_id: dict[str, FieldDef], sort: str) -> list[tuple[str, bool]]:
    keys = []
    for part in [p.strip() for p in sort.split(",") if p.strip()]:
        name = part.lstrip("-+")
        f = by_id.get(name)
        if name in SYSTEM_SORT:
            keys.append((name, part.startswith("-")))
        elif f is not None and f.type not in NOT_SORTED and storage.has_column(f):
            keys.append((storage.column_name(f.id), part.startswith("-")))
        else:
            break  # an unknown key: the index can serve the keys before it only
    return keys
