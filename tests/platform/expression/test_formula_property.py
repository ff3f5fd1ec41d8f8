"""The whole formula language, property-tested: for random records and random well-typed
formulas of every type, the value SQL computes for each row (SQLite, or PostgreSQL when
configured) is the value the Python evaluator computes; and printing a formula then
parsing the text gives the same AST back."""

from hypothesis import HealthCheck, given, settings

from brickwork.platform.expression import FUNCTIONS, check, parse
from brickwork.platform.expression.formula import parse_formula
from brickwork.platform.expression.infer import canonical
from brickwork.platform.expression.printer import print_formula
from tests.platform.expression.helpers import FIELDS
from tests.platform.expression.language import formulas
from tests.platform.expression.test_property import contexts, rows


def test_sql_and_python_compute_the_same_values(records):
    @settings(max_examples=300, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(rows=rows, formula=formulas, ctx=contexts)
    def agree(rows, formula, ctx):
        type_, data = formula
        node = parse(data)
        assert check(node, FIELDS) == type_
        records.replace([{"id": i, **row} for i, row in enumerate(rows, start=1)])
        assert records.sql_values(node, type_, ctx) == records.python_values(node, ctx)

    agree()


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(formula=formulas)
def test_printing_then_parsing_gives_the_same_ast(formula):
    type_, data = formula
    node = canonical(parse(data), FIELDS, type_)
    text = print_formula(node, FIELDS)
    assert parse_formula(text, FIELDS, expect=type_) == node, text


def test_the_generator_reaches_every_function():
    """A guard on the property test itself: a function it never generates is not tested."""
    seen: set[str] = set()

    def walk(node):
        if "fn" in node:
            seen.add(node["fn"])
            for arg in node["args"]:
                walk(arg)

    @settings(max_examples=500, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(formulas)
    def collect(formula):
        walk(formula[1])

    collect()
    assert set(FUNCTIONS) - seen == set()
