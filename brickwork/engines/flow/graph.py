"""The whole-flow checks: the tree compiled into a directed graph, then what publishing refuses.

The designer draws a tree; the engine walks it. The graph (networkx) is where "every node
is reached from the start and reaches the end" is a question with a plain answer: a group
fans out to each branch's first node, and the end of every branch joins the group's next.

Every problem is a ``FieldError`` whose path names the node it is about, by its stable id:
``nodes.<node id>.<setting>`` (a branch is named by its own id, as ``nodes.<branch id>.condition``);
the designer reads the id to put the message on that card. Problems of the flow as a
whole are at ``$.<key>``.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from brickwork.engines.flow.definition import Branch, FlowDefinition, Node, walk
from brickwork.engines.flow.nodes import NODES
from brickwork.engines.form.conditions import with_ids
from brickwork.engines.form.formulas import formula_infos
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.expression import parse_condition
from brickwork.platform.i18n import _

END = "$end"
# The types the lead fixed the shapes of (flow_shapes): the graph knows their structure
# even where no registry entry checks their own settings.
SHAPES = {"start", "approval", "handler", "cc", "condition_group", "parallel_group"}
GROUPS = {"condition_group", "parallel_group"}
PEOPLE = {"approval": "approvers", "handler": "approvers", "cc": "recipients"}
STEPS = {"start", "approval", "handler"}  # what a return may go back to
PERMISSIONS = {"edit", "read", "hidden"}


def at(node_id: str, setting: str = "") -> str:
    return f"nodes.{node_id}" + (f".{setting}" if setting else "")


def is_group(node: Node) -> bool:
    entry = NODES.get(node.type)
    return entry.group if entry is not None else node.type in GROUPS


def branches_of(node: Node) -> list[Branch]:
    return [*node.branches, *([node.default] if node.default else [])]


def compile_graph(flow: FlowDefinition) -> nx.DiGraph:
    """start → … → ``END``; a group has an edge to each branch's first node (or straight to
    its next for an empty branch), and each branch's last node to the group's next."""
    graph = nx.DiGraph()
    graph.add_node(END)

    def chain(node: Node | None, exit_: str) -> str:
        if node is None:
            return exit_
        after = chain(node.next, exit_)
        graph.add_node(node.id, type=node.type)
        if is_group(node):
            for branch in branches_of(node):
                graph.add_edge(node.id, chain(branch.node, after))
        else:
            graph.add_edge(node.id, after)
        return node.id

    chain(flow.root, END)
    return graph


def check_flow(flow: FlowDefinition, form: Any = None, roles: set[str] | None = None) -> list[FieldError]:
    """What keeps the flow from being published. Without ``form`` (a save), what the flow
    alone says; with the bound form (a publish), conditions, permissions and fields too."""
    errors = _ids(flow)
    if errors:  # the graph would merge the twins: its answers would mislead
        return errors
    nodes = list(walk(flow.root))
    for node in nodes:
        errors += _shape(node, node is flow.root)
    errors += _reach(flow, nodes)
    for node in nodes:
        # A node's own settings are its type's to check (nodes.py); at a save, without the form.
        entry = NODES.get(node.type)
        if entry is not None:
            errors += [FieldError(at(node.id, e.field), e.code, e.message)
                       for e in entry.check(node, form.definition if form is not None else None, roles)]
        if form is not None:
            errors += _conditions(node, form)
    errors += _returns(flow, nodes)
    return errors


def _ids(flow: FlowDefinition) -> list[FieldError]:
    seen: set[str] = set()
    errors = []
    for node in walk(flow.root):
        for item in [node, *branches_of(node)]:
            if item.id in seen:
                errors.append(FieldError(at(item.id, "id"), "duplicate",
                                         _("The id %(id)s is used twice in this flow.", id=item.id)))
            seen.add(item.id)
    return errors


def _shape(node: Node, is_root: bool) -> list[FieldError]:
    errors = []
    if node.type not in NODES and node.type not in SHAPES:
        errors.append(FieldError(at(node.id, "type"), "unknown_type", _(
            "There is no node type %(type)s; use one of %(types)s.", type=node.type,
            types=", ".join(sorted(SHAPES | set(NODES))))))
    if node.type == "start" and not is_root:
        errors.append(FieldError(at(node.id, "type"), "start", _("A flow has one start node, at the top.")))
    if not is_group(node):
        if node.branches or node.default:
            errors.append(FieldError(at(node.id, "branches"), "not_group", _("Only a group has branches.")))
        return errors
    if node.type == "condition_group":
        if node.default is None:
            errors.append(FieldError(at(node.id, "default"), "no_default", _(
                "A condition group needs a default branch: the path when no condition holds.")))
        for branch in node.branches:
            if branch.condition is None:
                errors.append(FieldError(at(branch.id, "condition"), "required",
                                         _("Give this branch its condition.")))
    elif node.type == "parallel_group":
        if node.default is not None:
            errors.append(FieldError(at(node.id, "default"), "parallel_default",
                                     _("Parallel branches all run: there is no default branch.")))
        errors += [FieldError(at(b.id, "condition"), "parallel_condition",
                              _("Parallel branches all run: a branch has no condition."))
                   for b in node.branches if b.condition is not None]
    if not node.branches:
        errors.append(FieldError(at(node.id, "branches"), "no_branches", _("Add at least one branch.")))
    return errors


def _reach(flow: FlowDefinition, nodes: list[Node]) -> list[FieldError]:
    graph = compile_graph(flow)
    reached = nx.descendants(graph, flow.root.id) | {flow.root.id}
    ending = nx.ancestors(graph, END)
    errors = []
    for node in nodes:
        if node.id not in reached:
            errors.append(FieldError(at(node.id), "unreachable", _("No path from the start reaches this node.")))
        elif node.id not in ending and graph.out_degree(node.id) == 0:  # not its callers: the cause
            errors.append(FieldError(at(node.id), "dead_end", _("No path from this node reaches the end.")))
    if not nx.is_directed_acyclic_graph(graph):  # a tree cannot loop; a registry entry might
        errors.append(FieldError("$.root", "cycle", _("The flow goes round in a circle.")))
    return errors


def _conditions(node: Node, form: Any) -> list[FieldError]:
    if node.type != "condition_group":
        return []
    infos = formula_infos(form.definition.fields)
    errors = []
    for branch in node.branches:
        if branch.condition is None:
            continue
        try:
            parse_condition(with_ids(form, branch.condition), infos)
        except Invalid as exc:
            errors += [FieldError(at(branch.id, "condition"), e.code, e.message) for e in exc.errors[:1]]
        except (ValueError, TypeError, KeyError) as exc:  # a malformed AST
            errors.append(FieldError(at(branch.id, "condition"), "expression", str(exc)))
    return errors


def before(flow: FlowDefinition) -> dict[str, set[str]]:
    """For each node, the nodes an instance may have passed on its way there: those on some
    path from the start to it (a sibling branch of a parallel group runs beside it, not before)."""
    graph = compile_graph(flow)
    return {n: nx.ancestors(graph, n) for n in graph.nodes if n != END}


def _returns(flow: FlowDefinition, nodes: list[Node]) -> list[FieldError]:
    earlier: dict[str, set[str]] | None = None
    by_id = {n.id: n for n in nodes}
    errors = []
    for node in nodes:
        targets = (node.model_extra or {}).get("return_targets")
        if targets is None or targets == "passed":
            continue
        if not isinstance(targets, list):
            errors.append(FieldError(at(node.id, "return_targets"), "type",
                                     _("Give \"passed\" or a list of earlier steps.")))
            continue
        earlier = earlier if earlier is not None else before(flow)
        for target in targets:
            found = by_id.get(target) if isinstance(target, str) else None
            if found is None or found.type not in STEPS or target not in earlier.get(node.id, set()):
                errors.append(FieldError(at(node.id, "return_targets"), "return_target", _(
                    "%(target)s does not come before this step: a return can only go back.", target=target)))
    return errors
