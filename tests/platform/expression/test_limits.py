"""The cost of an expression is bounded before it runs, and every expression within the
documented limits runs on the database (SQLite's parser holds only ~18 nested calls)."""

from dataclasses import replace

import pytest

from brickwork.platform.errors import Invalid
from brickwork.platform.expression import MAX_ARGS, MAX_DEPTH, check, parse
from brickwork.platform.expression.formula import parse_formula
from brickwork.platform.expression.nodes import to_json
from tests.platform.expression.helpers import FIELDS as SHORT
from tests.platform.expression.helpers import fn, lit, ref
from tests.platform.expression.test_compile import CTX, ROWS

TEXT = lambda v: lit(v, "text")  # noqa: E731
NUM = lambda v: lit(v, "number")  # noqa: E731
# A text field of unknown length counts as the longest text there is (100,000 characters).
FIELDS = {**SHORT, "name": replace(SHORT["name"], length=None)}


def nested(levels: int, wrap) -> dict:
    node = ref("name")
    for _ in range(levels):
        node = wrap(node)
    return node


def problem(data) -> dict:
    with pytest.raises(Invalid) as caught:
        check(parse(data), FIELDS)
    return caught.value.errors[0]


def test_a_text_that_grows_without_bound_is_refused_naming_the_call():
    tripling = nested(30, lambda t: fn("SUBSTITUTE", t, TEXT("a"), TEXT("aaa")))
    error = problem(fn("=", tripling, TEXT("x")))
    assert error.code == "too_long_text"
    assert "SUBSTITUTE" in error.message and "1,000,000" in error.message
    # The first call over the bound: the one whose value could pass 1,000,000 characters.
    assert error.field.startswith("$.args[0]") and error.field.endswith("args[0]")


def test_concatenation_counts_its_parts():
    doubled = nested(4, lambda t: fn("CONCAT", t, t))  # 100,000 × 2^4 characters
    assert problem(doubled).code == "too_long_text"
    assert check(parse(nested(3, lambda t: fn("CONCAT", t, t))), FIELDS) == "text"  # 800,000: fine


def test_a_substitute_that_shrinks_or_keeps_the_length_is_allowed():
    same = nested(60, lambda t: fn("SUBSTITUTE", t, TEXT("ab"), TEXT("cd")))
    assert check(parse(same), FIELDS) == "text"


def test_too_many_arguments_in_one_call():
    error = problem(fn("OR", *[fn("ISBLANK", ref("name"))] * (MAX_ARGS + 1)))
    assert (error.field, error.code) == ("$.args", "too_many_args")


def test_touching_long_texts_too_often_is_refused():
    # Each UPPER of a long text reads and writes it, and = reads it again: 240 of them are
    # some 72 million characters for each record.
    upper = fn("=", fn("UPPER", ref("name")), TEXT("X"))
    many = fn("OR", fn("OR", *[upper] * 80), fn("OR", *[upper] * 80), fn("OR", *[upper] * 80))
    assert problem(many).code == "too_costly"
    assert check(parse(fn("OR", *[upper] * 80)), FIELDS) == "boolean"  # 24 million: fine


def test_depth_is_checked_on_trees_built_in_code_too():
    from brickwork.platform.expression.nodes import Fn, Ref

    node = Ref("name")
    for _ in range(MAX_DEPTH + 1):
        node = Fn("UPPER", (node,))
    with pytest.raises(Invalid) as caught:
        check(node, FIELDS)
    assert caught.value.errors[0].code == "too_deep"


# Every kind of nesting at the documented depth, on the database the suite runs on: each
# chain is MAX_DEPTH levels deep with the comparison at the top and the field at the bottom.
CHAINS = {
    "formula in formula": (1, lambda t: fn("UPPER", t)),
    "condition in formula": (2, lambda t: fn("IF", fn("ISBLANK", t), TEXT("a"), TEXT("b"))),
    "match in formula": (2, lambda t: fn("IF", fn("CONTAINS", ref("code"), t), TEXT("y"), TEXT("n"))),
    "comparison in formula": (2, lambda t: fn("IF", fn("=", t, TEXT("a")), TEXT("b"), TEXT("c"))),
}


@pytest.mark.parametrize("kind", list(CHAINS))
def test_the_deepest_expression_the_language_allows_runs_on_the_database(records, kind):
    records.replace(ROWS)
    step, wrap = CHAINS[kind]
    node, depth = ref("name"), 2  # the field, and the comparison that will sit on top
    while depth + step <= MAX_DEPTH:
        node, depth = wrap(node), depth + step
    python, sql = records.both(fn("=", node, TEXT("x")), CTX)
    assert python == sql


def test_conditions_nest_as_deep_as_the_language_allows(records):
    records.replace(ROWS)
    node = fn("ISBLANK", ref("name"))
    for i in range(MAX_DEPTH - 2):
        node = fn("AND" if i % 2 else "OR", node, fn("ISBLANK", ref("code")))
    python, sql = records.both(node, CTX)
    assert python == sql == {3}


def test_numbers_nest_as_deep_as_the_language_allows(records):
    records.replace(ROWS)
    node = ref("amount")
    for _ in range(MAX_DEPTH - 2):
        node = fn("+", node, NUM("1"))
    python, sql = records.both(fn(">", node, NUM("70")), CTX)
    assert python == sql == {1, 2, 4}


def test_a_formula_25_levels_deep_runs_on_the_database(records):
    records.replace(ROWS)
    text = "1"
    for _ in range(25):
        text = f"ROUND({text}, 2)"
    node = parse_formula(f"{{amount}} > {text}", FIELDS, expect="boolean")
    python, sql = records.both(to_json(node), CTX)
    assert python == sql == {1, 2, 4}


def test_a_text_field_counts_as_long_as_it_may_be():
    """SUBSTITUTE over two short fields is fine; the same over fields of unknown length could
    build 10^10 characters."""
    over_fields = fn("SUBSTITUTE", ref("name"), TEXT(" "), ref("code"))
    assert check(parse(over_fields), SHORT) == "text"  # 200 characters × 200
    long = {**FIELDS, "code": replace(SHORT["code"], length=None)}
    with pytest.raises(Invalid):
        check(parse(over_fields), long)
