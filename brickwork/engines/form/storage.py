"""Record tables: one real table per form, one typed column per stored field.

Columns are named by field id (``f_<id>``), so renaming a field touches no DDL. A
readable view per form (``<app>_<form>``, columns named by field key) is kept in step
for BI tools and SQL users.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import Connection

from brickwork.engines.form.definition import FieldDef, FormDefinition
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.fieldtypes.numeric import NumberField
from brickwork.engines.form.fieldtypes.text import TextField

# Ids are BIGINT on PostgreSQL; SQLite only aliases rowid for INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")
SYSTEM = ("id", "created_at", "created_by", "updated_at", "updated_by", "owner_id", "department_id",
          "version", "flow_state", "deleted_at")


def short(name: str) -> str:
    """PostgreSQL cuts names at 63 bytes, silently; long ones end in a digest instead."""
    if len(name) <= 63:
        return name
    return f"{name[:50]}_{hashlib.sha1(name.encode()).hexdigest()[:12]}"


def table_name(app_id: int, form_key: str) -> str:
    return short(f"r{app_id}_{form_key}")


def index_name(kind: str, table: str, field_id: str) -> str:
    return short(f"{kind}_{table}_{field_id}")


def column_name(field_id: str) -> str:
    return f"f_{field_id}"


def backup_name(field_id: str, version: int) -> str:
    return f"b{version}_{field_id}"


def system_columns() -> list[Column]:
    return [
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("created_at", DateTime, nullable=False),
        Column("created_by", BigInteger),
        Column("updated_at", DateTime, nullable=False),
        Column("updated_by", BigInteger),
        Column("owner_id", BigInteger, index=True),
        Column("department_id", BigInteger, index=True),
        Column("version", Integer, nullable=False, default=1),
        Column("flow_state", String(32)),
        Column("deleted_at", DateTime),
    ]


def field_column(field: FieldDef, name: str | None = None) -> Column:
    kind = REGISTRY[field.type]
    nullable = field.type != "boolean"
    return Column(name or column_name(field.id), kind.column_type(field), nullable=nullable,
                  server_default=text("false") if not nullable else None)


def unique_index(table: Table, field: FieldDef) -> Index:
    """Unique among records not in the recycle bin; case-insensitive for text. BLANKs may
    repeat (NULLs are distinct in unique indexes on both databases)."""
    column = table.c[column_name(field.id)]
    target = func.lower(column) if isinstance(REGISTRY[field.type], TextField) else column
    live = table.c.deleted_at.is_(None)
    return Index(index_name("ux", table.name, field.id), target, unique=True,
                 sqlite_where=live, postgresql_where=live)


def plain_index(table: Table, field: FieldDef) -> Index:
    """For fields that views filter and sort on; ``id`` breaks ties in keyset paging."""
    return Index(index_name("ix", table.name, field.id), table.c[column_name(field.id)], table.c.id)


@lru_cache(maxsize=512)
def _cached_table(name: str, body_json: str) -> Table:
    definition = FormDefinition.model_validate_json(body_json)
    metadata = MetaData()
    columns = system_columns()
    columns += [field_column(f) for f in definition.fields]
    columns += [field_column(t.field) for t in definition.trash]
    columns += [field_column(b.field, b.column) for b in definition.backups]
    table = Table(name, metadata, *columns)
    for field in definition.fields:
        if field.unique:
            unique_index(table, field)
        if field.indexed:
            plain_index(table, field)
    return table


def record_table(app_id: int, form_key: str, definition: FormDefinition) -> Table:
    """The table of a form as the definition describes it (cached per definition)."""
    return _cached_table(table_name(app_id, form_key), definition.model_dump_json())


def view_name(app_key: str, form_key: str) -> str:
    return f"{app_key}_{form_key}"


def create_view(conn: Connection, app_key: str, form_key: str, table: Table, definition: FormDefinition) -> None:
    """The readable view: live records, columns named by field key, numbers as numbers."""
    quote = conn.dialect.identifier_preparer.quote
    columns = [table.c[name] for name in SYSTEM if name != "deleted_at"]
    for field in definition.fields:
        column = table.c[column_name(field.id)]
        kind = REGISTRY[field.type]
        if isinstance(kind, NumberField) and kind.scale(field):
            column = column / literal_column(f"{10 ** kind.scale(field)}.0")
        columns.append(column.label(field.key))
    query = select(*columns).where(table.c.deleted_at.is_(None))
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    drop_view(conn, app_key, form_key)
    conn.execute(text(f"CREATE VIEW {quote(view_name(app_key, form_key))} AS {compiled}"))


def drop_view(conn: Connection, app_key: str, form_key: str) -> None:
    quote = conn.dialect.identifier_preparer.quote
    conn.execute(text(f"DROP VIEW IF EXISTS {quote(view_name(app_key, form_key))}"))
