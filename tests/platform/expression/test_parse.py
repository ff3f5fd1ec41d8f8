from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from brickwork.platform.errors import Invalid
from brickwork.platform.expression import MAX_DEPTH, MAX_NODES, Fn, Lit, Ref, Var, parse, to_json
from tests.platform.expression.helpers import fn, lit, ref, var

STAGE_WON = fn("=", ref("fld_stage"), lit("won", "choice"))


def errors_of(data) -> list[tuple[str, str]]:
    with pytest.raises(Invalid) as caught:
        parse(data)
    return [(e.field, e.code) for e in caught.value.errors]


def test_the_reference_example_parses_into_nodes_and_dumps_back_unchanged():
    data = fn("AND", STAGE_WON, fn(">=", ref("fld_amount"), lit("10000.50", "number")))
    node = parse(data)
    assert node == Fn("AND", (
        Fn("=", (Ref("fld_stage"), Lit("won", "choice"))),
        Fn(">=", (Ref("fld_amount"), Lit(Decimal("10000.50"), "number")))))
    assert to_json(node) == data


@pytest.mark.parametrize(("raw", "type_", "value"), [
    ("12.50", "number", Decimal("12.50")),
    (12, "number", Decimal(12)),
    ("-0.001", "number", Decimal("-0.001")),
    ("2024-07-01", "date", date(2024, 7, 1)),
    ("2024-07-01T09:30:00+08:00", "datetime", datetime(2024, 7, 1, 1, 30, tzinfo=UTC)),
    ("2024-07-01T17:30:00.25Z", "datetime", datetime(2024, 7, 1, 17, 30, 0, 250000, tzinfo=UTC)),
    (True, "boolean", True),
    ("客户", "text", "客户"),
    ("", "text", None),  # only one kind of empty: BLANK
    (["a", "b"], "choices", ["a", "b"]),
    ([], "choices", None),
    (None, "number", None),
    (5, "user", 5),
])
def test_literals_become_python_values(raw, type_, value):
    assert parse(lit(raw, type_)) == Lit(value, type_)


@pytest.mark.parametrize(("raw", "type_"), [
    (1.5, "number"),  # binary floats are refused: decimal strings only
    ("1e3", "number"),
    ("12,50", "number"),
    ("2024-02-30", "date"),
    ("2024-07-01T09:30:00", "datetime"),  # no offset: ambiguous
    (None, "boolean"),  # a checkbox is never blank
    ("true", "boolean"),
    (True, "user"),
    ([""], "choices"),
    (3, "text"),
])
def test_literals_that_do_not_fit_their_type_are_refused_at_the_literal(raw, type_):
    assert errors_of(fn("NOT", lit(raw, type_))) == [("$.args[0].lit", "bad_literal")]


def test_errors_name_the_json_path_of_each_problem():
    data = fn("AND",
              STAGE_WON,
              {"fn": "FROB", "args": []},
              fn("NOT", {"foo": 1}),
              fn("NOT", STAGE_WON, STAGE_WON),
              fn("=", var("$you"), lit(1, "user")),
              {"lit": "x", "type": "colour"},
              {"ref": "fld_a", "path": "x"})
    assert errors_of(data) == [
        ("$.args[1].fn", "unknown_function"),
        ("$.args[2].args[0]", "unknown_kind"),
        ("$.args[3].args", "arity"),
        ("$.args[4].args[0].var", "unknown_var"),
        ("$.args[5].type", "unknown_type"),
        ("$.args[6].path", "bad_path"),  # a path is a list of one child field id
    ]


def test_messages_say_what_is_expected():
    with pytest.raises(Invalid) as caught:
        parse(fn("CONTAINS", lit("a", "text")))
    assert caught.value.errors[0].message == "CONTAINS needs 2 arguments."
    with pytest.raises(Invalid) as caught:
        parse(fn("DATEADD", fn("TODAY"), lit("1", "number")))
    assert caught.value.errors[0].message == "DATEADD needs 3 arguments."
    with pytest.raises(Invalid) as caught:
        parse(fn("NOT"))
    assert caught.value.errors[0].message == "NOT needs 1 argument."  # singular: ngettext
    with pytest.raises(Invalid) as caught:
        parse(fn("IF", lit(True, "boolean")))
    assert caught.value.errors[0].message == "IF needs 2 or 3 arguments."
    with pytest.raises(Invalid) as caught:
        parse(fn("AND"))
    assert caught.value.errors[0].message == "AND needs at least 1 argument."


def test_function_names_are_case_insensitive_and_stored_upper_case():
    assert parse({"fn": "today"}) == Fn("TODAY", ())


@pytest.mark.parametrize("data", [[], "x", 3, None, {"ref": "a", "var": "$me"}, {}])
def test_anything_but_one_node_object_is_refused(data):
    assert errors_of(data) == [("$", "unknown_kind")]


def nested(depth: int) -> dict:
    node = ref("fld_done")
    for _ in range(depth - 1):
        node = fn("NOT", node)
    return node


def test_expressions_nest_at_most_64_levels():
    assert MAX_DEPTH == 64
    parse(nested(64))
    [(path, code)] = errors_of(nested(65))
    assert code == "too_deep" and path == "$" + ".args[0]" * 64


def test_expressions_have_at_most_1000_nodes():
    assert MAX_NODES == 1000
    parse(fn("OR", *[ref("fld_done")] * 999))
    assert errors_of(fn("OR", *[ref("fld_done")] * 1000)) == [("$", "too_many_nodes")]
    # A huge list is refused without walking all of it.
    assert errors_of(fn("OR", *[{"bad": 1}] * 100_000)) == [("$", "too_many_nodes")]


def test_variables():
    assert parse(var("$my_department")) == Var("$my_department")
