"""The organisation: departments (a tree with 0..n heads), memberships (one main), roles.

Row scopes ("my department and below") and approver rules ("the head of the applicant's
main department") are answered from these facts.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from brickwork.platform.audit import audit
from brickwork.platform.errors import Conflict, FieldError, NotFound
from brickwork.platform.i18n import _, pick
from brickwork.platform.models import Department, DepartmentHead, Membership, Role, User, UserRole


def create_department(session: Session, name: str, parent_id: int | None = None) -> Department:
    session.info.pop("bw_access", None)  # grants read in this session are stale now
    parent = _department(session, parent_id) if parent_id is not None else None
    department = Department(name=name.strip(), parent_id=parent_id)
    session.add(department)
    session.flush()
    department.path = f"{parent.path if parent else '/'}{department.id}/"
    session.flush()
    return department


def subtree_ids(session: Session, department_id: int) -> list[int]:
    """The department and every department below it."""
    path = _department(session, department_id).path
    return list(session.scalars(select(Department.id).where(Department.path.startswith(path))))


def add_member(session: Session, user_id: int, department_id: int, *, main: bool = False) -> None:
    """Put a user in a department. A user's first department is the main one."""
    session.info.pop("bw_access", None)  # grants read in this session are stale now
    _department(session, department_id)
    has_any = session.scalar(select(Membership.user_id).where(Membership.user_id == user_id).limit(1))
    main = main or has_any is None
    if main:
        session.execute(update(Membership).where(Membership.user_id == user_id).values(is_main=False))
    existing = session.get(Membership, (user_id, department_id))
    if existing is None:
        session.add(Membership(user_id=user_id, department_id=department_id, is_main=main))
    elif main:
        existing.is_main = True
    session.flush()


def departments_of(session: Session, user_id: int) -> list[int]:
    """The user's departments, the main one first."""
    rows = session.execute(select(Membership.department_id, Membership.is_main)
                           .where(Membership.user_id == user_id)).all()
    return [d for d, _main in sorted(rows, key=lambda r: (not r.is_main, r.department_id))]


def set_heads(session: Session, department_id: int, user_ids: list[int]) -> None:
    _department(session, department_id)
    session.execute(delete(DepartmentHead).where(DepartmentHead.department_id == department_id))
    session.add_all(DepartmentHead(department_id=department_id, user_id=u) for u in dict.fromkeys(user_ids))
    session.flush()


def heads_of(session: Session, department_id: int) -> list[int]:
    return list(session.scalars(select(DepartmentHead.user_id)
                                .where(DepartmentHead.department_id == department_id)
                                .order_by(DepartmentHead.user_id)))


def manager_of(session: Session, user_id: int) -> int | None:
    """The person's manager as a rule names them: the manager set on the person, else the
    head of their main department (the department above when they head it themselves, and so
    on up). Active people only; of several heads the earliest. None: nobody is above them."""
    direct = session.scalar(select(User.manager_id).where(User.id == user_id))
    if direct is not None and session.scalar(select(User.is_active).where(User.id == direct)):
        return direct
    departments = departments_of(session, user_id)
    if not departments:
        return None
    path = session.scalar(select(Department.path).where(Department.id == departments[0])) or ""
    for department in reversed([int(p) for p in path.strip("/").split("/") if p]):
        heads = heads_of(session, department)
        if user_id in heads:
            continue  # a head's manager is a level higher, not a fellow head
        active = session.scalar(select(User.id).where(User.id.in_(heads), User.is_active.is_(True))
                                .order_by(User.id).limit(1)) if heads else None
        if active is not None:
            return active
    return None


def create_role(session: Session, key: str, label: dict[str, str]) -> Role:
    if session.scalar(select(Role.id).where(Role.key == key)) is not None:
        raise Conflict(_("A role with the key %(key)s exists already.", key=key),
                       errors=[FieldError("key", "taken", _("This key is taken."))])
    role = Role(key=key, label=label)
    session.add(role)
    session.flush()
    audit(session, None, "role.create", "role", key, {"label": {"before": None, "after": label}})
    return role


def grant_role(session: Session, user_id: int, role_key: str, department_id: int | None = None) -> None:
    session.info.pop("bw_access", None)  # grants read in this session are stale now
    role = session.scalar(select(Role).where(Role.key == role_key))
    if role is None:
        raise NotFound(_("No role has the key %(key)s.", key=role_key))
    if session.get(User, user_id) is None:
        raise NotFound(_("No user has the id %(id)s.", id=user_id))
    exists = session.scalar(select(UserRole.id).where(
        UserRole.user_id == user_id, UserRole.role_id == role.id,
        UserRole.department_id.is_(None) if department_id is None else UserRole.department_id == department_id))
    if exists is None:
        session.add(UserRole(user_id=user_id, role_id=role.id, department_id=department_id))
        session.flush()
        audit(session, None, "role.grant", "user", user_id, {"role": role_key, "department_id": department_id})


def revoke_role(session: Session, user_id: int, role_key: str, department_id: int | None = None) -> None:
    """Take the role from the user (within ``department_id`` only, or the role held everywhere)."""
    session.info.pop("bw_access", None)  # grants read in this session are stale now
    role = session.scalar(select(Role).where(Role.key == role_key))
    if role is None:
        raise NotFound(_("No role has the key %(key)s.", key=role_key))
    gone = session.execute(delete(UserRole).where(
        UserRole.user_id == user_id, UserRole.role_id == role.id,
        UserRole.department_id.is_(None) if department_id is None else UserRole.department_id == department_id))
    if gone.rowcount:
        audit(session, None, "role.revoke", "user", user_id, {"role": role_key, "department_id": department_id})


def role_holders(session: Session) -> list[dict]:
    """Each role with the user names of the people who hold it."""
    holders: dict[int, list[str]] = {}
    for role_id, username in session.execute(select(UserRole.role_id, User.username)
                                             .join(User, User.id == UserRole.user_id).order_by(User.username)):
        holders.setdefault(role_id, []).append(username)
    return [{"key": r.key, "label": pick(r.label) if r.label else "",
             "users": list(dict.fromkeys(holders.get(r.id, [])))}
            for r in session.scalars(select(Role).order_by(Role.key))]


def roles_of(session: Session, user_id: int) -> set[str]:
    return set(session.scalars(select(Role.key).join(UserRole, UserRole.role_id == Role.id)
                               .where(UserRole.user_id == user_id)))


def _department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound(_("No department has the id %(id)s.", id=department_id))
    return department
