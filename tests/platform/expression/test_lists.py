"""Aggregates over lists (SUM(lines.amount), COUNT(lines)): formula text, the stored AST,
type errors at their place, the reference's blank rules, and Python == SQL over a real
child table."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import BigInteger, Column, Date, ForeignKey, Integer, MetaData, Table, func, insert, select

from brickwork.platform.errors import Invalid
from brickwork.platform.expression import Context, FieldInfo, Fn, Ref, evaluate, parse, to_json
from brickwork.platform.expression.compile import to_sql_value
from brickwork.platform.expression.formula import parse_formula
from brickwork.platform.expression.printer import print_formula
from brickwork.platform.expression.sqlvalues import read_value
from brickwork.platform.expression.values import ROWS
from brickwork.platform.i18n import current_locale

ROW_FIELDS = {"l_amount": FieldInfo("number", 2, key="amount", labels=("Amount", "金额")),
              "l_qty": FieldInfo("number", 0, key="qty"), "l_due": FieldInfo("date", key="due")}
FIELDS = {"lines": FieldInfo(ROWS, key="lines", labels=("Order lines", "订单明细"), children=ROW_FIELDS),
          "discount": FieldInfo("number", 2, key="discount"), "title": FieldInfo("text", key="title")}
CTX = Context(now=datetime(2024, 7, 1, tzinfo=UTC), zone="Asia/Shanghai")


def problem(source: str) -> tuple[str, str, str]:
    with pytest.raises(Invalid) as caught:
        parse_formula(source, FIELDS)
    error = caught.value.errors[0]
    return error.code, error.message, source[error.start:error.end]


def test_paths_parse_into_refs_with_a_path_and_print_back():
    node = parse_formula("SUM(lines.amount) * (1 - discount)", FIELDS)
    assert node.args[0] == Fn("SUM", (Ref("lines", ("l_amount",)),))
    assert to_json(node.args[0]) == {"fn": "SUM", "args": [{"ref": "lines", "path": ["l_amount"]}]}
    assert parse(to_json(node)) == node
    assert print_formula(node, FIELDS) == "SUM(lines.amount) * (1 - discount)"
    for text in ("SUM({Order lines}.{Amount})", "SUM({订单明细}.金额)", "sum(lines.{amount})"):
        assert print_formula(parse_formula(text, FIELDS), FIELDS) == "SUM(lines.amount)"
    assert parse_formula("COUNT(lines)", FIELDS) == Fn("COUNT", (Ref("lines"),))


@pytest.mark.parametrize(("source", "code", "where"), [
    ("SUM(lines)", "rows_not_values", "lines"),  # a list of rows, not of values
    ("lines.amount", "list_outside_aggregate", "lines.amount"),
    ("IF(TRUE, lines.amount, 0)", "list_outside_aggregate", "lines.amount"),
    ("SUM(lines.amount, discount)", "list_alone", "lines.amount"),
    ("SUM(lines.amout)", "unknown_field", "amout"),
    ("SUM(title.amount)", "not_rows", "title"),
    ("SUM(lines.amount.x)", "deep_path", "amount.x"),
    ("SUM(lines.due)", "type_mismatch", "lines.due"),
    ("COUNT(discount)", "not_a_list", "discount"),
])
def test_misuses_are_refused_at_their_place(source, code, where):
    found_code, _message, found_where = problem(source)
    assert (found_code, found_where) == (code, where)


def test_the_messages_are_in_the_users_language():
    token = current_locale.set("zh-CN")
    try:
        _code, message, _where = problem("lines.amount")
    finally:
        current_locale.reset(token)
    assert message.startswith("第 1 列") and "SUM(lines.amount)" in message


def test_a_stored_path_that_does_not_fit_is_refused():
    with pytest.raises(Invalid) as caught:
        parse({"ref": "lines", "path": "l_amount"})
    assert caught.value.errors[0].code == "bad_path"


ROWS_X13 = [{"l_amount": Decimal(10), "l_qty": 1}, {"l_amount": None, "l_qty": 2}, {"l_amount": Decimal(5)}]


@pytest.mark.parametrize(("source", "rows", "expected"), [
    ("SUM(lines.amount)", ROWS_X13, Decimal(15)),  # reference X13
    ("AVERAGE(lines.amount)", ROWS_X13, Decimal("7.5")),
    ("COUNT(lines.amount)", ROWS_X13, Decimal(2)),
    ("COUNTALL(lines.amount)", ROWS_X13, Decimal(3)),
    ("COUNT(lines)", ROWS_X13, Decimal(3)),
    ("MIN(lines.amount) + MAX(lines.qty)", ROWS_X13, Decimal(7)),
    ("SUM(lines.amount)", [], Decimal(0)),
    ("AVERAGE(lines.amount)", None, None),
    ("MAX(lines.due)", [], None),
])
def test_blank_rules_of_the_reference(source, rows, expected):
    assert evaluate(parse_formula(source, FIELDS), {"lines": rows}, FIELDS, CTX) == expected


class ChildRows:
    """The platform's side of the contract: the caller writes the correlated sub-query."""

    def __init__(self, lines: Table, parent_id) -> None:
        self.lines, self.parent_id = lines, parent_id

    def aggregate(self, how, child):
        column = self.lines.c[child] if child else None
        value = (func.count() if column is None else func.count(column)) if how == "count" else \
            getattr(func, how)(column)
        return select(value).where(self.lines.c.parent_id == self.parent_id).scalar_subquery()


def test_sql_computes_what_python_computes(engine):
    metadata = MetaData()
    orders = Table("agg_orders", metadata, Column("id", Integer, primary_key=True), Column("discount", BigInteger))
    lines = Table("agg_lines", metadata, Column("id", Integer, primary_key=True),
                  Column("parent_id", ForeignKey("agg_orders.id")), Column("l_amount", BigInteger),
                  Column("l_qty", BigInteger), Column("l_due", Date))
    metadata.create_all(engine)
    records = {1: {"discount": Decimal("0.10"), "lines": ROWS_X13}, 2: {"discount": None, "lines": []},
               3: {"discount": Decimal("0.50"), "lines": [{"l_amount": Decimal("0.01"), "l_qty": 3}]}}
    with engine.begin() as conn:
        for rid, record in records.items():
            stored = int(record["discount"] * 100) if record["discount"] is not None else None
            conn.execute(insert(orders), {"id": rid, "discount": stored})
            for row in record["lines"]:
                amount = row.get("l_amount")
                conn.execute(insert(lines), {"parent_id": rid, "l_qty": row.get("l_qty"),
                                             "l_amount": None if amount is None else int(amount * 100)})
    columns = {"discount": orders.c.discount, "lines": ChildRows(lines, orders.c.id)}
    try:
        for source in ("SUM(lines.amount) * (1 - discount)", "AVERAGE(lines.amount)", "COUNT(lines.amount)",
                       "COUNTALL(lines.qty) + COUNT(lines)", "MIN(lines.amount)", "MAX(lines.qty) / 7"):
            node = parse_formula(source, FIELDS)
            with engine.connect() as conn:
                got = {row[0]: read_value(row[1], "number") for row in conn.execute(
                    select(orders.c.id, to_sql_value(node, columns, FIELDS, CTX)))}
            assert got == {rid: evaluate(node, record, FIELDS, CTX) for rid, record in records.items()}, source
    finally:
        metadata.drop_all(engine)
