"""Aggregates over lists: the rows of a sub-form or the records of a relation to many.

``lines`` (a field whose FieldInfo has type ROWS and ``children``) is the list of rows;
``lines.amount`` (a ``Ref`` with a ``path``) the list of one child field's values, of type
``list:number``. A list is accepted only as the one argument of an aggregate —
``SUM(lines.amount)``, ``COUNT(lines)`` — and the aggregate is a plain value again, so it
combines with everything else: ``SUM(lines.amount) * (1 - discount)``.

Blank rules are those of the reference (§3.3): BLANKs are skipped; SUM of nothing is 0;
AVERAGE, MIN and MAX of nothing are BLANK; COUNT counts values that are not BLANK, COUNTALL
every row. The Python back end aggregates the list it is given (the record's value of the
sub-form or relation is a list of child dicts); the SQL back end asks the caller for a
correlated sub-query (sqllists.py), so the rows are never loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from brickwork.platform.expression.signature import Function, ResultRule, TypeProblem, type_name
from brickwork.platform.expression.values import ROWS
from brickwork.platform.i18n import _

LIST = "list:"
# What each aggregate takes a list of (COUNT and COUNTALL: any list, or the rows themselves).
ITEMS = {"SUM": ("number",), "AVERAGE": ("number",), "MIN": ("number", "date", "datetime"),
         "MAX": ("number", "date", "datetime")}
AGGREGATES = (*ITEMS, "COUNT", "COUNTALL")


def list_of(type_: str) -> str:
    return LIST + type_


def is_list(type_: str | None) -> bool:
    return type_ is not None and (type_ == ROWS or type_.startswith(LIST))


def item(type_: str) -> str:
    return type_[len(LIST):]


def path_type(node, fields) -> str | None:
    """The type of a ``Ref``: its field's, or ``list:T`` through a path (None if it does not
    resolve; check() says why)."""
    info = fields.get(node.field)
    if info is None:
        return None
    if not node.path:
        return info.type
    child = (info.children or {}).get(node.path[0])
    return None if child is None or child.type == ROWS else list_of(child.type)


def outside_message() -> str:
    return _("This is a list of values, one per row: use it inside SUM, AVERAGE, MIN, MAX or COUNT, "
             "such as SUM(lines.amount).")


def over_lists(name: str, scalar: ResultRule) -> ResultRule:
    """The result rule of SUM, AVERAGE, MIN and MAX: of values (``scalar``), or of one list."""
    def rule(nodes, types) -> str:
        lists = [i for i, found in enumerate(types) if is_list(found)]
        if not lists:
            return scalar(nodes, types)
        if len(types) > 1:
            raise TypeProblem(lists[0], "list_alone", _(
                "%(fn)s takes a list on its own, such as %(fn)s(lines.amount).", fn=name))
        if types[0] == ROWS:
            raise TypeProblem(0, "rows_not_values", _(
                "%(fn)s needs the values of one field of the rows, such as %(fn)s(lines.amount); "
                "COUNT(lines) counts the rows.", fn=name))
        if item(types[0]) not in ITEMS[name]:
            raise TypeProblem(0, "type_mismatch", _("%(fn)s cannot sum up a list of %(type)s values.",
                                                    fn=name, type=type_name(item(types[0]))))
        return "number" if name in ("SUM", "AVERAGE") else item(types[0])
    return rule


def over_lists_python(impl: Callable) -> Callable:
    """A Python implementation of values, given either the values or one list of them."""
    def run(args, types, ctx):
        if len(types) == 1 and is_list(types[0]):
            values = list(args[0] or [])
            return impl(values, [item(types[0])] * len(values), ctx)
        return impl(args, types, ctx)
    return run


def _count_rule(name: str) -> ResultRule:
    def rule(nodes, types) -> str:
        if not is_list(types[0]):
            raise TypeProblem(0, "not_a_list", _(
                "%(fn)s counts the rows of a sub-form or relation, or the values of one of their fields: "
                "%(fn)s(lines) or %(fn)s(lines.amount).", fn=name))
        return "number"
    return rule


def _count(args, types, ctx) -> Decimal:
    return Decimal(sum(1 for value in args[0] or [] if value is not None))


def _count_all(args, types, ctx) -> Decimal:
    return Decimal(len(args[0] or []))


# The SQL of an aggregate is a correlated sub-query the caller builds (sqllists.py); this
# marks the functions as having one (a function without SQL takes only constants).
BY_SUBQUERY = "subquery"

LIST_FUNCTIONS = (
    Function("COUNT", (1, 1), _count_rule("COUNT"), _count, BY_SUBQUERY),
    Function("COUNTALL", (1, 1), _count_rule("COUNTALL"), _count_all, BY_SUBQUERY),
)
