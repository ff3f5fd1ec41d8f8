"""The path preview: before submitting, who will approve, given this record's values.

The tree is walked as the engine walks it: a condition group takes its first true branch,
else its default (BLANK makes a comparison false; a condition that fails to evaluate is
false), a parallel group runs every branch; each approval, handler and CC step is listed
with its people, after the node's rule for the submitter (``on_self``) and for nobody
(``on_empty``). The preview changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.flow import approvers
from brickwork.engines.flow.definition import FlowDefinition, Node
from brickwork.engines.flow.graph import is_group
from brickwork.engines.form.conditions import context, with_ids
from brickwork.engines.form.forms import Form
from brickwork.engines.form.formulas import formula_infos
from brickwork.platform.expression import evaluate, parse_condition
from brickwork.platform.identity.users import Principal, shown_name
from brickwork.platform.models import App, User

log = logging.getLogger(__name__)
PEOPLE = {"approval": "approvers", "handler": "approvers", "cc": "recipients"}


@dataclass
class Step:
    node: str
    type: str
    label: dict[str, str] | None
    mode: str | None
    people: list[int]
    branch: str | None = None  # the branch it is on (innermost), for the page to indent
    empty: str | None = None  # nobody resolved: the node's policy for it


# --- The walk.

def preview(session: Session, app: App, flow: FlowDefinition, form: Form, who: Principal,
            values: dict[str, Any], chosen: dict[str, list[int]] | None = None) -> list[Step]:
    """The steps ``who`` submitting a record with these logical values (by field id) would go through."""
    infos = formula_infos(form.definition.fields)
    ctx = context(who)
    steps: list[Step] = []

    def holds(condition: Any) -> bool:
        try:
            return bool(evaluate(parse_condition(with_ids(form, condition), infos), values, infos, ctx))
        except Exception as exc:  # §1.6: an evaluation error counts false (and is logged)
            log.info("flow %s: a branch condition failed in the preview: %s", flow.key, exc)
            return False

    def chain(node: Node | None, branch: str | None) -> None:
        while node is not None:
            if is_group(node):
                if node.type == "condition_group":
                    taken = next((b for b in node.branches if b.condition is not None and holds(b.condition)),
                                 node.default)
                    if taken is not None:
                        chain(taken.node, taken.id)
                else:
                    for b in node.branches:
                        chain(b.node, b.id)
            elif node.type in PEOPLE:
                steps.append(_step(session, app, flow, form, node, who, values, chosen or {}, branch))
            node = node.next

    chain(flow.root.next, None)
    return steps


def _step(session: Session, app: App, flow: FlowDefinition, form: Form, node: Node, who: Principal,
          values: dict[str, Any], chosen: dict[str, list[int]], branch: str | None) -> Step:
    """One step as the runtime would resolve it at activation (approvers.py): the sources
    merged, the submitter rule, then the empty rule."""
    settings = node.model_extra or {}
    by_key = {k: values.get(f.id) for k, f in form.by_key.items()}
    ctx = approvers.Resolving(session, app, who.user_id, who.main_department, by_key, form.definition,
                              chosen, node.id)
    specs = [s for s in settings.get(PEOPLE[node.type]) or [] if isinstance(s, dict)]
    people = approvers.resolve_all(ctx, specs)
    step = Step(node.id, node.type, node.label, settings.get("mode", "any") if node.type != "cc" else None,
                people, branch)
    if node.type == "cc":
        return step
    step.people = approvers.apply_on_self(ctx, people, settings.get("on_self", "skip"))
    if not step.people:
        step.empty = settings.get("on_empty", "assign_to_flow_admin")
        step.people = approvers.on_empty_users(session, step.empty, settings.get("assign_to"), flow.settings.admins)
    return step


def named(session: Session, steps: list[Step]) -> list[dict[str, Any]]:
    """The steps as the API answers them: people with their names."""
    ids = {p for s in steps for p in s.people}
    names = {u.id: shown_name(u.display_name, u.username)
             for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [{"node": s.node, "type": s.type, "label": s.label, "mode": s.mode, "branch": s.branch,
             "empty": s.empty, "people": [{"id": p, "name": names.get(p, str(p))} for p in s.people]}
            for s in steps]
