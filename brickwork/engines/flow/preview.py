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

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from brickwork.engines.flow.definition import FlowDefinition, Node
from brickwork.engines.flow.graph import is_group
from brickwork.engines.form.conditions import context, with_ids
from brickwork.engines.form.forms import Form
from brickwork.engines.form.formulas import formula_infos
from brickwork.platform.expression import evaluate, parse_condition
from brickwork.platform.identity.users import Principal, shown_name
from brickwork.platform.models import (
    App,
    AppRole,
    AppRoleMember,
    Department,
    DepartmentHead,
    Membership,
    User,
)

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


# --- Approver resolution. For the lead: the runtime's approvers.py registry
# (``brickwork.engines.flow.approvers.resolve_spec``) replaces this small resolver once merged
# (the import below prefers it); this one knows the sources users, role, direct_manager, dept_head, field and submitter.
try:  # pragma: no cover - present once the runtime is merged
    from brickwork.engines.flow.approvers import resolve_spec  # type: ignore[import-not-found]
except ImportError:
    def resolve_spec(session: Session, app: App, spec: dict, submitter_id: int, values: dict) -> list[int]:
        """The people one approver spec names (a SMALL stand-in for approvers.py)."""
        source = spec.get("source")
        if source == "users":
            return [int(u) for u in spec.get("users") or []]
        if source == "submitter":
            return [submitter_id]
        if source == "direct_manager":
            manager = session.scalar(select(User.manager_id).where(User.id == submitter_id))
            return [manager] if manager else []
        if source == "role":
            return _role_members(session, app, spec.get("role"))
        if source == "dept_head":
            return _dept_heads(session, submitter_id, int(spec.get("level") or 1))
        if source == "field":
            value = values.get(spec.get("field"))
            return [int(v) for v in (value if isinstance(value, list) else [value]) if isinstance(v, int)]
        return []


def _role_members(session: Session, app: App, key: Any) -> list[int]:
    role_id = session.scalar(select(AppRole.id).where(AppRole.app_id == app.id, AppRole.key == key))
    if role_id is None:
        return []
    rows = session.execute(select(AppRoleMember.user_id, AppRoleMember.department_id)
                           .where(AppRoleMember.role_id == role_id)).all()
    people = [r.user_id for r in rows if r.user_id is not None]
    paths = [p for p in session.scalars(select(Department.path).where(
        Department.id.in_([r.department_id for r in rows if r.department_id is not None])))]
    if paths:
        people += session.scalars(select(Membership.user_id).join(
            Department, Department.id == Membership.department_id).where(
            or_(*(Department.path.startswith(p) for p in paths)))).all()
    active = set(session.scalars(select(User.id).where(User.id.in_(people), User.is_active)))
    return [p for p in dict.fromkeys(people) if p in active]


def _dept_heads(session: Session, submitter_id: int, level: int) -> list[int]:
    """Heads ``level`` departments up from the submitter's main one; a submitter who heads a
    department counts from its parent (DingTalk's 主管等级)."""
    department = session.scalar(select(Membership.department_id).where(
        Membership.user_id == submitter_id).order_by(Membership.is_main.desc(), Membership.department_id))
    chain: list[int] = []
    while department is not None:
        chain.append(department)
        department = session.scalar(select(Department.parent_id).where(Department.id == department))
    heads = [list(session.scalars(select(DepartmentHead.user_id).where(DepartmentHead.department_id == d)
                                  .order_by(DepartmentHead.user_id))) for d in chain]
    if heads and submitter_id in heads[0]:
        heads = heads[1:]
    return heads[level - 1] if 0 < level <= len(heads) else []


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
                steps.append(_step(session, app, flow, form, node, who.user_id, values, chosen or {}, branch))
            node = node.next

    chain(flow.root.next, None)
    return steps


def _step(session: Session, app: App, flow: FlowDefinition, form: Form, node: Node, submitter: int,
          values: dict[str, Any], chosen: dict[str, list[int]], branch: str | None) -> Step:
    settings = node.model_extra or {}
    by_key = {k: values.get(f.id) for k, f in form.by_key.items()}
    people: list[int] = []
    for spec in settings.get(PEOPLE[node.type]) or []:
        if not isinstance(spec, dict):
            continue
        if spec.get("source") == "self_select":
            people += [int(u) for u in chosen.get(node.id, []) if isinstance(u, int)]
        else:
            people += resolve_spec(session, app, spec, submitter, by_key)
    people = list(dict.fromkeys(people))
    step = Step(node.id, node.type, node.label, settings.get("mode", "any") if node.type != "cc" else None,
                people, branch)
    if node.type == "cc":
        return step
    if submitter in people:
        on_self = settings.get("on_self", "skip")
        if on_self == "skip":
            people.remove(submitter)
        elif on_self == "direct_manager":
            manager = resolve_spec(session, app, {"source": "direct_manager"}, submitter, by_key)
            people[:] = list(dict.fromkeys(manager + [p for p in people if p != submitter]))
    if not people:
        step.empty = settings.get("on_empty", "assign_to_flow_admin")
        if step.empty == "assign_to" and settings.get("assign_to"):
            people.append(int(settings["assign_to"]))
        elif step.empty == "assign_to_flow_admin":
            people += flow.settings.admins
    return step


def named(session: Session, steps: list[Step]) -> list[dict[str, Any]]:
    """The steps as the API answers them: people with their names."""
    ids = {p for s in steps for p in s.people}
    names = {u.id: shown_name(u.display_name, u.username)
             for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [{"node": s.node, "type": s.type, "label": s.label, "mode": s.mode, "branch": s.branch,
             "empty": s.empty, "people": [{"id": p, "name": names.get(p, str(p))} for p in s.people]}
            for s in steps]
