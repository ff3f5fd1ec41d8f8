"""Arranging the department tree as an administrator does: create, rename, move, delete
when empty, and name the heads. Every change is audited.

A move rewrites the ``path`` of the department and everything below it in one statement,
so "my department and below" (a prefix match on ``path``, engines/form/access.py) keeps
meaning the same subtree the moment the move commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from brickwork.platform.audit import audit
from brickwork.platform.errors import Conflict, FieldError, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.identity.org import create_department, heads_of, set_heads
from brickwork.platform.identity.people import find_person, stale_check
from brickwork.platform.models import Department, DepartmentHead, Membership

MAX_NAME = 128


def get_department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound(_("No department has the id %(id)s.", id=department_id))
    return department


def list_departments(session: Session) -> list[Department]:
    """Every department, parents before children, siblings in their order then by name."""
    rows = list(session.scalars(select(Department)))
    children: dict[int | None, list[Department]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    ordered: list[Department] = []

    def walk(parent: int | None) -> None:
        for row in sorted(children.get(parent, []), key=lambda d: (d.sort_order, d.name.lower(), d.id)):
            ordered.append(row)
            walk(row.id)

    walk(None)
    return ordered


def counts(session: Session) -> tuple[dict[int, int], dict[int, list[int]]]:
    """Members per department, and the heads of each."""
    members = dict(session.execute(select(Membership.department_id, func.count())
                                   .group_by(Membership.department_id)).all())
    heads: dict[int, list[int]] = {}
    for department_id, user_id in session.execute(select(DepartmentHead.department_id, DepartmentHead.user_id)
                                                   .order_by(DepartmentHead.user_id)):
        heads.setdefault(department_id, []).append(user_id)
    return members, heads


def add_department(session: Session, actor_id: int | None, data: dict[str, Any]) -> Department:
    name = _name(data.get("name"))
    parent_id = data.get("parent_id")
    if parent_id is not None:
        _parent(session, parent_id)
    _unique_name(session, name, parent_id, None)
    department = create_department(session, name, parent_id)
    if data.get("heads"):
        set_heads(session, department.id, _heads(session, data["heads"]))
    audit(session, actor_id, "department.create", "department", department.id,
          {"name": {"before": None, "after": name}, "parent_id": {"before": None, "after": parent_id}})
    return department


def change_department(session: Session, actor_id: int | None, department_id: int, data: dict[str, Any],
                      version: int | None) -> Department:
    """Rename, move (``parent_id``; null for the top), reorder (``sort_order``) or name the
    ``heads`` of a department."""
    department = get_department(session, department_id)
    data = dict(data)
    stale_check(department, data.pop("version", version), _("department"))
    unknown = [k for k in data if k not in ("name", "parent_id", "sort_order", "heads")]
    if unknown:
        raise Invalid(_("The department is not valid."), errors=[
            FieldError(k, "unknown", _("There is no such field.")) for k in unknown])
    changes: dict[str, Any] = {}
    name = _name(data["name"]) if "name" in data else department.name
    parent_id = data["parent_id"] if "parent_id" in data else department.parent_id
    if name != department.name or parent_id != department.parent_id:
        _unique_name(session, name, parent_id, department.id)
    if name != department.name:
        changes["name"] = {"before": department.name, "after": name}
        department.name = name
    if parent_id != department.parent_id:
        changes["parent_id"] = {"before": department.parent_id, "after": parent_id}
        _move(session, department, parent_id)
    if "sort_order" in data:
        order = data["sort_order"]
        if not isinstance(order, int) or isinstance(order, bool) or abs(order) > 1_000_000:
            raise Invalid(_("The department is not valid."), errors=[FieldError(
                "sort_order", "type", _("Give a whole number."))])
        if order != department.sort_order:
            changes["sort_order"] = {"before": department.sort_order, "after": order}
            department.sort_order = order
    if "heads" in data:
        heads = _heads(session, data["heads"] or [])
        before = heads_of(session, department.id)
        if sorted(heads) != before:
            set_heads(session, department.id, heads)
            changes["heads"] = {"before": before, "after": sorted(heads)}
    if changes:
        department.version += 1
        session.flush()
        audit(session, actor_id, "department.update", "department", department.id, changes)
    return department


def remove_department(session: Session, actor_id: int | None, department_id: int, version: int | None) -> None:
    """Only an empty department goes: no departments below it and nobody in it."""
    department = get_department(session, department_id)
    stale_check(department, version, _("department"))
    if session.scalar(select(Department.id).where(Department.parent_id == department.id).limit(1)) is not None:
        raise Conflict(_("The department has departments below it."),
                       detail=_("Move or delete the departments below it first."))
    if session.scalar(select(Membership.user_id).where(Membership.department_id == department.id).limit(1)):
        raise Conflict(_("The department has people in it."),
                       detail=_("Move its people to another department first."))
    session.info.pop("bw_access", None)
    audit(session, actor_id, "department.delete", "department", department.id,
          {"name": {"before": department.name, "after": None}})
    session.delete(department)
    session.flush()


def path_names(session: Session) -> dict[int, str]:
    """Each department's full name, "Sales/East"."""
    rows = {d.id: d for d in session.scalars(select(Department))}
    return {i: "/".join(rows[int(p)].name for p in d.path.strip("/").split("/") if p and int(p) in rows)
            for i, d in rows.items()}


