"""The node types of a flow: one entry each, all of the same shape (``NodeType``).

An entry checks its own settings when the flow is saved and published, and says what
happens when an instance reaches a node of its type. The whole-flow checks (reachable,
closed groups, a default branch) are ``graph.py``'s; the runtime is ``engine.py``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from brickwork.engines.flow.definition import Node
from brickwork.platform.errors import FieldError


@dataclass(frozen=True)
class NodeType:
    name: str
    label: Any  # a lazy translatable text: the designer's palette
    makes_tasks: bool  # approval and handler nodes give people tasks
    group: bool  # condition and parallel groups have branches
    # check(node, form, roles): problems with this node's own settings; field paths are
    # relative to the node ("approvers[0].role"); ``form`` is the bound FormDefinition and
    # ``roles`` the app's role keys.
    check: Callable[[Node, Any, set[str]], list[FieldError]]
    # activate(run, node): what reaching a node of this type does (engine.py's ``Run``).
    activate: Callable[[Any, Node], Any] | None = None


NODES: dict[str, NodeType] = {}


def register(entry: NodeType) -> NodeType:
    NODES[entry.name] = entry
    return entry
