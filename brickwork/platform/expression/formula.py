"""Formula text → AST: ``IF({Amount} > 100000, "A", "B")``. A hand-written Pratt parser over
tokens.py (docs/decisions/0004-formula-syntax.md); the result is the same AST the JSON form
gives, checked by check(), with every problem placed in the text (positions.py).

Precedence, loosest first: ``or``; ``and``; ``not``; comparisons ``= <> != < <= > >=``;
``&``; ``+ -``; ``* /``; unary ``-``. All binary operators are left-associative.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from brickwork.platform.errors import Invalid
from brickwork.platform.expression.check import check
from brickwork.platform.expression.fieldnames import FieldNames, NameProblem
from brickwork.platform.expression.infer import canonical
from brickwork.platform.expression.nodes import Fn, Lit, Node, Ref, Var
from brickwork.platform.expression.parse import MAX_DEPTH, MAX_NODES, literal_value
from brickwork.platform.expression.positions import FormulaError, Span, located, span_of
from brickwork.platform.expression.registry import FUNCTIONS
from brickwork.platform.expression.signature import arity_message
from brickwork.platform.expression.tokens import Token, TokenError, tokenize, unquote
from brickwork.platform.expression.values import VARS, FieldInfo
from brickwork.platform.i18n import _

MAX_SOURCE = 4000
BINARY = {"or": 1, "and": 2, "=": 4, "<>": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "&": 5, "+": 6, "-": 6,
          "*": 7, "/": 7}
NOT_POWER, UNARY_POWER = 3, 8
KEYWORDS = {"and", "or", "not", "true", "false"}
# Literal forms the printer writes for literals that have no operator syntax.
LITERAL_FORMS = {"TRUE", "FALSE", "BLANK", "DATETIME", "CHOICES"}
CALLABLE = {name for name in FUNCTIONS if name[0].isalpha()}


class _Stop(Exception):
    def __init__(self, error: FormulaError) -> None:
        self.error = error


def parse_formula(source: str, fields: Mapping[str, FieldInfo], *, expect: str | None = None) -> Node:
    """The AST of formula text; raises Invalid whose errors are FormulaErrors (code, message,
    start, end, line, column). ``expect``: the type the value must have ("boolean" for a
    condition, a formula field's type), which also types a bare ``BLANK()``."""
    node, span = _parse(source, fields)
    node = canonical(node, fields, expect)
    try:
        check(node, fields, expect=expect)
    except Invalid as problem:
        errors = []
        for error in problem.errors:
            where = span_of(error.field, span)
            errors.append(located(source, where.start, where.end, error.code, error.message, error.field))
        raise Invalid(_("The formula is not valid."), errors=errors) from None
    return node


def _parse(source: str, fields: Mapping[str, FieldInfo]) -> tuple[Node, Span]:
    try:
        if len(source) > MAX_SOURCE:
            raise _Stop(located(source, MAX_SOURCE, len(source), "too_long", _(
                "A formula has at most %(n)s characters.", n=MAX_SOURCE)))
        if not source.strip():
            raise _Stop(located(source, 0, 0, "empty", _("Write a formula.")))
        try:
            tokens = tokenize(source)
        except TokenError as problem:
            raise _Stop(located(source, problem.start, problem.end, problem.code, problem.message)) from None
        return _Parser(source, tokens, FieldNames(fields)).formula()
    except _Stop as stop:
        raise Invalid(_("The formula is not valid."), errors=[stop.error]) from None


class _Parser:
    def __init__(self, source: str, tokens: list[Token], names: FieldNames) -> None:
        self.source, self.tokens, self.names = source, tokens, names
        self.at = 0
        self.depth = 0
        self.count = 0

    # --- helpers ---------------------------------------------------------------------------

    def fail(self, start: int, end: int, code: str, problem: str) -> _Stop:
        return _Stop(located(self.source, start, end, code, problem))

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def unexpected(self, token: Token, wanted: str | None = None) -> _Stop:
        if wanted is not None:
            return self.fail(token.start, token.end, "expected", _("Expected %(wanted)s.", wanted="'%s'" % wanted))
        if token.kind == "end":
            return self.fail(token.start, token.end, "unexpected_end", _("The formula ends too early."))
        return self.fail(token.start, token.end, "unexpected", _("Unexpected %(text)s.", text=token.text))

    def made(self, node: Node, start: int, end: int, args: tuple[Span, ...] = ()) -> tuple[Node, Span]:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(start, end, "too_many_nodes", _("An expression has at most %(n)s parts.", n=MAX_NODES))
        return node, Span(start, end, args)

    # --- grammar ---------------------------------------------------------------------------

    def formula(self) -> tuple[Node, Span]:
        result = self.expression(0)
        token = self.peek()
        if token.kind != "end":
            if token.text == ")":
                raise self.fail(token.start, token.end, "unbalanced", _("This ) has no matching (."))
            raise self.unexpected(token)
        return result

    def expression(self, power: int) -> tuple[Node, Span]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            token = self.peek()
            raise self.fail(token.start, token.end, "too_deep", _(
                "Expressions nest at most %(n)s levels deep.", n=MAX_DEPTH))
        left, span = self.prefix()
        while True:
            token = self.peek()
            op = self._binary(token)
            if op is None or BINARY[op] <= power:
                break
            self.take()
            right, right_span = self.expression(BINARY[op])
            name = op.upper() if op in ("and", "or") else op
            left, span = self.made(Fn(name, (left, right)), span.start, right_span.end, (span, right_span))
        self.depth -= 1
        return left, span

    @staticmethod
    def _binary(token: Token) -> str | None:
        if token.kind == "op" and token.text in BINARY:
            return token.text
        if token.kind == "name" and token.text.lower() in ("and", "or"):
            return token.text.lower()
        return None

    def prefix(self) -> tuple[Node, Span]:
        token = self.take()
        if token.kind == "number":
            return self.number(token, token.text, token.start)
        if token.kind == "string":
            return self.literal(unquote(token.text), "text", token)
        if token.kind == "field":
            return self.field(token.text[1:-1], token)
        if token.kind == "var":
            if token.text not in VARS:
                raise self.fail(token.start, token.end, "unknown_var", _(
                    "Unknown variable. Use one of: %(vars)s.", vars=", ".join(VARS)))
            return self.made(Var(token.text), token.start, token.end)
        if token.kind == "op" and token.text == "-":
            following = self.peek()
            if following.kind == "number" and following.start == token.end:
                self.take()
                return self.number(following, "-" + following.text, token.start)
            operand, span = self.expression(UNARY_POWER - 1)
            return self.made(Fn("-", (operand,)), token.start, span.end, (span,))
        if token.kind == "op" and token.text == "(":
            node, span = self.expression(0)
            close = self.peek()
            if close.text != ")":
                raise self.fail(close.start, close.end, "expected", _("Expected %(wanted)s.", wanted="')'"))
            self.take()
            return node, span
        if token.kind == "name":
            return self.name(token)
        raise self.unexpected(token)

    def name(self, token: Token) -> tuple[Node, Span]:
        word = token.text.lower()
        if self.peek().text == "(" and self.peek().kind == "op":
            return self.call(token)
        if word == "not":
            operand, span = self.expression(NOT_POWER - 1)
            return self.made(Fn("NOT", (operand,)), token.start, span.end, (span,))
        if word in ("true", "false"):
            return self.made(Lit(word == "true", "boolean"), token.start, token.end)
        if word in KEYWORDS:
            raise self.unexpected(token)
        return self.field(token.text, token)

    def call(self, token: Token) -> tuple[Node, Span]:
        name = token.text.upper()
        if name not in CALLABLE and name not in LITERAL_FORMS:
            close = difflib.get_close_matches(name, sorted(CALLABLE), n=1)
            problem = (_("Unknown function %(name)s. Did you mean %(suggestion)s?", name=token.text,
                         suggestion=close[0]) if close else _("Unknown function %(name)s.", name=token.text))
            raise self.fail(token.start, token.end, "unknown_function", problem)
        self.take()  # (
        args: list[tuple[Node, Span]] = []
        if self.peek().text != ")":
            while True:
                args.append(self.expression(0))
                if self.peek().text == ",":
                    self.take()
                    continue
                break
        close = self.peek()
        if close.text != ")" or close.kind != "op":
            raise self.fail(close.start, close.end, "expected", _("Expected %(wanted)s.", wanted="')'"))
        self.take()
        if name in LITERAL_FORMS:
            return self.literal_form(name, args, token, close)
        function = FUNCTIONS[name]
        least, most = function.arity
        if len(args) < least or (most is not None and len(args) > most):
            raise self.fail(token.start, close.end, "arity", arity_message(name, least, most))
        return self.made(Fn(name, tuple(n for n, _s in args)), token.start, close.end, tuple(s for _n, s in args))

    def literal_form(self, name: str, args, token: Token, close: Token) -> tuple[Node, Span]:
        """TRUE(), FALSE(), BLANK(), DATETIME("…Z"), CHOICES("a", "b"): literals, not functions."""
        values = [n.value for n, _s in args if isinstance(n, Lit) and n.type == "text"]
        if name in ("TRUE", "FALSE", "BLANK"):
            if args:
                raise self.fail(token.start, close.end, "arity", arity_message(name, 0, 0))
            value = None if name == "BLANK" else name == "TRUE"
            return self.made(Lit(value, "text" if value is None else "boolean"), token.start, close.end)
        if len(values) != len(args) or not args or (name == "DATETIME" and len(args) != 1):
            raise self.fail(token.start, close.end, "bad_literal", _(
                '%(fn)s takes text literals only, such as %(fn)s("%(example)s").', fn=name,
                example="2024-07-01T09:30:00Z" if name == "DATETIME" else "a"))
        try:
            if name == "DATETIME":
                return self.made(Lit(literal_value(values[0], "datetime"), "datetime"), token.start, close.end)
            return self.made(Lit(literal_value(values, "choices"), "choices"), token.start, close.end)
        except ValueError as problem:
            raise self.fail(token.start, close.end, "bad_literal", str(problem)) from None

    def number(self, token: Token, text: str, start: int) -> tuple[Node, Span]:
        try:
            value = literal_value(text, "number")
        except ValueError:
            raise self.fail(start, token.end, "bad_number", _(
                "A number has at most 18 digits before the point and 10 after it.")) from None
        return self.made(Lit(value, "number"), start, token.end)

    def literal(self, value: str, type_: str, token: Token) -> tuple[Node, Span]:
        try:
            return self.made(Lit(literal_value(value, type_), type_), token.start, token.end)
        except ValueError as problem:
            raise self.fail(token.start, token.end, "bad_literal", str(problem)) from None

    def field(self, name: str, token: Token) -> tuple[Node, Span]:
        if token.kind == "name" and "." in name:  # lines.amount: one token
            # The longest start that names a field: a reverse relation is "deals.customer".
            parts = name.split(".")
            cut = next((n for n in range(len(parts), 1, -1) if self.names.knows(".".join(parts[:n]))), 1)
            if cut < len(parts):
                head, rest = ".".join(parts[:cut]), ".".join(parts[cut:])
                middle = token.start + len(head)
                return self.path(head, (token.start, middle), rest, (middle + 1, token.end))
        dot = self.peek()
        if dot.kind == "op" and dot.text == "." and dot.start == token.end:  # {Order lines}.{Amount}
            self.take()
            child = self.take()
            if child.kind not in ("name", "field") or child.start != dot.end:
                raise self.fail(dot.start, child.end, "expected_child", _(
                    "After the dot, name a field of the rows, such as lines.amount."))
            text = child.text[1:-1] if child.kind == "field" else child.text
            return self.path(name, (token.start, token.end), text, (child.start, child.end))
        try:
            return self.made(Ref(self.names.resolve(name)), token.start, token.end)
        except NameProblem as problem:
            raise self.fail(token.start, token.end, problem.code, problem.message) from None

    def path(self, head: str, head_at: tuple[int, int], rest: str, rest_at: tuple[int, int]) -> tuple[Node, Span]:
        """``lines.amount``: the values of a field of a sub-form's rows or a relation's records."""
        try:
            fid = self.names.resolve(head)
        except NameProblem as problem:
            raise self.fail(*head_at, problem.code, problem.message) from None
        children = self.names.fields[fid].children
        if children is None:
            raise self.fail(*head_at, "not_rows", _(
                "%(name)s has no rows: only a sub-form or a relation to many has fields to sum up.", name=head))
        if "." in rest:
            raise self.fail(*rest_at, "deep_path", _("A path has one step: the rows, then one of their fields."))
        try:
            child = FieldNames(children).resolve(rest)
        except NameProblem as problem:
            raise self.fail(*rest_at, problem.code, problem.message) from None
        return self.made(Ref(fid, (child,)), head_at[0], rest_at[1])

