"""What an expression may cost, checked before it is typed, compiled or run: its depth,
its parts, the arguments of one call, and a static bound on the text it can build and
the characters it can touch for each record. A nested SUBSTITUTE that triples a text 26
times would take minutes and gigabytes; it is refused here in microseconds, with the path
of the part at fault (docs/expressions.md#limits, docs/decisions/0011-request-cost-bounds.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from brickwork.platform.errors import FieldError
from brickwork.platform.expression.nodes import Fn, Lit, Node, Ref, Var
from brickwork.platform.expression.parse import MAX_ARGS, MAX_DEPTH, MAX_NODES
from brickwork.platform.expression.values import FieldInfo
from brickwork.platform.i18n import _

MAX_TEXT_RESULT = 1_000_000  # characters one text value may reach, at any step
MAX_WORK = 50_000_000  # characters an expression may read and write for one record
FIELD_TEXT = 100_000  # no stored text is longer (lib_text.MAX_COUNT)
# The longest text a value of each other type reads as (CONCAT, &): numbers have 28 digits,
# a sign and a point; a date and time is "YYYY-MM-DD HH:MM:SS".
AS_TEXT = {"number": 30, "boolean": 5, "date": 10, "datetime": 19, "user": 20, "department": 20,
           "record": 20, "choice": 200, "choices": 2_000}
JOINS = {"&", "CONCAT"}
SAME_OR_SHORTER = {"LEFT", "RIGHT", "MID", "TRIM", "UPPER"}  # UPPER maps one character to one
BRANCHES = {"IF", "IFS", "SWITCH", "BLANKVALUE"}


class _Stop(Exception):
    def __init__(self, error: FieldError) -> None:
        self.error = error


def problems(node: Node, fields: Mapping[str, FieldInfo]) -> list[FieldError]:
    """The first limit the expression breaks, as one FieldError (empty when within them)."""
    walk = _Walk(fields)
    try:
        walk.size(node, "$", 1)
        if walk.work > MAX_WORK:
            raise _Stop(FieldError("$", "too_costly", _(
                "This expression would handle about %(n)s characters for each record; at most %(max)s "
                "are allowed. Use fewer text functions over long texts.", n=f"{walk.work:,}", max=f"{MAX_WORK:,}")))
    except _Stop as stop:
        return [stop.error]
    return []


class _Walk:
    def __init__(self, fields: Mapping[str, FieldInfo]) -> None:
        self.fields = fields
        self.nodes = 0
        self.work = 0

    def size(self, node: Node, path: str, depth: int) -> int:
        """An upper bound on the characters of the node's value read as text."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Stop(FieldError("$", "too_many_nodes", _("An expression has at most %(n)s parts.", n=MAX_NODES)))
        if depth > MAX_DEPTH:
            raise _Stop(FieldError(path, "too_deep", _("Expressions nest at most %(n)s levels deep.", n=MAX_DEPTH)))
        if isinstance(node, Lit):
            return len(node.value or "") if node.type == "text" else AS_TEXT.get(node.type, 30)
        if isinstance(node, Var):
            return 20
        if isinstance(node, Ref):
            info = self.fields.get(node.field)
            if info is None or info.type == "rows" or node.path:
                return FIELD_TEXT
            return (info.length or FIELD_TEXT) if info.type == "text" else AS_TEXT[info.type]
        assert isinstance(node, Fn)
        if len(node.args) > MAX_ARGS:
            raise _Stop(FieldError(f"{path}.args", "too_many_args", _(
                "A function takes at most %(n)s arguments.", n=MAX_ARGS)))
        sizes = [self.size(arg, f"{path}.args[{i}]", depth + 1) for i, arg in enumerate(node.args)]
        result = self._result(node, sizes)
        if result > MAX_TEXT_RESULT:
            raise _Stop(FieldError(path, "too_long_text", _(
                "%(fn)s here could make a text of about %(n)s characters; at most %(max)s are allowed. "
                "Nest fewer SUBSTITUTE, CONCAT or & that make a text longer.",
                fn=node.name, n=f"{result:,}", max=f"{MAX_TEXT_RESULT:,}")))
        self.work += sum(sizes) + result
        return result

    @staticmethod
    def _result(node: Fn, sizes: list[int]) -> int:
        if node.name in JOINS:
            return sum(sizes)
        if node.name == "SUBSTITUTE":
            text, old, new = sizes
            # Each occurrence of `old` (at least one character long) becomes `new`.
            shortest = len(node.args[1].value or "") if isinstance(node.args[1], Lit) else 1
            return text if shortest == 0 else text + (text // shortest) * max(0, new - shortest)
        if node.name in SAME_OR_SHORTER:
            return sizes[0]
        if node.name == "LOWER":
            return 2 * sizes[0]  # "İ" lowers to two characters
        if node.name in BRANCHES:
            return max(sizes)
        return 40  # numbers, dates, conditions; TEXT(x, pattern) is shorter
