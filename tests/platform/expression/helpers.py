"""A real records table with one column per logical type, stored the way the form engine
stores records, plus small builders for the JSON AST."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    null,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB

from brickwork.platform.expression import Context, FieldInfo, evaluate, parse, to_sql
from brickwork.platform.expression.compile import to_sql_value
from brickwork.platform.expression.sqlvalues import read_value
from brickwork.platform.expression.values import ROWS

FIELDS = {fid: FieldInfo(type_, scale, key=fid, labels=labels, length=200 if type_ == "text" else None)
          for fid, type_, scale, labels in (
    ("name", "text", 0, ("Name", "名称")), ("code", "text", 0, ()),
    ("amount", "number", 2, ("Amount", "金额")), ("qty", "number", 0, ("Qty",)),
    ("done", "boolean", 0, ()),
    ("due", "date", 0, ()), ("signed", "date", 0, ("Signed on", "签约日期")),
    ("at", "datetime", 0, ()),
    ("stage", "choice", 0, ("Stage",)), ("tags", "choices", 0, ()),
    ("owner", "user", 0, ()), ("dept", "department", 0, ()),
)}
# A sub-form: its rows live in a child table; formulas aggregate them (SUM(lines.l_amount)).
ROW_FIELDS = {"l_amount": FieldInfo("number", 2), "l_qty": FieldInfo("number", 0), "l_due": FieldInfo("date")}
FIELDS["lines"] = FieldInfo(ROWS, key="lines", children=ROW_FIELDS)
COLUMNS = {fid: info for fid, info in FIELDS.items() if info.type != ROWS}
COLUMN_TYPES = {"text": String(200), "number": BigInteger(), "date": Date(), "datetime": DateTime(),
                "choice": String(64), "choices": JSON().with_variant(JSONB(), "postgresql"),
                "user": BigInteger(), "department": BigInteger()}


def make_table(metadata: MetaData) -> Table:
    columns = [Column(fid, Boolean(), nullable=False) if info.type == "boolean"
               else Column(fid, COLUMN_TYPES[info.type]) for fid, info in COLUMNS.items()]
    return Table("expr_records", metadata, Column("id", Integer, primary_key=True), *columns)


def make_lines(metadata: MetaData) -> Table:
    return Table("expr_lines", metadata, Column("id", Integer, primary_key=True), Column("parent_id", Integer),
                 *[Column(fid, COLUMN_TYPES[info.type]) for fid, info in ROW_FIELDS.items()])


class Lines:
    """The rows of one record, as the form engine gives them (sqllists.Rows)."""

    def __init__(self, table: Table, parent_id) -> None:
        self.table, self.parent_id = table, parent_id

    def aggregate(self, how: str, child: str | None):
        column = self.table.c[child] if child is not None else None
        if how == "count":
            value = func.count() if column is None else func.count(column)
        else:
            value = getattr(func, how)(column)
        return select(value).where(self.table.c.parent_id == self.parent_id).scalar_subquery()


def stored(record_id: int, fid: str, value: Any) -> Any:
    """A Python value as the form engine stores it."""
    info = FIELDS[fid] if fid in FIELDS else ROW_FIELDS[fid]
    if info.type == "boolean":
        return bool(value)
    if value is None:
        # Blank multi-select: SQL NULL on odd ids, JSON null on even ids — both must read as BLANK.
        return null() if info.type == "choices" and record_id % 2 else None
    if info.type == "number":
        return int(Decimal(value).scaleb(info.scale))
    if info.type == "datetime":
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


class Records:
    """The table, and both back ends run over it."""

    def __init__(self, engine) -> None:
        self.engine = engine
        metadata = MetaData()
        self.table, self.lines = make_table(metadata), make_lines(metadata)
        metadata.create_all(engine)
        self.rows: list[dict[str, Any]] = []

    def replace(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        with self.engine.begin() as conn:
            conn.execute(delete(self.table))
            conn.execute(delete(self.lines))
            if rows:
                conn.execute(insert(self.table), [
                    {"id": row["id"], **{fid: stored(row["id"], fid, row.get(fid)) for fid in COLUMNS}}
                    for row in rows])
            lines = [{"parent_id": row["id"], **{fid: stored(row["id"], fid, line.get(fid)) for fid in ROW_FIELDS}}
                     for row in rows for line in row.get("lines") or []]
            if lines:
                conn.execute(insert(self.lines), lines)

    def columns(self) -> dict[str, Any]:
        return {**{fid: self.table.c[fid] for fid in COLUMNS}, "lines": Lines(self.lines, self.table.c.id)}

    def sql_ids(self, node, ctx: Context) -> set[int]:
        columns = self.columns()
        query = select(self.table.c.id).where(to_sql(node, columns, FIELDS, ctx))
        with self.engine.connect() as conn:
            return set(conn.scalars(query))

    def python_ids(self, node, ctx: Context) -> set[int]:
        return {row["id"] for row in self.rows if evaluate(node, row, FIELDS, ctx) is True}

    def sql_values(self, node, type_: str, ctx: Context) -> dict[int, Any]:
        """The formula's value for each row, computed by the database."""
        columns = self.columns()
        query = select(self.table.c.id, to_sql_value(node, columns, FIELDS, ctx))
        with self.engine.connect() as conn:
            return {row[0]: read_value(row[1], type_) for row in conn.execute(query)}

    def python_values(self, node, ctx: Context) -> dict[int, Any]:
        return {row["id"]: evaluate(node, row, FIELDS, ctx) for row in self.rows}

    def both(self, data: dict, ctx: Context) -> tuple[set[int], set[int]]:
        node = parse(data)
        return self.python_ids(node, ctx), self.sql_ids(node, ctx)


# --- AST builders: the stored JSON form -----------------------------------------------------

def ref(fid: str) -> dict:
    return {"ref": fid}


def lit(value: Any, type_: str) -> dict:
    return {"lit": value, "type": type_}


def var(name: str) -> dict:
    return {"var": name}


def fn(name: str, *args: dict) -> dict:
    return {"fn": name, "args": list(args)}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)
