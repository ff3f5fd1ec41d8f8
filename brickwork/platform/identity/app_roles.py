"""Roles per app: who holds which of an app's roles, who may design the app, and each role's menu.

An app role's members are people or departments. A department member means everyone in
that department and in every department below it (so "Sales" covers the East and North
teams), read through the department paths at the moment of the check: moving a person or a
department changes their roles at once, with nothing to re-sync.

Form permissions name roles by key. A person's roles in an app are the app roles they hold
plus the installation-wide roles (``roles``/``user_roles``), which stay for the
installations and demo data that grant them.

``require_designer`` is the one check of every designer, publish, permission, role and
app-settings endpoint: an administrator, or a member of one of the app's roles marked
``admin``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from brickwork.platform.audit import audit
from brickwork.platform.definitions.base import Key, Label
from brickwork.platform.definitions.errors import field_errors
from brickwork.platform.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.identity.org import roles_of
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import App, AppRole, AppRoleMember, Department, Membership, User


class MenuEntry(BaseModel):
    """One entry of a role's navigation. ``type`` names what it opens: a form, or a shared
    view of a form (by its id in the app file); later kinds (dashboards) add their own types,
    each registered in ``MENU_TYPES`` with the check of whether the person may open it."""

    model_config = ConfigDict(extra="forbid")
    type: Annotated[str, Field(pattern=r"^[a-z][a-z_]{0,31}$")]
    form: Key | None = None
    view: Annotated[str, Field(max_length=64)] | None = None
    key: Key | None = None


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Key
    label: Label
    admin: bool = False
    menu: list[MenuEntry] = Field(default_factory=list, max_length=200)


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: Label | None = None
    admin: bool | None = None
    menu: list[MenuEntry] | None = Field(default=None, max_length=200)
    version: int | None = None


class MemberIn(BaseModel):
    """A person or a department, exactly one of the two."""

    model_config = ConfigDict(extra="forbid")
    user: int | None = None
    department: int | None = None


# The menu entry types and, per type, whether an entry is one the person may open.
MENU_TYPES: set[str] = {"form", "view"}


def _invalid(exc: ValidationError, title: str) -> Invalid:
    return Invalid(title, errors=[FieldError(e.field.removeprefix("$."), e.code, e.message)
                                  for e in field_errors(exc)])


def _check_menu(menu: Iterable[MenuEntry]) -> None:
    for i, entry in enumerate(menu):
        if entry.type not in MENU_TYPES:
            raise Invalid(_("The role is not valid."), errors=[FieldError(
                f"menu[{i}].type", "type", _("Choose one of: %(names)s.", names=", ".join(sorted(MENU_TYPES))))])
        if entry.type in ("form", "view") and not entry.form:
            raise Invalid(_("The role is not valid."), errors=[FieldError(
                f"menu[{i}].form", "required", _("Name the form this entry opens."))])


def role_out(role: AppRole, members: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out = {"key": role.key, "label": role.label, "admin": role.admin, "menu": role.menu, "version": role.version}
    if members is not None:
        out["members"] = members
    return out


def list_roles(session: Session, app: App) -> list[AppRole]:
    return list(session.scalars(select(AppRole).where(AppRole.app_id == app.id).order_by(AppRole.key)))


def get_role(session: Session, app: App, key: str) -> AppRole:
    role = session.scalar(select(AppRole).where(AppRole.app_id == app.id, AppRole.key == key))
    if role is None:
        raise NotFound(_("The app has no role %(key)s.", key=key))
    return role


def create_role(session: Session, app: App, data: Any, actor_id: int | None) -> AppRole:
    try:
        spec = RoleIn.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, _("The role is not valid.")) from None
    _check_menu(spec.menu)
    if session.scalar(select(AppRole.id).where(AppRole.app_id == app.id, AppRole.key == spec.key)) is not None:
        raise Conflict(_("The app has a role %(key)s already.", key=spec.key),
                       errors=[FieldError("key", "taken", _("This key is taken."))])
    role = AppRole(app_id=app.id, key=spec.key, label=spec.label, admin=spec.admin,
                   menu=[e.model_dump(exclude_none=True) for e in spec.menu])
    session.add(role)
    session.flush()
    session.info.pop("bw_access", None)
    audit(session, actor_id, "app_role.create", "app_role", f"{app.key}/{role.key}", role_out(role))
    return role


def update_role(session: Session, app: App, key: str, data: Any, actor_id: int | None) -> AppRole:
    try:
        spec = RoleChange.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, _("The role is not valid.")) from None
    role = get_role(session, app, key)
    if spec.version is not None and spec.version != role.version:
        raise Conflict(_("Someone changed this role meanwhile. Reload it and make your change again."))
    before = role_out(role)
    if spec.label is not None:
        role.label = spec.label
    if spec.admin is not None:
        role.admin = spec.admin
    if spec.menu is not None:
        _check_menu(spec.menu)
        role.menu = [e.model_dump(exclude_none=True) for e in spec.menu]
    role.version += 1
    session.flush()
    session.info.pop("bw_access", None)
    after = role_out(role)
    audit(session, actor_id, "app_role.update", "app_role", f"{app.key}/{role.key}",
          {k: [before[k], after[k]] for k in after if before[k] != after[k] and k != "version"})
    return role


def delete_role(session: Session, app: App, key: str, actor_id: int | None) -> None:
    role = get_role(session, app, key)
    audit(session, actor_id, "app_role.delete", "app_role", f"{app.key}/{role.key}", role_out(role))
    session.delete(role)
    session.flush()
    session.info.pop("bw_access", None)


def members(session: Session, role: AppRole) -> list[dict[str, Any]]:
    rows = session.execute(
        select(AppRoleMember.user_id, AppRoleMember.department_id, User.username, User.display_name,
               Department.name)
        .outerjoin(User, User.id == AppRoleMember.user_id)
        .outerjoin(Department, Department.id == AppRoleMember.department_id)
        .where(AppRoleMember.role_id == role.id).order_by(AppRoleMember.id)).all()
    return [{"user": r.user_id, "name": r.display_name or r.username} if r.user_id is not None
            else {"department": r.department_id, "name": r.name} for r in rows]


def add_member(session: Session, app: App, key: str, data: Any, actor_id: int | None) -> dict[str, Any]:
    try:
        spec = MemberIn.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, _("The member is not valid.")) from None
    if (spec.user is None) == (spec.department is None):
        raise Invalid(_("The member is not valid."), errors=[FieldError(
            "user", "one", _("Give either a person or a department."))])
    role = get_role(session, app, key)
    if spec.user is not None and session.get(User, spec.user) is None:
        raise Invalid(_("The member is not valid."), errors=[FieldError("user", "missing",
                                                                        _("No user has this id."))])
    if spec.department is not None and session.get(Department, spec.department) is None:
        raise Invalid(_("The member is not valid."), errors=[FieldError("department", "missing",
                                                                        _("No department has this id."))])
    found = session.scalar(select(AppRoleMember.id).where(
        AppRoleMember.role_id == role.id, _same(AppRoleMember.user_id, spec.user),
        _same(AppRoleMember.department_id, spec.department)))
    if found is None:
        session.add(AppRoleMember(role_id=role.id, user_id=spec.user, department_id=spec.department))
        session.flush()
        session.info.pop("bw_access", None)
        audit(session, actor_id, "app_role.member_add", "app_role", f"{app.key}/{role.key}",
              spec.model_dump(exclude_none=True))
    return spec.model_dump(exclude_none=True)


def remove_member(session: Session, app: App, key: str, *, user: int | None = None,
                  department: int | None = None, actor_id: int | None = None) -> None:
    role = get_role(session, app, key)
    gone = session.execute(delete(AppRoleMember).where(
        AppRoleMember.role_id == role.id, _same(AppRoleMember.user_id, user),
        _same(AppRoleMember.department_id, department)))
    if not gone.rowcount:
        raise NotFound(_("The role has no such member."))
    session.info.pop("bw_access", None)
    audit(session, actor_id, "app_role.member_remove", "app_role", f"{app.key}/{role.key}",
          {k: v for k, v in (("user", user), ("department", department)) if v is not None})


def _same(column, value):
    return column.is_(None) if value is None else column == value


def app_roles_of(session: Session, app_id: int, user_id: int) -> list[AppRole]:
    """The app's roles the person holds: as a member, or through a department they are in
    (or one below a member department)."""
    paths = select(Department.path).join(Membership, Membership.department_id == Department.id) \
        .where(Membership.user_id == user_id)
    above = _ancestors(list(session.scalars(paths)))
    who = AppRoleMember.user_id == user_id
    if above:
        who = or_(who, AppRoleMember.department_id.in_(select(Department.id).where(Department.path.in_(above))))
    held = select(AppRoleMember.role_id).where(who)  # a subquery: no DISTINCT over JSON columns
    return list(session.scalars(select(AppRole).where(AppRole.app_id == app_id, AppRole.id.in_(held))
                                .order_by(AppRole.key)))


def _ancestors(paths: list[str]) -> set[str]:
    """Every department path at or above the given ones: ``/1/4/9/`` → ``/1/``, ``/1/4/``, ``/1/4/9/``."""
    found = set()
    for path in paths:
        parts = [p for p in path.split("/") if p]
        found |= {"/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)}
    return found


def role_keys_in(session: Session, app_id: int, user_id: int) -> set[str]:
    """The role keys that count for the person's grants in this app."""
    return roles_of(session, user_id) | {r.key for r in app_roles_of(session, app_id, user_id)}


