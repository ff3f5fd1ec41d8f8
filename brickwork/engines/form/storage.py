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
    Numeric,
    String,
    Table,
    cast,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import Connection

from brickwork.engines.form import marks
from brickwork.engines.form.definition import FieldDef, FormDefinition
from brickwork.engines.form.fieldtypes import REGISTRY
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
        Column(marks.COLUMN, marks.TYPE),  # the date rules that fired on the record (marks.py)
    ]


def has_column(field: FieldDef) -> bool:
    return REGISTRY[field.type].has_column(field)


def junction_name(app_id: int, form_key: str, field_id: str) -> str:
    return short(f"j{app_id}_{form_key}_{field_id}")


@lru_cache(maxsize=512)
def junction_table(app_id: int, form_key: str, field_id: str) -> Table:
    """The links of a relation to many: one row per (record, linked record), in order."""
    name = junction_name(app_id, form_key, field_id)
    table = Table(name, MetaData(),
                  Column("source_id", Id, primary_key=True, autoincrement=False),
                  Column("target_id", Id, primary_key=True, autoincrement=False),
                  Column("position", Integer, nullable=False, default=0))
    Index(short(f"ix_{name}_target"), table.c.target_id, table.c.source_id)
    return table


def child_name(app_id: int, form_key: str, field_id: str) -> str:
    return short(f"r{app_id}_{form_key}__{field_id}")


def child_table(app_id: int, form_key: str, field: FieldDef) -> Table:
    """A sub-form's rows: their parent record, their place in it, a column per child field."""
    return _cached_child(child_name(app_id, form_key, field.id), field.model_dump_json())


@lru_cache(maxsize=512)
def _cached_child(name: str, field_json: str) -> Table:
    field = FieldDef.model_validate_json(field_json)
    table = Table(name, MetaData(),
                  Column("id", Id, primary_key=True, autoincrement=True),
                  Column("parent_id", Id, nullable=False),
                  Column("position", Integer, nullable=False, default=0),
                  *[field_column(f) for f in field.fields or [] if has_column(f)])  # a lookup has none
    Index(short(f"ix_{name}_parent"), table.c.parent_id, table.c.position)
    return table


def tables_of(app_id: int, form_key: str, field: FieldDef) -> list[Table]:
    """The tables a field keeps its values in, beside the form's own (none for most)."""
    if field.type == "subform":
        return [child_table(app_id, form_key, field)]
    if field.type == "relation" and not has_column(field):
        return [junction_table(app_id, form_key, field.id)]
    return []  # lookups and formulas over the clock are computed when read


@lru_cache(maxsize=512)
def id_table(app_id: int, form_key: str) -> Table:
    """Just a form's ids and bin marks: enough to check and follow links to it."""
    return Table(table_name(app_id, form_key), MetaData(), Column("id", Id, primary_key=True),
                 Column("deleted_at", DateTime))


def field_column(field: FieldDef, name: str | None = None) -> Column:
    kind = REGISTRY[field.type]
    nullable = field.type != "boolean"
    return Column(name or column_name(field.id), kind.column_type(field), nullable=nullable,
                  server_default=text("false") if not nullable else None)


def unique_index(table: Table, field: FieldDef) -> Index:
    """Unique among records not in the recycle bin; case-insensitive for text. BLANKs may
    repeat (NULLs are distinct in unique indexes on both databases)."""
    name = index_name("ux", table.name, field.id)
    if (found := _attached(table, name)) is not None:
        return found
    column = table.c[column_name(field.id)]
    target = func.lower(column) if isinstance(REGISTRY[field.type], TextField) else column
    live = table.c.deleted_at.is_(None)
    return Index(name, target, unique=True, sqlite_where=live, postgresql_where=live)


def plain_index(table: Table, field: FieldDef) -> Index:
    """For fields that views filter and sort on; ``id`` breaks ties in keyset paging."""
    name = index_name("ix", table.name, field.id)
    found = _attached(table, name)
    return found if found is not None else Index(name, table.c[column_name(field.id)], table.c.id)


def _attached(table: Table, name: str) -> Index | None:
    """The index of that name the table already has. Record tables are cached per
    definition: an index built again would join the cached table twice, and the next
    ``CREATE TABLE`` from it (another database, the same definition) would make it twice."""
    return next((index for index in table.indexes if index.name == name), None)


def title_key(column, dialect: str):
    """A title as pickers search it: lower-cased, compared byte by byte (``COLLATE "C"`` on
    PostgreSQL, SQLite's default), so ``>= q AND < q || '\uffff'`` is exactly "starts with q"
    whatever the database's locale, and one index serves it on both databases."""
    key = func.lower(column)
    return key.collate("C") if dialect == "postgresql" else key


def searchable_title(field: FieldDef | None) -> bool:
    """Whether a title field is stored as text, so pickers can search it by prefix."""
    return field is not None and has_column(field) and isinstance(REGISTRY[field.type].column_type(field), String)


def title_index(table_name_: str, field: FieldDef, dialect: str) -> Index:
    """The index pickers search titles by. Built on a table object of its own, so it never
    joins the cached record table's indexes (which ``CREATE TABLE`` would make as well)."""
    column = Column(column_name(field.id), REGISTRY[field.type].column_type(field))
    Table(table_name_, MetaData(), column)
    return Index(index_name("tx", table_name_, field.id), title_key(column, dialect))


@lru_cache(maxsize=512)
def _cached_table(name: str, body_json: str) -> Table:
    definition = FormDefinition.model_validate_json(body_json)
    metadata = MetaData()
    columns = system_columns()
    columns += [field_column(f) for f in definition.fields if has_column(f)]
    columns += [field_column(t.field) for t in definition.trash if has_column(t.field)]
    columns += [field_column(b.field, b.column) for b in definition.backups if has_column(b.field)]
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
    """The readable view: live records, columns named by field key, numbers exact."""
    quote = conn.dialect.identifier_preparer.quote
    columns = [table.c[name] for name in SYSTEM if name != "deleted_at"]
    for field in definition.fields:
        if not has_column(field):
            continue
        column = table.c[column_name(field.id)]
        kind = REGISTRY[field.type]
        if kind.value_type(field) == "number" and kind.value_scale(field):
            column = _decimal(column, kind.value_scale(field), conn.dialect.name)
        columns.append(column.label(field.key))
    query = select(*columns).where(table.c.deleted_at.is_(None))
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    drop_view(conn, app_key, form_key)
    conn.execute(text(f"CREATE VIEW {quote(view_name(app_key, form_key))} AS {compiled}"))


def _decimal(column, scale: int, dialect: str):
    """A scaled integer as the number it stands for: exact ``numeric(38, scale)`` on
    PostgreSQL (times 0.01 is exact; a numeric division keeps only 16 or so digits). SQLite
    has no decimal type: there it is a REAL, so BI tools still read a number (0.1 is the
    float nearest 0.1; exact totals come from the table's scaled integers, docs/forms.md)."""
    if dialect == "postgresql":
        return cast(column.op("*")(literal_column(f"0.{'0' * (scale - 1)}1")), Numeric(38, scale))
    return column / literal_column(f"{10 ** scale}.0")


def drop_view(conn: Connection, app_key: str, form_key: str) -> None:
    quote = conn.dialect.identifier_preparer.quote
    conn.execute(text(f"DROP VIEW IF EXISTS {quote(view_name(app_key, form_key))}"))
