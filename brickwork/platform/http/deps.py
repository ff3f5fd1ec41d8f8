"""What routes ask for: a unit of work with its caller, or just the caller."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from fastapi.security import HTTPBearer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from brickwork.platform.apps import get_app
from brickwork.platform.db import is_timeout, transaction
from brickwork.platform.errors import (
    FieldError,
    Forbidden,
    Invalid,
    NotAuthenticated,
    PasswordChangeRequired,
    Unavailable,
)
from brickwork.platform.http.csrf import SESSION_COOKIE
from brickwork.platform.i18n import _
from brickwork.platform.identity.app_roles import require_designer
from brickwork.platform.identity.login import session_principal
from brickwork.platform.identity.tokens import record_use, token_app, token_principal
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import App

SAFE = {"GET", "HEAD", "OPTIONS"}
# What a session that must replace its one-time password may still do (decision 0028).
BEFORE_NEW_PASSWORD = {("POST", "/api/v1/me/password"), ("GET", "/api/v1/me"), ("HEAD", "/api/v1/me")}

# Documents bearer auth in OpenAPI; the check itself happens in ``work``, in the same
# transaction as the request's work (one round of locking and one thread, not two).
bearer = HTTPBearer(auto_error=False, description="An API token from `brickwork tokens create`.")


@contextmanager
def db(request: Request, *, read_only: bool = False) -> Iterator[Session]:
    """One transaction for the work of a request, committed before the response is sent.
    ``read_only`` for work that only reads (on SQLite it then runs beside writers)."""
    factory = request.app.state.readers if read_only else request.app.state.sessions
    try:
        with transaction(factory) as session:
            yield session
    except DBAPIError as exc:
        if is_timeout(exc):
            # A statement ran past the request's statement timeout and was cancelled (db.py):
            # the database is free again, and the caller may try later.
            raise Unavailable(_("This took too long and was stopped."), detail=_(
                "Try again in a moment. If it keeps happening, ask for a narrower filter or fewer records.")
            ) from None
        if getattr(exc.orig, "sqlstate", None) in OUT_OF_RANGE:
            raise _unstorable() from None
        raise
    except (OverflowError, UnicodeEncodeError):
        # What no check above the driver caught: a number past 64 bits (SQLite's driver) or
        # a lone UTF-16 surrogate ("\ud800" in JSON), which no database can store.
        raise _unstorable() from None


OUT_OF_RANGE = {"22003", "22021", "22P05"}  # PostgreSQL: number out of range, bad characters


def _unstorable() -> Invalid:
    return Invalid(_("The request is not valid."), errors=[FieldError("", "unstorable", _(
        "A number is larger than 9223372036854775807, or a text has a lone surrogate (a half of an "
        "emoji or another character outside the basic plane); neither can be stored."))])


@contextmanager
def work(request: Request, *, read_only: bool = False, admin: bool = False
         ) -> Iterator[tuple[Session, Principal]]:
    """The request's transaction and its caller, who must be signed in (and an
    administrator with ``admin``); a read-only token may not write."""
    with db(request, read_only=read_only) as session:
        who = _lookup(request, session)
        allowed(request, who, admin=admin)
        if who.token_id is not None and not read_only:
            record_use(session, who.token_id)
        yield session, who
    if who.token_id is not None and read_only:
        with db(request) as session:
            record_use(session, who.token_id)


@contextmanager
def designing(request: Request, app_key: str, *, read_only: bool = False
              ) -> Iterator[tuple[Session, Principal, App]]:
    """``work`` on the design of an app: its forms, publishing, permissions, roles and
    settings. Every such endpoint comes through here, so one function (``require_designer``)
    says who may: administrators and the app's admin roles."""
    with work(request, read_only=read_only) as (session, who):
        app = get_app(session, app_key)
        require_designer(session, app, who)
        yield session, who, app


def current_principal(request: Request) -> Principal | None:
    """The caller, for pages: from the session cookie (or a bearer token)."""
    if "principal" not in request.state._state:
        with db(request, read_only=True) as session:
            _lookup(request, session)
    return request.state.principal


def _lookup(request: Request, session: Session) -> Principal | None:
    if "principal" in request.state._state:
        return request.state.principal
    found = None
    scheme, _sep, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        found = token_principal(session, credential.strip())
    elif request.cookies.get(SESSION_COOKIE):
        found = session_principal(session, request.cookies[SESSION_COOKIE])
    request.state.principal = found
    return found


# What a token for one app may still call outside it: who it is, and the files its records'
# attachment fields name (uploaded first, then downloaded by their random id).
OUTSIDE_THE_APP = {("GET", "/api/v1/me")}


def allowed(request: Request, who: Principal | None, *, admin: bool = False) -> Principal:
    if who is None:
        raise NotAuthenticated(_("Sign-in required."),
                               detail=_("Send an API token as 'Authorization: Bearer <token>'."))
    if request.method not in SAFE and "write" not in who.scopes:
        raise Forbidden(_("This API token may only read."))
    app = token_app(who.scopes)
    if app is not None and request.path_params.get("app") != app \
            and (request.method, request.url.path) not in OUTSIDE_THE_APP \
            and not request.url.path.startswith("/api/v1/files"):
        raise Forbidden(_("This API token is for the app %(app)s only.", app=app))
    if who.must_change_password and who.via == "session" \
            and (request.method, request.url.path) not in BEFORE_NEW_PASSWORD:
        raise PasswordChangeRequired(_("Choose a new password first."), detail=_(
            "You signed in with a one-time password. Replace it on your own page (/me); until then "
            "only that page and signing out work."))
    if admin and not who.is_admin:
        raise Forbidden(_("Only administrators may do this."))
    return who