def held_roles(session: Session, app: App, user_id: int) -> list[AppRole]:
    """The app's roles the person holds: by membership, or by holding the installation role
    of the same key (the grants of installation roles count in every app)."""
    keys = role_keys_in(session, app.id, user_id)
    return [role for role in list_roles(session, app) if role.key in keys]


def may_design(session: Session, app: App, who: Principal) -> bool:
    if who.is_admin:
        return True
    return any(role.admin for role in held_roles(session, app, who.user_id))


def require_designer(session: Session, app: App, who: Principal) -> None:
    """The one authorisation of designing an app: its forms, publishing, permissions, roles
    and settings. Administrators, and members of the app's admin roles."""
    if not may_design(session, app, who):
        raise Forbidden(_("Only administrators of this app may do this."))


def menu_for(session: Session, app: App, who: Principal, entries_of_app: list[dict[str, Any]],
             may_open: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """The app's navigation for the person. ``entries_of_app``: every entry the app has, in
    the builder's order (its forms, then views). Designers see everything; otherwise the
    union of the menus of the person's roles, in the app's order, where a role with an empty
    menu lists all of the app's forms. Whatever a menu says, an entry is shown only if
    ``may_open`` (the role may read the form) says so."""
    if may_design(session, app, who):
        return list(entries_of_app)
    roles = held_roles(session, app, who.user_id)
    if roles:
        wanted: list[dict[str, Any]] = []
        for role in roles:
            wanted += role.menu or [e for e in entries_of_app if e["type"] == "form"]
        picked = {_entry_id(e) for e in wanted}
        listed = [e for e in entries_of_app if _entry_id(e) in picked]
    else:  # no role of the app: its forms, as before roles per app
        listed = [e for e in entries_of_app if e["type"] == "form"]
    return [e for e in listed if may_open(e)]


def _entry_id(entry: dict[str, Any]) -> tuple:
    return (entry.get("type"), entry.get("form"), entry.get("view"), entry.get("key"))
