"""AST → formula text, so the designer can show a stored formula: fields by key, operators
infix with only the parentheses precedence needs, AND/OR/NOT as functions.
``parse_formula(print_formula(n, fields), fields) == canonical(n, fields)`` (infer.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime

from brickwork.platform.expression.fieldnames import FieldNames
from brickwork.platform.expression.formula import BINARY, KEYWORDS, LITERAL_FORMS, UNARY_POWER
from brickwork.platform.expression.nodes import Fn, Lit, Node, Ref, Var
from brickwork.platform.expression.values import FieldInfo

BARE = re.compile(r"[^\W\d]\w*")


def print_formula(node: Node, fields: Mapping[str, FieldInfo]) -> str:
    return _Printer(FieldNames(fields)).text(node)


class _Printer:
    def __init__(self, names: FieldNames) -> None:
        self.names = names

    def text(self, node: Node) -> str:
        if isinstance(node, Lit):
            return literal(node)
        if isinstance(node, Var):
            return node.name
        if isinstance(node, Ref):
            if node.path:  # lines.amount
                info = self.names.fields.get(node.field)
                children = FieldNames(info.children if info is not None and info.children else {})
                return f"{self.field(node.field)}.{_Printer(children).field(node.path[0])}"
            return self.field(node.field)
        if node.name == "-" and len(node.args) == 1:
            operand = node.args[0]
            inner = self.text(operand)
            bare = isinstance(operand, Ref | Var) or (isinstance(operand, Fn) and operand.name not in BINARY)
            return f"-{inner}" if bare and not inner.startswith("-") else f"-({inner})"
        if node.name in BINARY and len(node.args) == 2:
            power = BINARY[node.name]
            left = self.operand(node.args[0], power, right=False)
            right = self.operand(node.args[1], power, right=True)
            return f"{left} {node.name} {right}"
        return "%s(%s)" % (node.name, ", ".join(self.text(arg) for arg in node.args))

    def operand(self, node: Node, power: int, *, right: bool) -> str:
        text = self.text(node)
        inner = _power(node)
        if inner < power or (right and inner == power):
            return f"({text})"
        return text

    def field(self, fid: str) -> str:
        name = self.names.name_of(fid)
        # A reverse relation's key is "form.relation": bare when each part is.
        if all(BARE.fullmatch(part) and part.lower() not in KEYWORDS and part.upper() not in LITERAL_FORMS
               for part in name.split(".")):
            return name
        return "{%s}" % name


def _power(node: Node) -> int:
    if isinstance(node, Fn) and node.name in BINARY and len(node.args) == 2:
        return BINARY[node.name]
    if isinstance(node, Fn) and node.name == "-":
        return UNARY_POWER
    if isinstance(node, Lit) and node.type == "number" and node.value is not None and node.value.is_signed():
        return UNARY_POWER  # -5: a unary minus to the parser
    return 100


def literal(node: Lit) -> str:
    value = node.value
    if value is None:
        return "BLANK()"
    if node.type == "boolean":
        return "TRUE" if value else "FALSE"
    if node.type == "number":
        return format(value, "f")
    if node.type in ("text", "choice"):
        return quote(value)
    if node.type == "datetime":
        return 'DATETIME("%s")' % value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date) and not isinstance(value, datetime):
        return f"DATE({value.year}, {value.month}, {value.day})"
    if node.type == "choices":
        return "CHOICES(%s)" % ", ".join(quote(v) for v in value)
    return str(value)  # user, department, record ids


def quote(text: str) -> str:
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')
