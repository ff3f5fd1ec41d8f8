"""Formula text: the parser (precedence, field names, literals), its errors (position and
message, in English and Chinese) and the printer."""

from datetime import date
from decimal import Decimal

import pytest

from brickwork.platform.errors import Invalid
from brickwork.platform.expression import FieldInfo, Fn, Lit, Ref, Var
from brickwork.platform.expression.formula import MAX_SOURCE, parse_formula
from brickwork.platform.expression.printer import print_formula
from brickwork.platform.i18n import current_locale
from tests.platform.expression.helpers import FIELDS


def n(value) -> Lit:
    return Lit(Decimal(value), "number")


def problem(source: str, *, expect=None) -> tuple[str, str, int, int]:
    with pytest.raises(Invalid) as caught:
        parse_formula(source, FIELDS, expect=expect)
    error = caught.value.errors[0]
    return error.code, error.message, error.start, error.end


@pytest.fixture
def chinese():
    token = current_locale.set("zh-CN")
    yield
    current_locale.reset(token)


# --- parsing -------------------------------------------------------------------------------------

def test_the_reference_examples_parse_into_the_stored_ast():
    assert parse_formula('IF(amount > 100000, "A", "B")', FIELDS) == Fn("IF", (
        Fn(">", (Ref("amount"), n(100000))), Lit("A", "text"), Lit("B", "text")))
    assert parse_formula('DATEDIF({签约日期}, TODAY(), "D")', FIELDS) == Fn("DATEDIF", (
        Ref("signed"), Fn("TODAY", ()), Lit("D", "text")))
    assert parse_formula('CONCAT(name, "-", code)', FIELDS) == Fn("CONCAT", (
        Ref("name"), Lit("-", "text"), Ref("code")))
    assert parse_formula('IF(AND({Stage} = "won", {Amount} >= 10000), "Key account", "Normal")', FIELDS) == Fn(
        "IF", (Fn("AND", (Fn("=", (Ref("stage"), Lit("won", "choice"))), Fn(">=", (Ref("amount"), n(10000))))),
               Lit("Key account", "text"), Lit("Normal", "text")))


@pytest.mark.parametrize(("source", "tree"), [
    ("1 + 2 * 3", Fn("+", (n(1), Fn("*", (n(2), n(3)))))),
    ("(1 + 2) * 3", Fn("*", (Fn("+", (n(1), n(2))), n(3)))),
    ("1 - 2 - 3", Fn("-", (Fn("-", (n(1), n(2))), n(3)))),  # left-associative
    ("-2 * 3", Fn("*", (n(-2), n(3)))),  # unary minus binds tightest
    ("-qty * 3", Fn("*", (Fn("-", (Ref("qty"),)), n(3)))),
    ('"a" & 1 + 2', Fn("&", (Lit("a", "text"), Fn("+", (n(1), n(2)))))),  # & below arithmetic
    ('"a" & "b" = "ab"', Fn("=", (Fn("&", (Lit("a", "text"), Lit("b", "text"))), Lit("ab", "text")))),
    ("qty > 1 and qty < 5 or done", Fn("OR", (Fn("AND", (Fn(">", (Ref("qty"), n(1))), Fn("<", (Ref("qty"), n(5))))),
                                           Ref("done")))),
    ("not qty = 1", Fn("NOT", (Fn("=", (Ref("qty"), n(1))),))),
    ("qty != 1", Fn("<>", (Ref("qty"), n(1)))),
    ("true AND FALSE()", Fn("AND", (Lit(True, "boolean"), Lit(False, "boolean")))),
    ("owner = 7", Fn("=", (Ref("owner"), Lit(7, "user")))),
    ("owner = $me", Fn("=", (Ref("owner"), Var("$me")))),
    ("ISBLANK(BLANK())", Fn("ISBLANK", (Lit(None, "text"),))),
    ("qty = BLANK()", Fn("=", (Ref("qty"), Lit(None, "number")))),
    ("due = DATE(2024, 7, 1)", Fn("=", (Ref("due"), Lit(date(2024, 7, 1), "date")))),
    ('"say \\"hi\\" \\\\ 客户"', Lit('say "hi" \\ 客户', "text")),
    ("if(done, 1, 2)", Fn("IF", (Ref("done"), n(1), n(2)))),  # names are case-insensitive
])
def test_precedence_and_literals(source, tree):
    assert parse_formula(source, FIELDS) == tree


def test_fields_resolve_by_key_label_in_any_language_or_id():
    for name in ("signed", "{signed}", "{Signed on}", "{签约日期}", "{signed on}"):
        assert parse_formula(name, FIELDS) == Ref("signed")


def test_a_label_two_fields_share_must_be_written_as_a_key():
    fields = {"f1": FieldInfo("text", key="a", labels=("Name",)), "f2": FieldInfo("text", key="b", labels=("Name",))}
    with pytest.raises(Invalid) as caught:
        parse_formula("{Name}", fields)
    assert caught.value.errors[0].code == "ambiguous_field"
    assert parse_formula("{a}", fields) == Ref("f1")


