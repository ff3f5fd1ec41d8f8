"""IF, IFS, SWITCH, BLANKVALUE: choosing between values. A BLANK condition is false."""

from __future__ import annotations

from brickwork.platform.expression.operand import Sql
from brickwork.platform.expression.pyfuncs import equal
from brickwork.platform.expression.signature import Function, TypeProblem, expected, same_type, type_name
from brickwork.platform.i18n import _

# Everything but a multiple choice can be chosen, compared in SWITCH and defaulted.
VALUE_TYPES = ("text", "number", "boolean", "date", "datetime", "choice", "user", "department", "record")


def _same(types, positions: list[int]) -> str:
    first = types[positions[0]]
    if first not in VALUE_TYPES:
        raise TypeProblem(positions[0], "type_mismatch", _("A %(type)s value cannot be used here.",
                                                           type=type_name(first)))
    for i in positions[1:]:
        if types[i] != first:
            raise expected(i, first, types[i])
    return first


def _conditions_at(types, positions: list[int]) -> None:
    for i in positions:
        if types[i] != "boolean":
            raise expected(i, "boolean", types[i])


# --- IF(c, a, [b]) ------------------------------------------------------------------------

def _if_result(nodes, types) -> str:
    _conditions_at(types, [0])
    return _same(types, list(range(1, len(types))))


def _if(args, types, ctx):
    return args[1] if args[0] is True else (args[2] if len(args) > 2 else None)


def _if_sql(args) -> str:
    return "CASE WHEN {0} THEN {1} ELSE {2} END" if len(args) > 2 else "CASE WHEN {0} THEN {1} END"


# --- IFS(c1, v1, c2, v2, …, [default]) ------------------------------------------------------

def _ifs_values(n: int) -> list[int]:
    return list(range(1, n, 2)) + ([n - 1] if n % 2 else [])


def _ifs_result(nodes, types) -> str:
    _conditions_at(types, list(range(0, len(types) - len(types) % 2, 2)))
    return _same(types, _ifs_values(len(types)))


def _ifs(args, types, ctx):
    for i in range(0, len(args) - 1, 2):
        if args[i] is True:
            return args[i + 1]
    return args[-1] if len(args) % 2 else None


def _ifs_sql(args) -> str:
    n = len(args)
    cases = " ".join(f"WHEN {{{i}}} THEN {{{i + 1}}}" for i in range(0, n - n % 2, 2))
    return f"CASE {cases} ELSE {{{n - 1}}} END" if n % 2 else f"CASE {cases} END"


# --- SWITCH(x, v1, r1, …, [default]) -------------------------------------------------------

def _switch_groups(n: int) -> list[list[int]]:
    keys = [0, *range(1, n - 1, 2)]
    results = list(range(2, n, 2)) + ([n - 1] if n % 2 == 0 else [])
    return [keys, results]


def _switch_result(nodes, types) -> str:
    keys, results = _switch_groups(len(types))
    _same(types, keys)
    return _same(types, results)


def _switch(args, types, ctx):
    for i in range(1, len(args) - 1, 2):
        if equal(args[0], types[0], args[i], types[i], ctx):  # BLANK matches only BLANK
            return args[i + 1]
    return args[-1] if len(args) % 2 == 0 else None


def _switch_sql(args) -> str:
    n = len(args)
    cases = " ".join(f"WHEN {{0}} IS NOT DISTINCT FROM {{{i}}} THEN {{{i + 1}}}" for i in range(1, n - 1, 2))
    return f"CASE {cases} ELSE {{{n - 1}}} END" if n % 2 == 0 else f"CASE {cases} END"


# --- BLANKVALUE(x, fallback) ------------------------------------------------------------------

def _blankvalue(args, types, ctx):
    return args[1] if args[0] is None else args[0]


LOGIC_FUNCTIONS = (
    Function("IF", (2, 3), _if_result, _if, Sql(_if_sql), same_type(lambda n: [list(range(1, n))]),
             lambda n: list(range(1, n))),  # IF(c, a) has one result, IF(c, a, b) two
    Function("IFS", (2, None), _ifs_result, _ifs, Sql(_ifs_sql), same_type(lambda n: [_ifs_values(n)]),
             _ifs_values),
    Function("SWITCH", (3, None), _switch_result, _switch, Sql(_switch_sql), same_type(_switch_groups),
             lambda n: _switch_groups(n)[1]),
    Function("BLANKVALUE", (2, 2), lambda nodes, types: _same(types, [0, 1]), _blankvalue,
             Sql("coalesce({0}, {1})"), same_type(lambda n: [[0, 1]]), lambda n: [0, 1]),
)
