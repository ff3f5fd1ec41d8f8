"""Who approves: the approver sources (engine-semantics §1.7), one entry each, all of the
same shape, and the policies for the submitter among them (``on_self``) and for nobody
found (``on_empty``).

``resolve(ctx, spec)`` is a pure read of the organisation and the record: the engine calls
it when a node activates (the set is frozen then), the path preview calls it before submit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from brickwork.platform.errors import FieldError
from brickwork.platform.i18n import _
from brickwork.platform.identity.org import heads_of
from brickwork.platform.models import App, AppRole, AppRoleMember, Department, Membership, Role, User, UserRole


@dataclass(frozen=True)
class Resolving:
    """What a resolution may read: the app, the submitter and their submission department,
    the record's values (API values by field key), the form (field types), the people the
    submitter picked per node (``self_select``) and the node being resolved."""

    session: Session
    app: App
    submitter: int
    department: int | None
    values: dict[str, Any] = field(default_factory=dict)
    form: Any = None  # FormDefinition
    chosen: dict[str, list[int]] = field(default_factory=dict)
    node_id: str = ""


@dataclass(frozen=True)
class ApproverSource:
    name: str
    label: str  # English; shown through _()
    # check(spec, form, roles): problems with the spec's own settings, paths relative to it.
    check: Callable[[dict[str, Any], Any, set[str]], list[FieldError]]
    resolve: Callable[[Resolving, dict[str, Any]], list[int]]


SOURCES: dict[str, ApproverSource] = {}


def register(entry: ApproverSource) -> ApproverSource:
    SOURCES[entry.name] = entry
    return entry


def resolve_all(ctx: Resolving, specs: list[dict[str, Any]]) -> list[int]:
    """Every spec resolved in order and merged, duplicates collapsed, active people only."""
    found: list[int] = []
    for spec in specs:
        entry = SOURCES.get(str(spec.get("source")))
        if entry is not None:
            found += entry.resolve(ctx, spec)
    wanted = list(dict.fromkeys(int(u) for u in found))
    active = set(ctx.session.scalars(select(User.id).where(User.id.in_(wanted), User.is_active.is_(True)))) \
        if wanted else set()
    return [u for u in wanted if u in active]


ON_SELF = ("self_approves", "skip", "direct_manager")
ON_EMPTY = ("auto_approve", "assign_to", "assign_to_flow_admin", "reject")


def apply_on_self(ctx: Resolving, users: list[int], policy: str) -> list[int]:
    """The submitter among the approvers: kept, taken out, or replaced by their manager
    (applied before the empty policy, as Lark does)."""
    if ctx.submitter not in users or policy == "self_approves":
        return users
    if policy == "direct_manager":
        manager = _manager(ctx.session, ctx.submitter)
        return list(dict.fromkeys(manager if u == ctx.submitter else u for u in users if
                                  u != ctx.submitter or manager is not None))
    return [u for u in users if u != ctx.submitter]


def on_empty_users(session: Session, policy: str, assign_to: int | None, flow_admins: list[int]) -> list[int]:
    """Who gets the task when resolution found nobody (``assign_to``, the flow's admins, or
    failing those the installation's administrators); [] for the other policies."""
    if policy == "assign_to" and assign_to is not None:
        found = [assign_to]
    elif policy in ("assign_to", "assign_to_flow_admin"):
        found = list(flow_admins)
    else:
        return []
    active = list(session.scalars(select(User.id).where(User.id.in_(found), User.is_active.is_(True))
                                  .order_by(User.id))) if found else []
    return active or list(session.scalars(select(User.id).where(User.is_admin.is_(True), User.is_active.is_(True))
                                          .order_by(User.id)))


# --- the organisation's facts


def _manager(session: Session, user_id: int) -> int | None:
    return session.scalar(select(User.manager_id).where(User.id == user_id))


def _chain(session: Session, department_id: int | None) -> list[int]:
    """The department and those above it, nearest first."""
    if department_id is None:
        return []
    path = session.scalar(select(Department.path).where(Department.id == department_id))
    return [int(p) for p in reversed((path or "").strip("/").split("/")) if p] or [department_id]


def _levels(ctx: Resolving) -> list[list[int]]:
    """The heads of each level up from the submission department: level 1 first. A submitter
    who heads their own department starts one level higher (DingTalk's rule)."""
    chain = _chain(ctx.session, ctx.department)
    heads = [heads_of(ctx.session, d) for d in chain]
    if heads and ctx.submitter in heads[0]:
        heads = heads[1:]
    return heads


def _members_below(session: Session, departments: list[int]) -> list[int]:
    if not departments:
        return []
    paths = list(session.scalars(select(Department.path).where(Department.id.in_(departments))))
    below = select(Department.id).where(or_(*[Department.path.startswith(p) for p in paths]))
    return list(session.scalars(select(Membership.user_id).where(Membership.department_id.in_(below))
                                .order_by(Membership.user_id)))


def _ids(value: Any) -> list[int]:
    items = value if isinstance(value, list) else [value]
    return [int(v) for v in items if isinstance(v, int) and not isinstance(v, bool)]


# --- the sources


def _users(ctx: Resolving, spec: dict[str, Any]) -> list[int]:
    return _ids(spec.get("users") or [])


def _role(ctx: Resolving, spec: dict[str, Any]) -> list[int]:
    """Members of the app role (people, and everyone in a member department and below), and
    holders of the installation role of the same key."""
    key = spec.get("role")
    role = ctx.session.scalar(select(AppRole.id).where(AppRole.app_id == ctx.app.id, AppRole.key == key))
    found: list[int] = []
    if role is not None:
        rows = ctx.session.execute(select(AppRoleMember.user_id, AppRoleMember.department_id)
                                   .where(AppRoleMember.role_id == role).order_by(AppRoleMember.id)).all()
        found += [r.user_id for r in rows if r.user_id is not None]
        found += _members_below(ctx.session, [r.department_id for r in rows if r.department_id is not None])
    found += list(ctx.session.scalars(select(UserRole.user_id).join(Role, Role.id == UserRole.role_id)
                                      .where(Role.key == key).order_by(UserRole.user_id)))
    return found


def _dept_head(ctx: Resolving, spec: dict[str, Any]) -> list[int]:
    level = int(spec.get("level") or 1)
    levels = _levels(ctx)
    return levels[level - 1] if 0 < level <= len(levels) else []


def _manager_chain(ctx: Resolving, spec: dict[str, Any]) -> list[int]:
    """Heads level by level, up to ``until_level``, up to the first level holding a head of
    ``until_role``, or to the top; in order (one step per level when the node is sequential)."""
    found: list[int] = []
    until_level, until_role = spec.get("until_level"), spec.get("until_role")
    for number, heads in enumerate(_levels(ctx), start=1):
        found += heads
        if until_level and number >= int(until_level):
            break
        if until_role and set(heads) & set(_role(ctx, {"role": until_role})):
            break
    return found


def _direct_manager(ctx: Resolving, spec: dict[str, Any]) -> list[int]:
    manager = _manager(ctx.session, ctx.submitter)
    return [manager] if manager is not None else []


def _field(ctx: Resolving, spec: dict[str, Any]) -> list[int]:
    """The people in a user field of the record, or the heads of a department field's departments."""
    key = str(spec.get("field"))
    value = _ids(ctx.values.get(key))
    kind = next((f.type for f in (ctx.form.fields if ctx.form else []) if f.key == key), "user")
    if kind == "department":
        return [u for d in value for u in heads_of(ctx.session, d)]
    return value


def _self_select(ctx: Resolving, spec: dict[str, Any]) -> list[int]:
    picked = _ids(ctx.chosen.get(ctx.node_id) or [])
    if not spec.get("multiple", True):
        picked = picked[:1]
    allowed = in_range(ctx.session, spec)
    return [u for u in picked if allowed is None or u in allowed]


def in_range(session: Session, spec: dict[str, Any]) -> set[int] | None:
    """Whom a ``self_select`` spec lets the submitter pick (None: anyone)."""
    users, departments = _ids(spec.get("users") or []), _ids(spec.get("departments") or [])
    if not users and not departments:
        return None
    return set(users) | set(_members_below(session, departments))


def _submitter(ctx: Resolving, spec: dict[str, Any]) -> list[int]:
    return [ctx.submitter]


# --- the checks of each spec's own settings


def _need(key: str, kind: type | tuple[type, ...], message: Any) -> Callable[[dict, Any, set[str]], list[FieldError]]:
    def check(spec: dict[str, Any], form: Any, roles: set[str]) -> list[FieldError]:
        value = spec.get(key)
        if not isinstance(value, kind) or isinstance(value, bool) or value in ("", []):
            return [FieldError(key, "required", str(message))]
        return []
    return check


def _check_role(spec: dict[str, Any], form: Any, roles: set[str]) -> list[FieldError]:
    errors = _need("role", str, _("Choose the role whose members approve."))(spec, form, roles)
    if not errors and roles is not None and spec["role"] not in roles:
        errors.append(FieldError("role", "unknown_role", _("The app has no role %(role)s.", role=spec["role"])))
    return errors


def _check_level(spec: dict[str, Any], form: Any, roles: set[str]) -> list[FieldError]:
    level = spec.get("level", 1)
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 20:
        return [FieldError("level", "range", _("Give a level from 1 to 20."))]
    return []


def _check_chain(spec: dict[str, Any], form: Any, roles: set[str]) -> list[FieldError]:
    level = spec.get("until_level")
    if level is not None and (not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 20):
        return [FieldError("until_level", "range", _("Give a level from 1 to 20."))]
    if spec.get("until_role") is not None and roles is not None and spec["until_role"] not in roles:
        return [FieldError("until_role", "unknown_role", _("The app has no role %(role)s.", role=spec["until_role"]))]
    return []


def _check_field(spec: dict[str, Any], form: Any, roles: set[str]) -> list[FieldError]:
    key = spec.get("field")
    kinds = {name: f.type for f in (form.fields if form is not None else []) for name in (f.key, f.id)}
    if not isinstance(key, str) or (form is not None and kinds.get(key) not in ("user", "department")):
        return [FieldError("field", "not_people", _("Choose a person or department field of the form."))]
    return []


def _nothing(spec: dict[str, Any], form: Any, roles: set[str]) -> list[FieldError]:
    return []


def _check_users(spec: dict[str, Any], form: Any, roles: set[str] | None) -> list[FieldError]:
    if not isinstance(spec.get("users"), list) or not spec["users"]:
        return [FieldError("users", "empty", _("Choose at least one person."))]
    return []


register(ApproverSource("users", "Named people", _check_users, _users))
register(ApproverSource("role", "A role", _check_role, _role))
register(ApproverSource("dept_head", "Department head", _check_level, _dept_head))
register(ApproverSource("manager_chain", "Heads up the chain", _check_chain, _manager_chain))
register(ApproverSource("direct_manager", "Direct manager", _nothing, _direct_manager))
register(ApproverSource("field", "A person field of the record", _check_field, _field))
register(ApproverSource("self_select", "Chosen by the submitter", _nothing, _self_select))
register(ApproverSource("submitter", "The submitter", _nothing, _submitter))