# --- errors ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "expected"), [
    ("1 + FOO(2)", ("unknown_function", "Column 5: Unknown function FOO. Did you mean FLOOR?", 4, 7)),
    ("IF(done)", ("arity", "Column 1: IF needs 2 or 3 arguments.", 0, 8)),
    ("NOT(done, done)", ("arity", "Column 1: NOT needs 1 argument.", 0, 15)),
    ("IF(done, 1, 2", ("expected", "Column 14: Expected ')'.", 13, 14)),
    ("LEFT(name, 2))", ("unbalanced", "Column 14: This ) has no matching (.", 13, 14)),
    ('amount > "x"', ("type_mismatch", "Column 10: Cannot compare number with text.", 9, 12)),
    ("{Amout} + 1", ("unknown_field", "Column 1: There is no field Amout. Did you mean Amount?", 0, 7)),
    ("IF(qty, 1, 2)", ("type_mismatch", "Column 4: Expected a true/false value, got a number value.", 3, 6)),
    ("qty +", ("unexpected_end", "Column 6: The formula ends too early.", 5, 6)),
    ('"abc', ("unclosed_text", 'Column 1: This text has no closing ".', 0, 4)),
    ("qty # 2", ("unexpected_character", "Column 5: Unexpected character #.", 4, 5)),
    ("ROUND(qty, 2.5)", ("bad_digits", "Column 12: Give the number of decimals as a whole number from -18 to 10.",
                         11, 14)),
    ('DATEADD(due, 1, "fortnight")', ("bad_unit", "Column 17: Use one of: day, week, month, quarter, year.", 16, 27)),
    ("$you", ("unknown_var", "Column 1: Unknown variable. Use one of: $me, $my_department, $today, $now.", 0, 4)),
    ("qty\n  + FOO(1)", ("unknown_function", "Line 2, column 5: Unknown function FOO. Did you mean FLOOR?", 8, 11)),
])
def test_errors_say_what_and_where(source, expected):
    assert problem(source) == expected


def test_a_condition_must_be_true_or_false():
    assert problem("qty + 1", expect="boolean")[:2] == (
        "wrong_result", "Column 1: This must be a condition (true or false), not a number value.")


def test_every_type_problem_is_reported_with_its_place():
    with pytest.raises(Invalid) as caught:
        parse_formula('AND(name > 1, qty < "x")', FIELDS)
    assert [(e.code, e.start, e.end) for e in caught.value.errors] == [
        ("type_mismatch", 11, 12), ("type_mismatch", 20, 23)]
    assert caught.value.errors[1].as_dict()["column"] == 21


def test_limits_are_errors_not_crashes():
    assert problem("1 + " * 1500 + "1")[0] == "too_long"
    assert len("(" * 70 + "1" + ")" * 70) < MAX_SOURCE
    assert problem("(" * 70 + "1" + ")" * 70)[0] == "too_deep"
    assert problem("")[0] == "empty"
    assert problem("1234567890123456789")[0] == "bad_number"


def test_errors_in_chinese(chinese):
    assert problem("1 + FOO(2)")[1] == "第 5 列：未知函数 FOO。您是不是要用 FLOOR？"
    assert problem("IF(done)")[1] == "第 1 列：IF 需要 2 或 3 个参数。"
    assert problem("IF(done, 1, 2")[1] == "第 14 列：此处应为 ')'。"
    assert problem('amount > "x"')[1] == "第 10 列：数字不能与文本比较。"
    assert problem("{Amout} + 1")[1] == "第 1 列：没有名为 Amout 的字段。您是不是指 Amount？"
    assert problem("qty\n + FOO(1)")[1].startswith("第 2 行第 4 列：")


# --- printing --------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    'IF(AND(stage = "won", amount >= 10000), "Key account", "Normal")',
    "(qty + 1) * 2 - -3",
    "qty - (qty - 1)",
    "-(qty + 1)",
    '"a \\"b\\"" & name & BLANK()',
    'DATEADD(DATE(2024, 1, 31), 1, "month") = due',
    'at >= DATETIME("2024-07-01T09:30:00Z")',
    'HAS(tags, "a") AND NOT(HAS(CHOICES("a", "b"), stage))',
    "{Signed on} > $today",
])
def test_the_printer_writes_text_that_parses_back_to_the_same_ast(source):
    node = parse_formula(source, FIELDS)
    text = print_formula(node, FIELDS)
    assert parse_formula(text, FIELDS) == node


def test_the_printer_shows_fields_by_key():
    node = parse_formula("{签约日期} < TODAY() and {Amount} > 1", FIELDS)
    assert print_formula(node, FIELDS) == "AND(signed < TODAY(), amount > 1)"
