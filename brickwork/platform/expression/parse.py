"""From stored JSON to nodes, refusing anything that is not exactly the language. Errors
name the JSON path of the offending part ("$.args[1].fn") so an editor can point at it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.expression.nodes import Fn, Lit, Node, Ref, Var
from brickwork.platform.expression.registry import FUNCTIONS
from brickwork.platform.expression.signature import arity_message
from brickwork.platform.expression.values import TYPES, VARS
from brickwork.platform.i18n import _

MAX_DEPTH = 64
MAX_NODES = 1000
MAX_ARGS = 100  # arguments of one call (SQLite takes 127 in one function call)
MAX_TEXT = 10_000  # characters in one text literal
MAX_ID = 2**63 - 1  # ids are the database's 64-bit integers

# Decimal strings only (binary floats would bring 0.1 + 0.2 into the data); 28 digits in
# all keep every operation exact in the default decimal context.
NUMBER = re.compile(r"-?\d{1,18}(\.\d{1,10})?")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")
KEYS = {"lit": {"lit", "type"}, "ref": {"ref", "path"}, "var": {"var"}, "fn": {"fn", "args"}}


class _TooMany(Exception):
    pass


def parse(data: Any) -> Node:
    """The node tree of a stored expression; raises Invalid listing every problem found."""
    parser = _Parser()
    try:
        node = parser.node(data, "$", 1)
    except _TooMany:
        parser.errors = [FieldError("$", "too_many_nodes", _(
            "An expression has at most %(n)s parts.", n=MAX_NODES))]
    if parser.errors:
        raise Invalid(_("The expression is not valid."), errors=parser.errors)
    return node


class _Parser:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.count = 0

    def fail(self, path: str, code: str, message: str) -> None:
        self.errors.append(FieldError(path, code, message))

    def node(self, data: Any, path: str, depth: int) -> Node | None:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooMany
        if depth > MAX_DEPTH:
            return self.fail(path, "too_deep", _("Expressions nest at most %(n)s levels deep.", n=MAX_DEPTH))
        kinds = [kind for kind in KEYS if isinstance(data, dict) and kind in data]
        if len(kinds) != 1:
            return self.fail(path, "unknown_kind", _(
                'Expected an object with exactly one of "lit", "ref", "var" or "fn".'))
        extra = [key for key in data if key not in KEYS[kinds[0]]]
        for key in extra:
            self.fail(f"{path}.{key}", "extra_forbidden", _("This property is not allowed here."))
        node = getattr(self, kinds[0])(data, path, depth)
        return None if extra else node

    def lit(self, data: dict, path: str, depth: int) -> Lit | None:
        type_ = data.get("type")
        if type_ not in TYPES:
            return self.fail(f"{path}.type", "unknown_type", _(
                "Unknown type. Use one of: %(types)s.", types=", ".join(TYPES)))
        try:
            return Lit(literal_value(data["lit"], type_), type_)
        except ValueError as problem:
            return self.fail(f"{path}.lit", "bad_literal", str(problem))

    def ref(self, data: dict, path: str, depth: int) -> Ref | None:
        if not isinstance(data["ref"], str) or not data["ref"]:
            return self.fail(f"{path}.ref", "bad_ref", _("Give the id of a field."))
        steps = data.get("path", [])
        if "path" in data and not (isinstance(steps, list) and len(steps) == 1
                                   and all(isinstance(step, str) and step for step in steps)):
            return self.fail(f"{path}.path", "bad_path", _(
                "Give the path as a list with the id of one field of the rows."))
        return Ref(data["ref"], tuple(steps))

    def var(self, data: dict, path: str, depth: int) -> Var | None:
        if data["var"] not in VARS:
            return self.fail(f"{path}.var", "unknown_var", _(
                "Unknown variable. Use one of: %(vars)s.", vars=", ".join(VARS)))
        return Var(data["var"])

    def fn(self, data: dict, path: str, depth: int) -> Fn | None:
        name = data["fn"]
        function = FUNCTIONS.get(name.upper()) if isinstance(name, str) else None
        if function is None:
            return self.fail(f"{path}.fn", "unknown_function", _(
                "Unknown function %(name)s.", name=str(name)[:40]))
        args = data.get("args", [])
        if not isinstance(args, list):
            return self.fail(f"{path}.args", "not_a_list", _("Give the arguments as a list."))
        least, most = function.arity
        arity_ok = least <= len(args) and (most is None or len(args) <= most)
        if not arity_ok:
            self.fail(f"{path}.args", "arity", arity_message(function.name, least, most))
        nodes = [self.node(arg, f"{path}.args[{i}]", depth + 1) for i, arg in enumerate(args)]
        if not arity_ok or None in nodes:
            return None
        return Fn(function.name, tuple(nodes))


def literal_value(raw: Any, type_: str) -> Any:
    """The Python value of a literal; ValueError with a translated message if it does not fit."""
    if raw is None:
        if type_ == "boolean":
            raise ValueError(_("A checkbox is true or false, never blank."))
        return None
    if type_ == "boolean":
        if not isinstance(raw, bool):
            raise ValueError(_("Give true or false."))
        return raw
    if type_ in ("text", "choice"):
        if not isinstance(raw, str) or len(raw) > MAX_TEXT:
            raise ValueError(_("Give a text of at most %(n)s characters.", n=MAX_TEXT))
        return raw or None  # "" is BLANK: there is only one kind of empty
    if type_ == "number":
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str) or not NUMBER.fullmatch(raw):
            raise ValueError(_('Give a number as a decimal string, such as "12.50".'))
        return Decimal(raw)
    if type_ == "date":
        return _parse_time(raw, DATE, date.fromisoformat, _('Give a date as "2024-07-01".'))
    if type_ == "datetime":
        value = _parse_time(raw, DATETIME, datetime.fromisoformat,
                            _('Give a date and time with its offset, as "2024-07-01T09:30:00+08:00".'))
        return value.astimezone(UTC)
    if type_ == "choices":
        if not isinstance(raw, list) or not all(isinstance(v, str) and v for v in raw):
            raise ValueError(_("Give a list of option ids."))
        return list(raw) or None
    if not isinstance(raw, int) or isinstance(raw, bool) or abs(raw) > MAX_ID:  # user, department, record
        raise ValueError(_("Give an id (a whole number)."))
    return raw


def _parse_time(raw: Any, pattern: re.Pattern, convert, message: str):
    if not isinstance(raw, str) or not pattern.fullmatch(raw):
        raise ValueError(message)
    try:
        return convert(raw)
    except ValueError:
        raise ValueError(message) from None
