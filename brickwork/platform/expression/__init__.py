"""The expression language: one typed AST (stored as JSON), a Python evaluator for one
record and a compiler to SQLAlchemy for sets of records. See docs/expressions.md.

    node = parse_condition(data, fields)           # at save time: Invalid with JSON paths
    evaluate(node, record, fields, ctx)            # → True / False
    select(t).where(to_sql(node, columns, fields, ctx))
"""

from brickwork.platform.expression.check import check, parse_condition
from brickwork.platform.expression.compile import to_sql
from brickwork.platform.expression.evaluate import evaluate
from brickwork.platform.expression.limits import MAX_TEXT_RESULT, MAX_WORK
from brickwork.platform.expression.nodes import Fn, Lit, Node, Ref, Var, has_refs, to_json
from brickwork.platform.expression.parse import MAX_ARGS, MAX_DEPTH, MAX_NODES, parse
from brickwork.platform.expression.registry import FUNCTIONS, Function
from brickwork.platform.expression.values import TYPES, VARS, Context, FieldInfo

__all__ = [
    "FUNCTIONS", "MAX_ARGS", "MAX_DEPTH", "MAX_NODES", "MAX_TEXT_RESULT", "MAX_WORK",
    "TYPES", "VARS", "Context", "FieldInfo", "Fn", "Function",
    "Lit", "Node", "Ref", "Var", "check", "evaluate", "has_refs", "parse", "parse_condition",
    "to_json", "to_sql",
]
