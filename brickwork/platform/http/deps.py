"""What routes ask for: a transaction, the caller."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from sqlalchemy.orm import Session

from brickwork.platform.db import transaction
from brickwork.platform.errors import Forbidden, NotAuthenticated
from brickwork.platform.http.csrf import SESSION_COOKIE
from brickwork.platform.i18n import _
from brickwork.platform.identity.login import session_principal
from brickwork.platform.identity.tokens import record_use, token_principal
from brickwork.platform.identity.users import Principal

SAFE = {"GET", "HEAD", "OPTIONS"}


@contextmanager
def db(request: Request, *, read_only: bool = False) -> Iterator[Session]:
    """One transaction for the work of a request, committed before the response is sent.
    ``read_only`` for work that only reads (on SQLite it then runs beside writers)."""
    factory = request.app.state.readers if read_only else request.app.state.sessions
    with transaction(factory) as session:
        yield session


def current_principal(request: Request) -> Principal | None:
    """The caller from a bearer token or the session cookie; looked up once per request."""
    if "principal" in request.state._state:
        return request.state.principal
    found = None
    scheme, _sep, credential = request.headers.get("authorization", "").partition(" ")
    with db(request, read_only=True) as session:
        if scheme.lower() == "bearer":
            found = token_principal(session, credential.strip())
        elif request.cookies.get(SESSION_COOKIE):
            found = session_principal(session, request.cookies[SESSION_COOKIE])
    if found is not None and found.token_id is not None:
        with db(request) as session:
            record_use(session, found.token_id)
    request.state.principal = found
    return found


bearer = HTTPBearer(auto_error=False, description="An API token from `brickwork tokens create`.")


def require_user(request: Request, _credentials: object = Depends(bearer)) -> Principal:
    principal = current_principal(request)
    if principal is None:
        raise NotAuthenticated(_("Sign-in required."),
                               detail=_("Send an API token as 'Authorization: Bearer <token>'."))
    if request.method not in SAFE and "write" not in principal.scopes:
        raise Forbidden(_("This API token may only read."))
    return principal


def require_admin(principal: Principal = Depends(require_user)) -> Principal:
    if not principal.is_admin:
        raise Forbidden(_("Only administrators may do this."))
    return principal
