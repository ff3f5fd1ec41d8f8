"""Managing people, as an administrator does: invite or create, edit, deactivate, reset a
password, see and end their sessions and tokens, set their manager and departments; and
what each person does on their own page (their password, their language).

Every change is audited with the actor and the before/after of each changed field.
Edits are optimistic: the caller gives the version they started from, and a stale one
gets 409 rather than silently overwriting someone else's change.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from brickwork.platform.audit import audit
from brickwork.platform.db import utcnow
from brickwork.platform.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import (
    USERNAME,
    _hasher,
    check_password_strength,
    count_admins,
    create_user,
    normalise_username,
)
from brickwork.platform.models import ApiToken, Department, Membership, User, UserSession
from brickwork.platform.settings import LOCALES

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# What a person's profile holds, with the longest value each column stores.
TEXT_FIELDS = {"display_name": 128, "email": 254, "phone": 32, "title": 128}


def get_person(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("No user has the id %(id)s.", id=user_id))
    return user


def find_person(session: Session, who: str) -> User:
    """A user by id, user name or email (the command line and the import name people so)."""
    text = who.strip()
    if text.isascii() and text.isdigit() and len(text) < 19:
        user = session.get(User, int(text))
        if user is not None:
            return user
    user = session.scalar(select(User).where(User.username == normalise_username(text)))
    if user is None and "@" in text:
        user = session.scalar(select(User).where(func.lower(User.email) == text.lower()).order_by(User.id).limit(1))
    if user is None:
        raise NotFound(_("No user is named %(username)s.", username=text[:64]))
    return user


def one_time_password() -> str:
    return secrets.token_urlsafe(9)


def invite_person(session: Session, actor_id: int | None, data: dict[str, Any]) -> tuple[User, str | None]:
    """Create a person. Without a password one is made up and returned, to be shown once:
    the person must replace it when they first sign in."""
    data = dict(data)
    password = data.pop("password", None)
    errors = _check_profile(data, creating=True)
    if password is not None and not isinstance(password, str):
        errors.append(FieldError("password", "type", _("Give a text.")))
    if errors:
        raise Invalid(_("The person is not valid."), errors=errors)
    made_up = one_time_password() if not password else None
    user = create_user(session, data.get("username", ""), password or made_up,
                       is_admin=bool(data.get("is_admin", False)),
                       display_name=(data.get("display_name") or "").strip(), email=_email(data.get("email")))
    user.phone = (data.get("phone") or "").strip()
    user.title = (data.get("title") or "").strip()
    user.locale = data.get("locale") or None
    user.must_change_password = made_up is not None
    session.flush()
    changes = {name: {"before": None, "after": getattr(user, name)} for name in (*TEXT_FIELDS, "locale")
               if getattr(user, name)}
    if data.get("manager") is not None:
        changes.update(set_manager(session, None, user, data["manager"]))
    if data.get("departments"):
        changes.update(set_departments(session, None, user, data["departments"], data.get("primary_department")))
    audit(session, actor_id, "user.invite", "user", user.id, changes)
    return user, made_up


def update_person(session: Session, actor_id: int | None, user_id: int, data: dict[str, Any],
                  version: int | None) -> User:
    """Change a person's profile, administrator flag, manager or departments."""
    user = get_person(session, user_id)
    data = dict(data)
    stale_check(user, data.pop("version", version), _("person"))
    errors = _check_profile(data, creating=False)
    if errors:
        raise Invalid(_("The person is not valid."), errors=errors)
    changes: dict[str, Any] = {}
    for name in (*TEXT_FIELDS, "locale"):
        if name in data:
            value = _email(data[name]) if name == "email" else (data[name] or "").strip() or None
            if name in ("display_name", "phone", "title"):
                value = value or ""
            if value != getattr(user, name):
                changes[name] = {"before": getattr(user, name), "after": value}
                setattr(user, name, value)
    if "is_admin" in data and bool(data["is_admin"]) != user.is_admin:
        if not data["is_admin"] and user.is_active and count_admins(session) <= 1:
            raise Conflict(_("The last administrator cannot stop being one."))
        changes["is_admin"] = {"before": user.is_admin, "after": bool(data["is_admin"])}
        user.is_admin = bool(data["is_admin"])
    if "manager" in data:
        changes.update(set_manager(session, None, user, data["manager"]))
    if "departments" in data:
        changes.update(set_departments(session, None, user, data["departments"] or [],
                                       data.get("primary_department")))
    if changes:
        user.version += 1
        session.flush()
        audit(session, actor_id, "user.update", "user", user.id, changes)
    return user


