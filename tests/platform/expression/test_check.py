from zoneinfo import ZoneInfo

import pytest

from brickwork.platform.errors import Invalid
from brickwork.platform.expression import Context, FieldInfo, check, evaluate, parse, parse_condition
from tests.platform.expression.helpers import FIELDS, fn, lit, ref, utc, var

CTX = Context(now=utc(2024, 7, 1, 17, 30), zone=ZoneInfo("UTC"))


def problems(data, expect="boolean") -> list[tuple[str, str]]:
    with pytest.raises(Invalid) as caught:
        check(parse(data), FIELDS, expect=expect)
    return [(e.field, e.code) for e in caught.value.errors]


def test_check_returns_the_type_of_the_value():
    assert check(parse(fn("DATEADD", fn("NOW"), lit("1", "number"), lit("day", "text"))), FIELDS) == "datetime"
    assert check(parse(fn("STARTOF", fn("TODAY"), lit("quarter", "text"))), FIELDS) == "date"
    assert check(parse(ref("amount")), FIELDS) == "number"


def test_an_unknown_field_is_named_by_its_path():
    assert problems(fn("AND", ref("done"), fn("=", ref("fld_gone"), lit("x", "text")))) == [
        ("$.args[1].args[0].ref", "unknown_field")]


@pytest.mark.parametrize(("data", "path"), [
    (fn("=", ref("amount"), lit("100", "text")), "$.args[1]"),  # text is never read as a number
    (fn("=", ref("stage"), lit("won", "text")), "$.args[1]"),
    (fn("=", ref("owner"), var("$my_department")), "$.args[1]"),
    (fn("<", ref("stage"), lit("won", "choice")), "$.args[0]"),  # option ids have no order
    (fn("<", ref("done"), lit(True, "boolean")), "$.args[0]"),
    (fn("=", ref("tags"), lit(["a"], "choices")), "$.args[0]"),  # use HAS
    (fn("IN", ref("stage"), lit("a", "choice"), lit("b", "text")), "$.args[2]"),
    (fn("AND", ref("done"), ref("name")), "$.args[1]"),
    (fn("CONTAINS", ref("stage"), lit("a", "text")), "$.args[0]"),
    (fn("HAS", ref("tags"), lit("a", "text")), "$.args[1]"),
    (fn("HAS", ref("stage"), lit("a", "choice")), "$.args[0]"),
])
def test_values_must_fit_what_they_are_compared_with(data, path):
    assert problems(data) == [(path, "type_mismatch")]


def test_a_date_and_a_datetime_may_be_compared():
    check(parse(fn("<", ref("due"), ref("at"))), FIELDS, expect="boolean")


def test_dateadd_needs_a_whole_number_and_a_known_unit():
    assert problems(fn("DATEADD", fn("TODAY"), lit("1.5", "number"), lit("day", "text")), None) == [
        ("$.args[1]", "not_whole")]
    assert problems(fn("DATEADD", fn("TODAY"), lit("1", "number"), lit("fortnight", "text")), None) == [
        ("$.args[2]", "bad_unit")]
    assert problems(fn("STARTOF", fn("TODAY"), lit("day", "text")), None) == [("$.args[1]", "bad_unit")]


def test_date_functions_take_fields():
    data = fn(">", fn("DATEADD", ref("due"), ref("qty"), lit("day", "text")), fn("TODAY"))
    assert check(parse(data), FIELDS) == "boolean"


def test_a_condition_must_be_true_or_false():
    assert problems(ref("amount")) == [("$", "wrong_result")]
    with pytest.raises(Invalid):
        parse_condition(fn("DATEADD", fn("TODAY"), lit("1", "number"), lit("day", "text")), FIELDS)
    assert parse_condition(ref("done"), FIELDS) == parse(ref("done"))


def test_a_condition_saved_before_a_field_changed_type_fails_loudly_instead_of_comparing_wrong_things():
    node = parse_condition(fn(">", ref("amount"), lit("5", "number")), FIELDS)
    changed = {**FIELDS, "amount": FieldInfo("text")}
    with pytest.raises(Invalid):
        evaluate(node, {"amount": "7"}, changed, CTX)
