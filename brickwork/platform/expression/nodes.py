"""The AST: four node kinds and nothing else (no attribute access, lambdas or loops), so
there is nothing to escape from. ``parse`` builds these from the stored JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any


@dataclass(frozen=True)
class Lit:
    value: Any  # the parsed Python value (Decimal, date, ...); None is BLANK
    type: str


@dataclass(frozen=True)
class Ref:
    field: str  # a field id
    # Into the rows of a sub-form or the records of a relation to many: the child field's id
    # (``lines.amount``). Its value is a list, which only an aggregate takes (lists.py).
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Var:
    name: str  # "$me", "$my_department", "$today", "$now"


@dataclass(frozen=True)
class Fn:
    name: str
    args: tuple[Node, ...] = ()


Node = Lit | Ref | Var | Fn


def has_refs(node: Node) -> bool:
    """Whether the value depends on the record (otherwise it is known before any query)."""
    if isinstance(node, Ref):
        return True
    return isinstance(node, Fn) and any(has_refs(arg) for arg in node.args)


def to_json(node: Node) -> dict[str, Any]:
    """The canonical stored form; ``parse(to_json(n)) == n``."""
    if isinstance(node, Lit):
        return {"lit": _json_value(node.value), "type": node.type}
    if isinstance(node, Ref):
        return {"ref": node.field, "path": list(node.path)} if node.path else {"ref": node.field}
    if isinstance(node, Var):
        return {"var": node.name}
    return {"fn": node.name, "args": [to_json(arg) for arg in node.args]}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | int | str | None):
        return value
    if isinstance(value, list):
        return list(value)
    return str(value)  # Decimal: as written, "12.50" stays "12.50"
