"""Two-factor sign-in with an authenticator app (TOTP, RFC 6238) and one-time recovery codes.

A person enrols on /me: the server makes a secret, shows it once as a QR code and as text,
and keeps it only sealed (sealed.py). A code from the app confirms the enrolment and the
ten recovery codes are shown, once; they are stored as argon2 hashes. After that every
password sign-in asks for a code (login.py). API tokens are not affected: they are the
machines' way in and are made by someone already signed in.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from brickwork.platform.audit import audit
from brickwork.platform.db import utcnow
from brickwork.platform.errors import Conflict, FieldError, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.identity.sealed import seal, unseal
from brickwork.platform.identity.users import verify_password
from brickwork.platform.models import RecoveryCode, User, UserTotp

PURPOSE = "totp"
ISSUER = "Brickwork"
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper
CODE_LENGTH = 10  # 31**10: about 2**49 guesses per code
# A recovery code is random (unlike a password), so a light argon2 is enough: a stolen
# database still costs 2**49 hashes per code, while checking one at sign-in (up to ten
# hashes) stays well under a second on a busy machine.
_hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr: str  # a data: URI of an SVG image, for an <img>


def is_enabled(session: Session, user_id: int) -> bool:
    return session.scalar(select(UserTotp.user_id).where(
        UserTotp.user_id == user_id, UserTotp.confirmed_at.is_not(None))) is not None


def recovery_codes_left(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0


def begin(session: Session, secret_key: str, user_id: int) -> Enrolment:
    """A new secret for this person, not yet in force: a code from it must confirm it."""
    user = _user(session, user_id)
    if is_enabled(session, user_id):
        raise Conflict(_("Two-factor sign-in is already on."))
    secret = pyotp.random_base32()
    row = session.get(UserTotp, user_id)
    if row is None:
        row = UserTotp(user_id=user_id, secret="", last_step=0)
        session.add(row)
    row.secret = seal(secret_key, PURPOSE, secret)
    row.confirmed_at = None
    return _enrolment(user, secret)


def pending(session: Session, secret_key: str, user_id: int) -> Enrolment | None:
    """The enrolment begun and not yet confirmed, to show again after a wrong code."""
    row = session.get(UserTotp, user_id)
    secret = unseal(secret_key, PURPOSE, row.secret) if row is not None and row.confirmed_at is None else None
    return _enrolment(_user(session, user_id), secret) if secret else None


def _enrolment(user: User, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email or user.username, issuer_name=ISSUER)
    return Enrolment(secret, uri, segno.make(uri, error="m").svg_data_uri(scale=4))


def confirm(session: Session, secret_key: str, user_id: int, code: str) -> list[str]:
    """Turn two-factor sign-in on with a code from the app; returns the recovery codes,
    which are never shown again."""
    row = session.get(UserTotp, user_id)
    if row is None or row.confirmed_at is not None:
        raise Conflict(_("Start the enrolment again: no authenticator is waiting for a code."))
    step = _matching_step(secret_key, row, code)
    if step is None:
        raise _wrong_code()
    row.last_step = step
    row.confirmed_at = utcnow()
    codes = _new_recovery_codes(session, user_id)
    audit(session, user_id, "user.2fa_enable", "user", user_id, {})
    return codes


def disable(session: Session, secret_key: str, user_id: int, *, code: str = "", password: str = "") -> None:
    """The person turns it off, proving it is them with a code (or recovery code) or their
    password; either given one that is right is enough."""
    user = _user(session, user_id)
    if not is_enabled(session, user_id):
        raise Conflict(_("Two-factor sign-in is off."))
    proven = (code and check(session, secret_key, user_id, code)) or (
        password and verify_password(session, user.username, password) is not None)
    if not proven:
        raise Invalid(_("The code or password is wrong."), errors=[FieldError(
            "code" if code else "password", "wrong", _("Give a current code, a recovery code or your password."))])
    _remove(session, user_id)
    audit(session, user_id, "user.2fa_disable", "user", user_id, {})


def renew_recovery_codes(session: Session, secret_key: str, user_id: int, code: str) -> list[str]:
    if not is_enabled(session, user_id):
        raise Conflict(_("Two-factor sign-in is off."))
    if not check(session, secret_key, user_id, code, recovery=False):
        raise _wrong_code()
    codes = _new_recovery_codes(session, user_id)
    audit(session, user_id, "user.2fa_recovery_codes", "user", user_id, {})
    return codes


def reset(session: Session, actor_id: int | None, user_id: int) -> bool:
    """An administrator's reset for a person who lost their authenticator and their
    codes: they sign in with the password alone and may enrol again. Audited."""
    _user(session, user_id)
    had = is_enabled(session, user_id)
    _remove(session, user_id)
    audit(session, actor_id, "user.2fa_reset", "user", user_id, {"was_enabled": had})
    return had


def check(session: Session, secret_key: str, user_id: int, code: str, *, recovery: bool = True) -> bool:
    """Whether ``code`` is a current code of the person's app (each accepted at most once)
    or, with ``recovery``, one of their unused recovery codes (then used up)."""
    row = session.get(UserTotp, user_id)
    if row is None or row.confirmed_at is None:
        return False
    step = _matching_step(secret_key, row, code)
    if step is not None:
        # Conditional, so two requests racing with the same code cannot both be let in.
        return _claimed(session, update(UserTotp).where(
            UserTotp.user_id == user_id, UserTotp.last_step < step).values(last_step=step))
    return recovery and _use_recovery_code(session, user_id, code)


def _claimed(session: Session, statement) -> bool:
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount == 1


def _matching_step(secret_key: str, row: UserTotp, code: str) -> int | None:
    """The time step of a valid code (this one, the one before or after: clocks drift),
    if it is later than the last accepted one."""
    code = "".join(code.split())
    secret = unseal(secret_key, PURPOSE, row.secret)
    if secret is None or len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    for step in (now - 1, now, now + 1):
        if step > row.last_step and secrets.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def _use_recovery_code(session: Session, user_id: int, code: str) -> bool:
    given = _normal(code)
    if len(given) != CODE_LENGTH:
        return False
    for row in session.scalars(select(RecoveryCode).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))):
        try:
            _hasher.verify(row.code_hash, given)
        except (VerificationError, InvalidHashError):
            continue
        if not _claimed(session, update(RecoveryCode).where(
                RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None)).values(used_at=utcnow())):
            return False
        audit(session, user_id, "user.2fa_recovery_code_used", "user", user_id, {})
        return True
    return False


def _new_recovery_codes(session: Session, user_id: int) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user_id, code_hash=_hasher.hash(c)) for c in codes)
    half = CODE_LENGTH // 2
    return [f"{c[:half]}-{c[half:]}" for c in codes]


def _normal(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _remove(session: Session, user_id: int) -> None:
    session.execute(delete(UserTotp).where(UserTotp.user_id == user_id))
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("No user has the id %(id)s.", id=user_id))
    return user


def _wrong_code() -> Invalid:
    return Invalid(_("The code is wrong."), errors=[FieldError(
        "code", "wrong", _("The code is wrong or used already. Enter the current code from your app."))])
