"""API tokens for programs: shown once, stored as a digest, revocable, scoped."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session

from brickwork.platform.audit import audit
from brickwork.platform.db import utcnow
from brickwork.platform.errors import FieldError, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.identity.secrets import digest, new_secret
from brickwork.platform.identity.users import PRINCIPAL_COLUMNS, Principal, get_user
from brickwork.platform.models import ApiToken, App, Membership, User

TOKEN_PREFIX = "bwt_"
USE_RECORDED_EVERY = timedelta(minutes=5)
SCOPES = ("read", "write")
APP_SCOPE = "app:"  # "app:crm": the token works only on that app's endpoints


def create_token(
    session: Session, username: str, name: str = "", scopes: tuple[str, ...] = SCOPES, app: str | None = None
) -> tuple[ApiToken, str]:
    """Returns the stored row and the token itself, which is never retrievable again. With
    ``app``, the token is for that one app (its scope is kept as ``app:<key>``)."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise Invalid(_("Unknown token scope."), errors=[FieldError(
            "scopes", "choice", _("Choose from: %(choices)s.", choices=", ".join(SCOPES)))])
    if app is not None and session.scalar(select(App.id).where(App.key == app, App.deleted_at.is_(None))) is None:
        raise Invalid(_("Unknown token scope."), errors=[FieldError(
            "app", "not_found", _("There is no app %(app)s.", app=app))])
    user = get_user(session, username)
    token = new_secret(TOKEN_PREFIX)
    row = ApiToken(user_id=user.id, name=name, prefix=token[: len(TOKEN_PREFIX) + 6],
                   token_hash=digest(token), scopes=[*scopes, *([APP_SCOPE + app] if app else [])])
    session.add(row)
    session.flush()
    audit(session, user.id, "token.create", "api_token", row.id, {"name": name, "scopes": row.scopes})
    return row, token


def token_app(scopes: list[str] | tuple[str, ...]) -> str | None:
    """The one app a token is for, or None for a token of every app the person may use."""
    return next((s.removeprefix(APP_SCOPE) for s in scopes if s.startswith(APP_SCOPE)), None)


def revoke_token(session: Session, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        raise NotFound(_("No active API token has the id %(id)s.", id=token_id))
    row.revoked_at = utcnow()
    audit(session, row.user_id, "token.revoke", "api_token", row.id, {})
    return row


def list_tokens(session: Session, username: str) -> list[ApiToken]:
    user = get_user(session, username)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


_BY_TOKEN = (
    select(*PRINCIPAL_COLUMNS, ApiToken.id.label("token_id"), ApiToken.scopes, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None))
)


# Found tokens are kept for a moment, so a program's stream of requests costs one lookup a
# moment rather than one a request. A change to any user, membership or token made in this
# process empties the cache when it is flushed and again when it commits (a revoke is refused
# at once here); another process's change is seen within KEPT_FOR (decision 0039). Unknown
# tokens are never kept: a token just created elsewhere works at once.
KEPT_FOR = 2.0  # seconds
KEPT_MAX = 4096
_kept: dict[tuple[Any, str], tuple[float, Any]] = {}  # (database, digest) → (when read, row)
_recorded: dict[tuple[Any, int], datetime] = {}  # (database, token id) → when this process wrote its use
CHANGED = "brickwork_identity_changed"  # session.info: users, memberships or tokens changed


def forget_tokens() -> None:
    _kept.clear()


def token_principal(session: Session, token: str) -> Principal | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    key, moment = (session.get_bind().url, digest(token)), time.monotonic()
    kept = _kept.get(key)
    if kept is not None and moment - kept[0] < KEPT_FOR:
        row = kept[1]
    else:
        row = session.connection().execute(_BY_TOKEN, {"digest": key[1]}).first()
        if row is None:
            return None
        if len(_kept) >= KEPT_MAX:
            _kept.clear()
            _recorded.clear()
        _kept[key] = (moment, row)
    if not row.is_active:
        return None
    # The use is recorded at most every few minutes (see record_use): a write on every
    # call would make each request of a program a write transaction.
    last = max(filter(None, (row.last_used_at, _recorded.get((key[0], row.token_id)))), default=None)
    unrecorded = last is None or last < utcnow() - USE_RECORDED_EVERY
    return Principal.of(row, "token", tuple(row.scopes), token_id=row.token_id if unrecorded else None)


def record_use(session: Session, token_id: int) -> None:
    moment = utcnow()
    # On the connection, not the session: a use is no change of the token (do_orm_execute).
    session.connection().execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=moment))
    _recorded[session.get_bind().url, token_id] = moment


WHO = (User, Membership, ApiToken)
WHO_TABLES = {m.__table__ for m in WHO}


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    if any(isinstance(o, WHO) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info[CHANGED] = True
        forget_tokens()


@event.listens_for(Session, "do_orm_execute")
def _executed(state) -> None:
    # update(Membership)… and the like, run through the session: as good as a flush.
    if (state.is_update or state.is_delete or state.is_insert) and \
            getattr(state.statement, "table", None) in WHO_TABLES:
        state.session.info[CHANGED] = True
        forget_tokens()


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    # Another request may have read the old rows between the flush and the commit.
    if session.info.pop(CHANGED, False):
        forget_tokens()
