"""Users and their passwords (argon2id)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ScalarSelect, delete, func, select
from sqlalchemy.orm import Session

from brickwork.platform.audit import audit
from brickwork.platform.errors import Conflict, FieldError, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.models import Membership, User, UserSession

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 8
# Verified against when the username is unknown, so a wrong name costs as long as a
# wrong password and timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


# The first administrator's name as `serve` stores it: in no language, so that each reader
# sees it in their own (installs that stored it already translated are read the same way).
ADMIN_DISPLAY_NAME = "Administrator"
_ADMIN_NAMES = frozenset({ADMIN_DISPLAY_NAME, "管理员"})


def shown_name(display_name: str | None, username: str = "") -> str:
    """A person's name as the reader sees it: the built-in administrator's in their language."""
    if display_name in _ADMIN_NAMES:
        return _("Administrator")
    return display_name or username


@dataclass(frozen=True)
class Principal:
    """Who is making a request, and through what."""

    user_id: int
    username: str
    display_name: str
    is_admin: bool
    via: str  # "session" | "token"
    scopes: tuple[str, ...] = field(default=("read", "write"))
    token_id: int | None = None  # a token whose use is still to be recorded
    main_department: int | None = None
    must_change_password: bool = False  # signed in with a one-time password: only /me until replaced

    @classmethod
    def of(cls, row: Any, via: str, scopes: tuple[str, ...] = ("read", "write"),
           token_id: int | None = None) -> Principal:
        """From a row of ``PRINCIPAL_COLUMNS``."""
        return cls(row.user_id, row.username, shown_name(row.display_name, row.username), row.is_admin, via, scopes,
                   token_id, row.main_department, bool(getattr(row, "must_change_password", False)))


def main_department_of(user_id: Any) -> ScalarSelect:
    """A user's main department as a scalar subquery of ``user_id`` (a column or a value):
    what the caller's ``main_department`` is, and what a record's owner stands in."""
    return (select(Membership.department_id).where(Membership.user_id == user_id, Membership.is_main.is_(True))
            .limit(1).scalar_subquery())


# What a request needs to know of its caller, in one query with the credential. Statements
# built on these are made once: building a statement costs more than running it here.
PRINCIPAL_COLUMNS = (
    User.id.label("user_id"), User.username, User.display_name, User.is_admin, User.is_active,
    User.must_change_password, main_department_of(User.id).label("main_department"),
)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_password_strength(password: str, field_name: str = "password") -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(
            _("The password is too short."),
            errors=[FieldError(field_name, "too_short",
                               _("Use at least %(n)s characters.", n=MIN_PASSWORD))],
        )


def create_user(
    session: Session, username: str, password: str, *, is_admin: bool = False,
    display_name: str = "", email: str | None = None,
) -> User:
    name = normalise_username(username)
    if not USERNAME.match(name):
        raise Invalid(_("The username is not valid."), errors=[FieldError(
            "username", "pattern",
            _("Use 2 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit."))])
    check_password_strength(password)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Conflict(_("The username %(username)s is taken.", username=name),
                       errors=[FieldError("username", "taken", _("This username is taken."))])
    user = User(username=name, display_name=display_name or name, email=email,
                password_hash=_hasher.hash(password), is_admin=is_admin)
    session.add(user)
    session.flush()
    audit(session, None, "user.create", "user", user.id, {"username": name, "is_admin": is_admin})
    return user


def set_password(session: Session, username: str, password: str) -> User:
    user = get_user(session, username)
    check_password_strength(password)
    user.password_hash = _hasher.hash(password)
    # Whoever knew the old password is signed out everywhere.
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit(session, None, "user.set_password", "user", user.id, {})
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    """Deactivating keeps the user's records and history but ends every session and
    makes their API tokens stop working."""
    user = get_user(session, username)
    user.is_active = active
    if not active:
        session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit(session, None, "user.activate" if active else "user.deactivate", "user", user.id, {})
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        raise NotFound(_("No user is named %(username)s.", username=normalise_username(username)))
    return user


def verify_password(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None. Rehashes old parameters."""
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    stored = user.password_hash if user is not None and user.is_active else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if stored is None:
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
    return user


def count_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.is_admin.is_(True), User.is_active.is_(True))) or 0


def principal_for(session: Session, user_id: int, via: str = "preview") -> Principal:
    """Another person as a caller, to see what they would see (a designer's preview): read only."""
    row = session.execute(select(*PRINCIPAL_COLUMNS).where(User.id == user_id)).first()
    if row is None:
        raise NotFound(_("No user has the id %(id)s.", id=user_id))
    return Principal.of(row, via, scopes=("read",))