def set_manager(session: Session, actor_id: int | None, user: User, manager: Any) -> dict[str, Any]:
    """Make ``manager`` (an id, a user name, an email, or None) the person's direct manager.
    A chain of managers never comes back to the person."""
    manager_id = None if manager in (None, "") else find_person(session, str(manager)).id
    if manager_id is not None:
        seen, current = set(), manager_id
        while current is not None and current not in seen:
            if current == user.id:
                raise Invalid(_("The person is not valid."), errors=[FieldError(
                    "manager", "cycle", _("This person manages the chosen manager already, directly or not."))])
            seen.add(current)
            current = session.scalar(select(User.manager_id).where(User.id == current))
    if manager_id == user.manager_id:
        return {}
    changes = {"manager_id": {"before": user.manager_id, "after": manager_id}}
    user.manager_id = manager_id
    session.flush()
    if actor_id is not None:
        user.version += 1
        audit(session, actor_id, "user.update", "user", user.id, changes)
    return changes


def set_departments(session: Session, actor_id: int | None, user: User, department_ids: list[int],
                    primary: int | None = None) -> dict[str, Any]:
    """The person's departments, exactly these; ``primary`` (else the first) is the main one."""
    session.info.pop("bw_access", None)  # grants read in this session are stale now
    ids = list(dict.fromkeys(department_ids))
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise Invalid(_("The person is not valid."), errors=[FieldError(
            "departments", "type", _("Give a list of department ids."))])
    known = set(session.scalars(select(Department.id).where(Department.id.in_(ids)))) if ids else set()
    missing = [i for i in ids if i not in known]
    if missing:
        raise Invalid(_("The person is not valid."), errors=[FieldError(
            "departments", "unknown", _("No department has the id %(id)s.", id=missing[0]))])
    if primary is not None and primary not in ids:
        raise Invalid(_("The person is not valid."), errors=[FieldError(
            "primary_department", "not_member", _("Choose one of the person's departments."))])
    main = primary if primary is not None else (ids[0] if ids else None)
    before = _memberships(session, user.id)
    after = {"departments": ids, "primary_department": main}
    if before == after or (set(before["departments"]) == set(ids) and before["primary_department"] == main):
        return {}
    session.execute(delete(Membership).where(Membership.user_id == user.id))
    session.add_all(Membership(user_id=user.id, department_id=d, is_main=d == main) for d in ids)
    session.flush()
    changes = {"departments": {"before": before, "after": after}}
    if actor_id is not None:
        user.version += 1
        audit(session, actor_id, "user.update", "user", user.id, changes)
    return changes


def _memberships(session: Session, user_id: int) -> dict[str, Any]:
    rows = session.execute(select(Membership.department_id, Membership.is_main)
                           .where(Membership.user_id == user_id)).all()
    ordered = sorted(rows, key=lambda r: (not r.is_main, r.department_id))
    return {"departments": [r.department_id for r in ordered],
            "primary_department": next((r.department_id for r in ordered if r.is_main), None)}


def memberships_of_many(session: Session, user_ids: list[int]) -> dict[int, dict[str, Any]]:
    """``memberships_of`` for a page of people, in one query."""
    found: dict[int, list] = {i: [] for i in user_ids}
    if user_ids:
        rows = session.execute(select(Membership.user_id, Membership.department_id, Membership.is_main)
                               .where(Membership.user_id.in_(user_ids)))
        for row in rows:
            found[row.user_id].append(row)
    out = {}
    for user_id, rows in found.items():
        ordered = sorted(rows, key=lambda r: (not r.is_main, r.department_id))
        out[user_id] = {"departments": [r.department_id for r in ordered],
                        "primary_department": next((r.department_id for r in ordered if r.is_main), None)}
    return out


def memberships_of(session: Session, user_id: int) -> dict[str, Any]:
    """``{"departments": [...], "primary_department": id}``, the main one first."""
    return _memberships(session, user_id)


def set_person_active(session: Session, actor_id: int | None, user_id: int, active: bool) -> User:
    """Deactivating keeps the person's records (they still own them) and history, ends
    every session, and makes their API tokens stop working."""
    user = get_person(session, user_id)
    if user.is_active == active:
        return user
    if not active and user.id == actor_id:
        raise Forbidden(_("You cannot deactivate yourself."))
    if not active and user.is_admin and count_admins(session) <= 1:
        raise Conflict(_("The last administrator cannot be deactivated."))
    user.is_active = active
    user.version += 1
    if not active:
        session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit(session, actor_id, "user.activate" if active else "user.deactivate", "user", user.id,
          {"is_active": {"before": not active, "after": active}})
    return user


def reset_password(session: Session, actor_id: int | None, user_id: int, password: str | None = None) -> str:
    """Give the person a one-time password (``password``, or one made up to show once). They
    are signed out everywhere and must choose their own password when they next sign in."""
    user = get_person(session, user_id)
    password = password or one_time_password()
    check_password_strength(password)
    user.password_hash = _hasher.hash(password)
    user.must_change_password = True
    user.version += 1
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit(session, actor_id, "user.reset_password", "user", user.id, {})
    return password


