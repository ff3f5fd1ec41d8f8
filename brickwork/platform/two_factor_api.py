"""REST for two-factor sign-in: /api/v1/me/2fa (each person's own authenticator and
recovery codes) and DELETE /api/v1/users/{id}/2fa (an administrator's reset).

Sign-in factors are changed only from a signed-in browser session, never with an API token:
a token that leaked must not be able to turn a person's second factor off or on."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from brickwork.platform.api import ProblemOut
from brickwork.platform.errors import Forbidden
from brickwork.platform.http.deps import bearer, work
from brickwork.platform.http.params import PathId
from brickwork.platform.i18n import _
from brickwork.platform.identity import totp
from brickwork.platform.identity.users import Principal


def _problem(description: str) -> dict:
    return {"description": description, "model": ProblemOut, "content": {"application/problem+json": {}}}


router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer)], tags=["people"], responses={
    401: _problem("Not signed in"),
    403: _problem("Not from a browser session, or not an administrator"),
    404: _problem("No such person"),
    409: _problem("Two-factor sign-in is already on, or off"),
    422: _problem("The code or password is wrong"),
})


class TwoFactorOut(BaseModel):
    enabled: bool
    recovery_codes_left: int


class EnrolmentOut(BaseModel):
    secret: str  # base32, for typing into the app; in this answer only
    uri: str  # otpauth://totp/...
    qr: str  # the same URI as a QR code: a data: URI of an SVG image


class CodeIn(BaseModel):
    code: str


class DisableIn(BaseModel):
    code: str = ""
    password: str = ""


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]  # shown once; each signs in once instead of a code


def _in_browser(who: Principal) -> None:
    if who.via != "session":
        raise Forbidden(_("Two-factor sign-in is changed only when signed in with a browser, not with a token."))


@router.get("/me/2fa", response_model=TwoFactorOut)
def me_two_factor(request: Request) -> TwoFactorOut:
    with work(request, read_only=True) as (session, who):
        return TwoFactorOut(enabled=totp.is_enabled(session, who.user_id),
                            recovery_codes_left=totp.recovery_codes_left(session, who.user_id))


@router.post("/me/2fa", response_model=EnrolmentOut, status_code=201)
def me_two_factor_begin(request: Request) -> EnrolmentOut:
    """Start enrolling an authenticator app: a new secret, not in force until confirmed."""
    with work(request) as (session, who):
        _in_browser(who)
        e = totp.begin(session, request.app.state.settings.secret_key, who.user_id)
        return EnrolmentOut(secret=e.secret, uri=e.uri, qr=e.qr)


@router.post("/me/2fa/confirm", response_model=RecoveryCodesOut)
def me_two_factor_confirm(request: Request, body: CodeIn) -> RecoveryCodesOut:
    """A code from the app turns two-factor sign-in on; the answer has the recovery codes."""
    with work(request) as (session, who):
        _in_browser(who)
        codes = totp.confirm(session, request.app.state.settings.secret_key, who.user_id, body.code)
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/me/2fa/disable", status_code=204)
def me_two_factor_disable(request: Request, body: DisableIn) -> Response:
    """Turn it off with a current code, a recovery code, or the password."""
    with work(request) as (session, who):
        _in_browser(who)
        totp.disable(session, request.app.state.settings.secret_key, who.user_id,
                     code=body.code, password=body.password)
    return Response(status_code=204)


@router.post("/me/2fa/recovery-codes", response_model=RecoveryCodesOut)
def me_recovery_codes(request: Request, body: CodeIn) -> RecoveryCodesOut:
    """Ten new recovery codes for a current code from the app; the old ones stop working."""
    with work(request) as (session, who):
        _in_browser(who)
        codes = totp.renew_recovery_codes(session, request.app.state.settings.secret_key, who.user_id, body.code)
    return RecoveryCodesOut(recovery_codes=codes)


@router.delete("/users/{user_id}/2fa", status_code=204)
def reset_two_factor(request: Request, user_id: PathId) -> Response:
    """Administrators: turn a person's two-factor sign-in off (lost phone and codes). Audited."""
    with work(request, admin=True) as (session, who):
        totp.reset(session, who.user_id, user_id)
    return Response(status_code=204)
