"""Where in a formula's text a problem is: ``FormulaError`` carries the span (0-based
offsets, end exclusive) and the 1-based line and column, and its message says where in
the user's language, so a designer can both highlight the span and show the sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass

from brickwork.platform.errors import FieldError
from brickwork.platform.i18n import _


@dataclass
class FormulaError(FieldError):
    start: int = 0
    end: int = 0
    line: int = 1
    column: int = 1

    def as_dict(self) -> dict:
        return {**super().as_dict(), "start": self.start, "end": self.end, "line": self.line, "column": self.column}


@dataclass(frozen=True)
class Span:
    """A node's place in the text, with the places of its arguments (same shape as the AST)."""

    start: int
    end: int
    args: tuple[Span, ...] = ()


def located(source: str, start: int, end: int, code: str, problem: str, path: str = "formula") -> FormulaError:
    line = source.count("\n", 0, start) + 1
    column = start - (source.rfind("\n", 0, start) + 1) + 1
    if "\n" in source:
        message = _("Line %(line)s, column %(column)s: %(problem)s", line=line, column=column, problem=problem)
    else:
        message = _("Column %(column)s: %(problem)s", column=column, problem=problem)
    return FormulaError(path, code, message, start=start, end=max(end, start + 1), line=line, column=column)


_STEP = re.compile(r"\.args\[(\d+)\]")


def span_of(path: str, root: Span) -> Span:
    """The span of the node a JSON path of check()/parse() names ("$.args[1].ref")."""
    span = root
    for index in _STEP.findall(path):
        i = int(index)
        if i >= len(span.args):
            break
        span = span.args[i]
    return span
