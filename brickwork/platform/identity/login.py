"""Signing in and out of the browser: rate-limited password check, a second step for a TOTP
code when the person turned it on (totp.py), server-side sessions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from brickwork.platform.audit import audit
from brickwork.platform.db import utcnow
from brickwork.platform.errors import Invalid, TooManyRequests
from brickwork.platform.i18n import _
from brickwork.platform.identity import totp
from brickwork.platform.identity.secrets import digest, new_secret
from brickwork.platform.identity.users import PRINCIPAL_COLUMNS, Principal, normalise_username, verify_password
from brickwork.platform.models import AuthChallenge, LoginAttempt, User, UserSession
from brickwork.platform.settings import Settings

SESSION_PREFIX = "bws_"
CHALLENGE_PREFIX = "bwc_"
CODE_WAIT = timedelta(minutes=5)


@dataclass(frozen=True)
class CodeNeeded:
    """The password was right and the person has two-factor sign-in on: ``challenge`` (kept
    by the browser for a few minutes) and a code from their app open the session."""

    user: User
    challenge: str
    # Set when the person must first enrol (an administrator where BRICKWORK_TOTP_REQUIRED_FOR_ADMINS
    # is on and who has not): the app is set up with this, and its first code opens the session.
    enrolment: totp.Enrolment | None = None


def login(
    session: Session, settings: Settings, username: str, password: str, *, ip: str, user_agent: str = ""
) -> tuple[User, str] | CodeNeeded | None:
    """Check the password and open a session; returns the user and the cookie value,
    ``CodeNeeded`` when a TOTP code must follow (``login_code``), or None for a wrong name
    or password (the failed attempt is recorded: commit it).

    Too many failures for this name from this address in the window are refused before
    the password is even looked at, so guessing is slow whatever the guesses are.
    """
    name = normalise_username(username)[:64]
    ip = ip[:64]
    _refuse_when_locked(session, settings, name, ip)
    user = verify_password(session, name, password)
    session.add(LoginAttempt(username=name, ip=ip, succeeded=user is not None))
    session.flush()
    if user is None:
        return None
    enrolled = totp.is_enabled(session, user.id)
    if enrolled or (user.is_admin and settings.totp_required_for_admins):
        # The slate is not cleared yet: wrong codes count with wrong passwords, so knowing
        # the password does not buy unlimited guesses at the code.
        challenge = new_secret(CHALLENGE_PREFIX)
        session.add(AuthChallenge(token_hash=digest(challenge), kind="totp" if enrolled else "totp_enrol",
                                  user_id=user.id, data={"ip": ip}, expires_at=utcnow() + CODE_WAIT))
        return CodeNeeded(user, challenge, None if enrolled else totp.begin(session, settings.secret_key, user.id))
    return user, open_session(session, settings, user, ip=ip, user_agent=user_agent)


def login_code(
    session: Session, settings: Settings, challenge: str, code: str, *, ip: str, user_agent: str = ""
) -> tuple[User, str] | None:
    """The second step: a code from the app (or a recovery code) for a ``CodeNeeded``
    challenge. None for a wrong code (recorded like a wrong password: commit it)."""
    row, user = _challenged(session, challenge, "totp")
    ip = ip[:64]
    _refuse_when_locked(session, settings, user.username, ip)
    ok = totp.check(session, settings.secret_key, user.id, code)
    session.add(LoginAttempt(username=user.username, ip=ip, succeeded=ok))
    session.flush()
    if not ok:
        return None
    session.delete(row)
    return user, open_session(session, settings, user, ip=ip, user_agent=user_agent, factors="password+totp")


def login_enrol(
    session: Session, settings: Settings, challenge: str, code: str, *, ip: str, user_agent: str = ""
) -> tuple[User, str, list[str]] | None:
    """The second step for a person who must enrol first: the first code from the app turns
    two-factor on and opens the session; returns the user, the cookie value and the recovery
    codes (to show once), or None for a wrong code (recorded: commit it)."""
    row, user = _challenged(session, challenge, "totp_enrol")
    ip = ip[:64]
    _refuse_when_locked(session, settings, user.username, ip)
    try:
        codes = totp.confirm(session, settings.secret_key, user.id, code)
    except Invalid:
        codes = None
    session.add(LoginAttempt(username=user.username, ip=ip, succeeded=codes is not None))
    session.flush()
    if codes is None:
        return None
    session.delete(row)
    return user, open_session(session, settings, user, ip=ip, user_agent=user_agent, factors="password+totp"), codes


def pending_enrolment(session: Session, settings: Settings, challenge: str) -> totp.Enrolment | None:
    _row, user = _challenged(session, challenge, "totp_enrol")
    return totp.pending(session, settings.secret_key, user.id)


def _challenged(session: Session, challenge: str, kind: str) -> tuple[AuthChallenge, User]:
    row = session.get(AuthChallenge, digest(challenge)) if challenge.startswith(CHALLENGE_PREFIX) else None
    user = session.get(User, row.user_id) if row is not None and row.kind == kind else None
    if user is None or row.expires_at < utcnow() or not user.is_active:
        raise Invalid(_("The sign-in took too long. Enter your password again."))
    return row, user


def _refuse_when_locked(session: Session, settings: Settings, name: str, ip: str) -> None:
    _serialise_attempts(session, name, ip)
    since = utcnow() - timedelta(seconds=settings.login_window_seconds)
    failures = session.scalar(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == name, LoginAttempt.ip == ip,
            LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since,
        )
    ) or 0
    if failures >= settings.login_max_failures:
        raise TooManyRequests(
            _("Too many failed sign-ins."),
            detail=_("Too many failed sign-ins. Try again in %(minutes)s minutes.",
                     minutes=max(1, settings.login_window_seconds // 60)),
        )


def open_session(session: Session, settings: Settings, user: User, *, ip: str, user_agent: str = "",
                 factors: str = "password") -> str:
    """A new browser session for a person who proved who they are; returns the cookie value."""
    name = user.username
    since = utcnow() - timedelta(seconds=settings.login_window_seconds)
    token = new_secret(SESSION_PREFIX)
    session.add(UserSession(
        token_hash=digest(token), user_id=user.id, ip=ip, user_agent=user_agent[:256],
        expires_at=utcnow() + timedelta(days=settings.session_days),
    ))
    # A success clears the slate for this name and address; expired rows go as well.
    session.execute(delete(LoginAttempt).where(
        ((LoginAttempt.username == name) & (LoginAttempt.ip == ip)) | (LoginAttempt.at < since)))
    session.execute(delete(UserSession).where(UserSession.expires_at < utcnow()))
    session.execute(delete(AuthChallenge).where(AuthChallenge.expires_at < utcnow()))
    audit(session, user.id, "auth.login", "user", user.id, {"ip": ip, "via": factors})
    return token


def _serialise_attempts(session: Session, name: str, ip: str) -> None:
    """Attempts for one name and address run one at a time, so the count above always
    includes every earlier attempt: without this, 30 parallel guesses on PostgreSQL all
    counted the same 0 failures and all reached the password check.

    PostgreSQL: a transaction-level advisory lock on the pair, released at commit, after
    this attempt's row is written; the next waiter's count (READ COMMITTED, a fresh
    snapshot per statement) then sees it. SQLite: a writing transaction starts with
    BEGIN IMMEDIATE, which already lets one writer in at a time.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    pair = hashlib.sha256(f"login\x1f{name}\x1f{ip}".encode()).digest()
    session.execute(select(func.pg_advisory_xact_lock(int.from_bytes(pair[:8], "big", signed=True))))


def logout(session: Session, token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == digest(token)))


def session_principal(session: Session, token: str) -> Principal | None:
    if not token.startswith(SESSION_PREFIX):
        return None
    row = session.connection().execute(_BY_SESSION, {"digest": digest(token)}).first()
    if row is None or row.expires_at < utcnow() or not row.is_active:
        return None
    return Principal.of(row, "session")


_BY_SESSION = (
    select(*PRINCIPAL_COLUMNS, UserSession.expires_at)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.token_hash == bindparam("digest"))
)