def _move(session: Session, department: Department, parent_id: int | None) -> None:
    old = department.path
    if parent_id is None:
        new = f"/{department.id}/"
    else:
        parent = _parent(session, parent_id)
        if parent.path.startswith(old):
            raise Invalid(_("The department cannot move there."), errors=[FieldError(
                "parent_id", "cycle", _("A department cannot move under itself or a department below it."))])
        new = f"{parent.path}{department.id}/"
    session.info.pop("bw_access", None)  # subtrees read in this session are stale now
    department.parent_id = parent_id
    session.flush()
    session.execute(update(Department).where(Department.path.startswith(old, autoescape=True))
                    .values(path=literal(new) + func.substr(Department.path, len(old) + 1))
                    .execution_options(synchronize_session=False))
    session.expire_all()


def _parent(session: Session, parent_id: Any) -> Department:
    if not isinstance(parent_id, int) or isinstance(parent_id, bool):
        raise Invalid(_("The department is not valid."), errors=[FieldError(
            "parent_id", "type", _("Give a department id, or null for the top."))])
    parent = session.get(Department, parent_id)
    if parent is None:
        raise Invalid(_("The department is not valid."), errors=[FieldError(
            "parent_id", "unknown", _("No department has the id %(id)s.", id=parent_id))])
    return parent


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(_("The department is not valid."), errors=[FieldError(
            "name", "required", _("Give the department a name."))])
    name = value.strip()
    if len(name) > MAX_NAME or "/" in name:
        raise Invalid(_("The department is not valid."), errors=[FieldError(
            "name", "pattern", _("Use at most %(n)s characters and no slash.", n=MAX_NAME))])
    return name


def _unique_name(session: Session, name: str, parent_id: int | None, own_id: int | None) -> None:
    """Siblings have different names, so a path like "Sales/East" names one department."""
    same = select(Department.id).where(func.lower(Department.name) == name.lower(),
                                       Department.parent_id.is_(None) if parent_id is None
                                       else Department.parent_id == parent_id)
    if own_id is not None:
        same = same.where(Department.id != own_id)
    if session.scalar(same.limit(1)) is not None:
        raise Conflict(_("A department with this name is there already."),
                       errors=[FieldError("name", "taken", _("This name is taken at this level."))])


def _heads(session: Session, heads: Any) -> list[int]:
    if not isinstance(heads, list):
        raise Invalid(_("The department is not valid."), errors=[FieldError(
            "heads", "type", _("Give a list of people."))])
    found = []
    for head in heads:
        try:
            found.append(find_person(session, str(head)).id)
        except NotFound:
            raise Invalid(_("The department is not valid."), errors=[FieldError(
                "heads", "unknown", _("No user is named %(username)s.", username=str(head)[:64]))]) from None
    return list(dict.fromkeys(found))

