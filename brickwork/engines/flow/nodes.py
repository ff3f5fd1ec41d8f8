"""The node types of a flow: one entry each, all of the same shape (``NodeType``).

An entry checks its own settings when the flow is saved and published, and says what
happens when an instance reaches a node of its type. The whole-flow checks (reachable,
closed groups, a default branch) are ``graph.py``'s; the runtime is ``engine.py``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from brickwork.engines.flow.approvers import ON_EMPTY, ON_SELF, SOURCES
from brickwork.engines.flow.definition import Node
from brickwork.platform.errors import FieldError
from brickwork.platform.i18n import _


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


# --- the entries. Checks see the node's own settings; ``activate`` hands the node to the
# engine's runtime (``engine.Runtime``), which this module does not import.

PERMISSIONS = ("edit", "read", "hidden")
ACTIONS = ("approve", "reject", "return", "transfer", "add_sign", "cc")
TIMEOUT_ACTIONS = ("remind", "auto_approve", "auto_reject", "auto_return", "transfer")


def setting(node: Node, key: str, default: Any = None) -> Any:
    """A node's own setting (its registry entry's), or the default."""
    value = (node.model_extra or {}).get(key)
    return default if value is None else value


def _permissions(node: Node, form: Any) -> list[FieldError]:
    value = setting(node, "permissions", {})
    if not isinstance(value, dict):
        return [FieldError("permissions", "type", _("Give each field's permission: edit, read or hidden."))]
    keys = {name for f in form.fields for name in (f.key, f.id)} if form is not None else None
    errors = []
    for key, permission in value.items():
        if permission not in PERMISSIONS:
            errors.append(FieldError(f"permissions.{key}", "permission", _("Use edit, read or hidden.")))
        elif keys is not None and key not in keys:
            errors.append(FieldError(f"permissions.{key}", "unknown_field",
                                     _("The form has no field %(key)s.", key=key)))
    return errors


def _specs(node: Node, key: str, form: Any, roles: set[str], required: bool) -> list[FieldError]:
    specs = setting(node, key, [])
    if not isinstance(specs, list) or (required and not specs):
        # The empty approver rule: the designer shows it on the node's card.
        message = _("Choose who receives a copy.") if node.type == "cc" else _("Choose who approves at this step.")
        return [FieldError(key, "empty", message)]
    errors = []
    for i, spec in enumerate(specs):
        entry = SOURCES.get(spec.get("source")) if isinstance(spec, dict) else None
        if entry is None:
            errors.append(FieldError(f"{key}[{i}].source", "unknown_source", _(
                "Use one of %(sources)s.", sources=", ".join(sorted(SOURCES)))))
            continue
        errors += [FieldError(f"{key}[{i}].{e.field}", e.code, e.message) for e in entry.check(spec, form, roles)]
    return errors


def _one_of(node: Node, key: str, allowed: tuple[str, ...], default: str) -> list[FieldError]:
    if setting(node, key, default) not in allowed:
        return [FieldError(key, "choice", _("Use one of %(values)s.", values=", ".join(allowed)))]
    return []


def _timeout(node: Node) -> list[FieldError]:
    value = setting(node, "timeout")
    if value is None:
        return []
    hours = value.get("hours") if isinstance(value, dict) else None
    if not isinstance(hours, int | float) or isinstance(hours, bool) or hours <= 0:
        return [FieldError("timeout.hours", "range", _("Give the hours before the step times out (more than 0)."))]
    errors = []
    if value.get("action", "remind") not in TIMEOUT_ACTIONS:
        errors.append(FieldError("timeout.action", "choice", _(
            "Use one of %(values)s.", values=", ".join(TIMEOUT_ACTIONS))))
    if value.get("action") == "transfer" and not isinstance(value.get("transfer_to"), int):
        errors.append(FieldError("timeout.transfer_to", "required", _("Choose who gets the task at the timeout.")))
    return errors


def _check_tasks(modes: tuple[str, ...], outcomes: tuple[str, ...]):
    def check(node: Node, form: Any, roles: set[str]) -> list[FieldError]:
        errors = _specs(node, "approvers", form, roles, True) + _permissions(node, form) + _timeout(node)
        errors += _one_of(node, "mode", modes, "any") + _one_of(node, "on_empty", ON_EMPTY, "assign_to_flow_admin")
        errors += _one_of(node, "on_self", ON_SELF, "skip")
        if setting(node, "mode") == "ratio":
            ratio = setting(node, "ratio")
            if not isinstance(ratio, int) or isinstance(ratio, bool) or not 1 <= ratio <= 100:
                errors.append(FieldError("ratio", "range", _("Give the share from 1 to 100.")))
        if setting(node, "on_empty") == "assign_to" and not isinstance(setting(node, "assign_to"), int):
            errors.append(FieldError("assign_to", "required", _("Choose who gets the task when nobody is found.")))
        for key in ("actions", "comment_required"):
            value = setting(node, key, [])
            if not isinstance(value, list) or any(a not in outcomes for a in value):
                errors.append(FieldError(key, "choice", _("Use some of %(values)s.", values=", ".join(outcomes))))
        targets = setting(node, "return_targets", "passed")
        if targets != "passed" and not (isinstance(targets, list) and all(isinstance(t, str) for t in targets)):
            errors.append(FieldError("return_targets", "choice", _('Use "passed" or a list of node ids.')))
        return errors
    return check


def _check_start(node: Node, form: Any, roles: set[str]) -> list[FieldError]:
    return _permissions(node, form)


def _check_cc(node: Node, form: Any, roles: set[str]) -> list[FieldError]:
    return _specs(node, "recipients", form, roles, True) + _permissions(node, form)


def _check_group(node: Node, form: Any, roles: set[str]) -> list[FieldError]:
    """A group has no settings of its own: its branches and default are the flow's shape,
    checked with the whole tree (graph.py), where each problem is named on its branch."""
    return []


def _activator(method: str, *args: Any) -> Callable[[Any, Node], Any]:
    def activate(run: Any, node: Node) -> Any:
        return getattr(run, method)(node, *args)
    return activate


APPROVAL_ACTIONS = ACTIONS
HANDLER_ACTIONS = ("approve", "return", "transfer", "add_sign", "cc")  # approve = submit: no reject

register(NodeType("start", "Submitter", False, False, _check_start, _activator("activate_start")))
register(NodeType("approval", "Approver", True, False,
                  _check_tasks(("sequential", "all", "any", "ratio"), APPROVAL_ACTIONS),
                  _activator("activate_tasks", "approve")))
register(NodeType("handler", "Handler", True, False, _check_tasks(("sequential", "all", "any"), HANDLER_ACTIONS),
                  _activator("activate_tasks", "handle")))
register(NodeType("cc", "CC", False, False, _check_cc, _activator("activate_cc")))
register(NodeType("condition_group", "Condition branches", False, True, _check_group,
                  _activator("activate_condition")))
register(NodeType("parallel_group", "Parallel branches", False, True, _check_group,
                  _activator("activate_parallel")))
