"""The whole formula language, property-tested: for random records and random well-typed
formulas of every type, the value SQL computes for each row (SQLite, or PostgreSQL when
configured) is the value the Python evaluator computes. (Printing and parsing back is
tested by example in test_formula.py.)"""

from hypothesis import HealthCheck, given, reject, settings

from brickwork.platform.errors import Invalid
from brickwork.platform.expression import FUNCTIONS, check, parse
from tests.platform.expression.helpers import FIELDS
from tests.platform.expression.language import formulas
from tests.platform.expression.test_property import contexts, rows

LIMITS = {"too_long_text", "too_costly", "too_many_args", "too_deep", "too_many_nodes"}


def test_sql_and_python_compute_the_same_values(records):
    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(rows=rows, formula=formulas, ctx=contexts)
    def agree(rows, formula, ctx):
        type_, data = formula
        node = parse(data)
        try:
            assert check(node, FIELDS) == type_
        except Invalid as refused:  # past the cost limits (limits.py, tested on their own): not run
            if not all(e.code in LIMITS for e in refused.errors):
                raise
            reject()
        records.replace([{"id": i, **row} for i, row in enumerate(rows, start=1)])
        assert records.sql_values(node, type_, ctx) == records.python_values(node, ctx)

    agree()


def test_the_generator_names_every_function():
    """A guard on the property test itself: a function the generator never builds is not
    tested. (Checked on the generator's source: sampling enough examples to see every
    function takes minutes.)"""
    import ast
    import inspect

    from tests.platform.expression import language, test_property

    names = {node.value for module in (language, test_property)
             for node in ast.walk(ast.parse(inspect.getsource(module)))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert {name for name in FUNCTIONS if FUNCTIONS[name].sql is not None or name in ("TODAY", "NOW")} - names == set()