def change_own_password(session: Session, user_id: int, current: str, new: str,
                        keep_session: str | None = None) -> None:
    """A person replaces their password, giving the current one. Their other sessions end;
    ``keep_session`` (the digest of the browser doing it) stays signed in."""
    user = get_person(session, user_id)
    try:
        _hasher.verify(user.password_hash or "", current)
    except Exception:  # a mismatch, or a hash from nowhere: either way, not the password
        raise Invalid(_("The password was not changed."), errors=[FieldError(
            "current_password", "wrong", _("This is not your current password."))]) from None
    check_password_strength(new, "new_password")
    if new == current:
        raise Invalid(_("The password was not changed."), errors=[FieldError(
            "new_password", "same", _("Choose a password other than the current one."))])
    user.password_hash = _hasher.hash(new)
    user.must_change_password = False
    user.version += 1
    ending = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_session is not None:
        ending = ending.where(UserSession.token_hash != keep_session)
    session.execute(ending)
    audit(session, user.id, "user.change_password", "user", user.id, {})


def set_own_locale(session: Session, user_id: int, locale: str | None) -> User:
    if locale not in (None, "", *LOCALES):
        raise Invalid(_("The language was not changed."), errors=[FieldError(
            "locale", "choice", _("Choose from: %(choices)s.", choices=", ".join(LOCALES)))])
    user = get_person(session, user_id)
    if (locale or None) != user.locale:
        audit(session, user.id, "user.update", "user", user.id,
              {"locale": {"before": user.locale, "after": locale or None}})
        user.locale = locale or None
        user.version += 1
    return user


def sessions_of(session: Session, user_id: int) -> list[UserSession]:
    get_person(session, user_id)
    return list(session.scalars(select(UserSession).where(
        UserSession.user_id == user_id, UserSession.expires_at >= utcnow()).order_by(UserSession.id.desc())))


def end_session(session: Session, actor_id: int | None, user_id: int, session_id: int) -> None:
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != user_id:
        raise NotFound(_("No session has the id %(id)s.", id=session_id))
    session.delete(row)
    audit(session, actor_id, "user.end_session", "user", user_id, {"session": session_id})


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    get_person(session, user_id)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))


def revoke_token_of(session: Session, actor_id: int | None, user_id: int, token_id: int) -> None:
    """Revoke one of this person's tokens (a person may only reach their own)."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user_id or row.revoked_at is not None:
        raise NotFound(_("No active API token has the id %(id)s.", id=token_id))
    row.revoked_at = utcnow()
    audit(session, actor_id, "token.revoke", "api_token", row.id, {"user": user_id})


def list_people(session: Session, q: str = "", department_id: int | None = None,
                active: bool | None = None, limit: int = 200, offset: int = 0) -> tuple[int, list[User]]:
    query = select(User)
    if q := q.strip().lower()[:100]:
        query = query.where(func.lower(User.display_name).contains(q, autoescape=True)
                            | func.lower(User.username).contains(q, autoescape=True)
                            | func.lower(func.coalesce(User.email, "")).contains(q, autoescape=True))
    if department_id is not None:
        query = query.where(User.id.in_(select(Membership.user_id).where(Membership.department_id == department_id)))
    if active is not None:
        query = query.where(User.is_active.is_(active))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(User.display_name, User.id).limit(min(max(limit, 1), 1000))
                           .offset(max(offset, 0)))
    return total, list(rows)


def stale_check(row: Any, version: Any, what: str) -> None:
    """Refuse an edit made without a version, or from an old one."""
    if version is None:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "version", "required", _("Give the version you started from (or an If-Match header)."))])
    if not isinstance(version, int) or isinstance(version, bool):
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "version", "type", _("Give a whole number."))])
    if version != row.version:
        raise Conflict(_("Someone else changed the %(what)s first.", what=what), detail=_(
            "It is at version %(now)s, not %(given)s. Reload it and make your change again.",
            now=row.version, given=version))


def _email(value: Any) -> str | None:
    return (value or "").strip() or None


def _check_profile(data: dict[str, Any], *, creating: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    allowed = {*TEXT_FIELDS, "locale", "is_admin", "manager", "departments", "primary_department"}
    if creating:
        allowed.add("username")
        name = data.get("username")
        if not isinstance(name, str) or not USERNAME.match(normalise_username(name)):
            errors.append(FieldError("username", "pattern", _(
                "Use 2 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.")))
    for name in data:
        if name not in allowed:
            errors.append(FieldError(name, "unknown", _("There is no such field.")))
    for name, longest in TEXT_FIELDS.items():
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            errors.append(FieldError(name, "type", _("Give a text.")))
        elif len(value.strip()) > longest:
            errors.append(FieldError(name, "too_long", _("Use at most %(n)s characters.", n=longest)))
    email = data.get("email")
    if isinstance(email, str) and email.strip() and not EMAIL.match(email.strip()):
        errors.append(FieldError("email", "email", _("Give an email address such as name@example.com.")))
    if data.get("locale") not in (None, "", *LOCALES):
        errors.append(FieldError("locale", "choice", _("Choose from: %(choices)s.", choices=", ".join(LOCALES))))
    if "is_admin" in data and not isinstance(data["is_admin"], bool):
        errors.append(FieldError("is_admin", "type", _("Give true or false.")))
    if "departments" in data and data["departments"] is not None and not isinstance(data["departments"], list):
        errors.append(FieldError("departments", "type", _("Give a list of department ids.")))
    return errors
