"""Sign-in, sign-out, language switch and the app home."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from brickwork.builder_ui.rendering import error_page, render
from brickwork.platform.apps import ICONS, create_app, list_apps, list_bin
from brickwork.platform.errors import BrickworkError, Forbidden, NotFound
from brickwork.platform.http import problems
from brickwork.platform.http.csrf import SESSION_COOKIE
from brickwork.platform.http.deps import current_principal, db
from brickwork.platform.http.site import LANG_COOKIE
from brickwork.platform.i18n import _
from brickwork.platform.identity import oidc
from brickwork.platform.identity.login import CodeNeeded, login, login_code, login_enrol, logout, pending_enrolment
from brickwork.platform.identity.users import Principal
from brickwork.platform.settings import LOCALES

router = APIRouter(include_in_schema=False)
ONE_YEAR = 365 * 24 * 3600
OIDC_COOKIE = "bw_oidc"  # the state of a sign-in at the OIDC provider, for this browser only


class LoginRequired(Exception):
    """Raised by page routes for anonymous visitors; answered with a redirect to /login."""


class PasswordFirst(Exception):
    """Raised by page routes for a session that must replace its one-time password first."""


PAGES_BEFORE_NEW_PASSWORD = {"/me", "/me/language"}


def page_user(request: Request) -> Principal:
    principal = current_principal(request)
    # Pages are for people in a browser; programs use the API, where token scopes apply.
    if principal is None or principal.via != "session":
        raise LoginRequired()
    if principal.must_change_password and request.url.path not in PAGES_BEFORE_NEW_PASSWORD:
        raise PasswordFirst()
    return principal


def to_own_page(_request: Request, _exc: PasswordFirst) -> RedirectResponse:
    return RedirectResponse("/me", status_code=303)


def to_login(request: Request, _exc: LoginRequired) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def local_path(target: str | None) -> str:
    """Only same-site paths may be redirected to, never ``//evil`` or ``https://evil``."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    if current_principal(request) is not None:
        return RedirectResponse(local_path(next), status_code=303)
    return render(request, "login.html", next=local_path(next), username="", error=None)


@router.post("/login")
def login_submit(request: Request, username: str = Form(""), password: str = Form(""),
                 next: str = Form("/")) -> Response:
    settings = request.app.state.settings
    ip = request.client.host if request.client else ""
    try:
        with db(request) as session:
            signed_in = login(session, settings, username, password, ip=ip,
                              user_agent=request.headers.get("user-agent", ""))
    except BrickworkError as exc:
        return render(request, "login.html", status_code=exc.status, next=local_path(next),
                      username=username, error=exc.detail or exc.title)
    if signed_in is None:
        return render(request, "login.html", status_code=401, next=local_path(next),
                      username=username, error=_("Wrong username or password."))
    if isinstance(signed_in, CodeNeeded) and signed_in.enrolment is not None:
        return render(request, "login_enrol.html", next=local_path(next), challenge=signed_in.challenge,
                      enrolment=signed_in.enrolment, error=None)
    if isinstance(signed_in, CodeNeeded):
        return render(request, "login_code.html", next=local_path(next), challenge=signed_in.challenge, error=None)
    return _signed_in(request, *signed_in, next)


@router.post("/login/code")
def login_code_submit(request: Request, challenge: str = Form(""), code: str = Form(""),
                      next: str = Form("/")) -> Response:
    """The second step of a sign-in with two-factor on: a code from the app or a recovery code."""
    ip = request.client.host if request.client else ""
    try:
        with db(request) as session:
            signed_in = login_code(session, request.app.state.settings, challenge, code, ip=ip,
                                   user_agent=request.headers.get("user-agent", ""))
    except BrickworkError as exc:
        # Too slow or too many wrong codes: back to the password.
        return render(request, "login.html", status_code=exc.status, next=local_path(next),
                      username="", error=exc.detail or exc.title)
    if signed_in is None:
        return render(request, "login_code.html", status_code=401, next=local_path(next), challenge=challenge,
                      error=_("The code is wrong or used already. Enter the current code from your app."))
    return _signed_in(request, *signed_in, next)


@router.post("/login/enrol")
def login_enrol_submit(request: Request, challenge: str = Form(""), code: str = Form(""),
                       next: str = Form("/")) -> Response:
    """An administrator who must use two-factor sign-in sets up the app while signing in; the
    first code opens the session and the recovery codes are shown, once."""
    settings = request.app.state.settings
    ip = request.client.host if request.client else ""
    try:
        with db(request) as session:
            signed_in = login_enrol(session, settings, challenge, code, ip=ip,
                                    user_agent=request.headers.get("user-agent", ""))
        if signed_in is None:
            with db(request, read_only=True) as session:
                enrolment = pending_enrolment(session, settings, challenge)
            return render(request, "login_enrol.html", status_code=401, next=local_path(next), challenge=challenge,
                          enrolment=enrolment, error=_("The code is wrong or used already. Enter the current code "
                                                       "from your app."))
    except BrickworkError as exc:
        return render(request, "login.html", status_code=exc.status, next=local_path(next),
                      username="", error=exc.detail or exc.title)
    person, token, codes = signed_in
    response = render(request, "login_enrol.html", next="/me" if person.must_change_password else local_path(next),
                      recovery_codes=codes)
    response.set_cookie(SESSION_COOKIE, token, max_age=settings.session_days * 86400, httponly=True,
                        samesite="lax", secure=_secure(request), path="/")
    return response


@router.get("/login/oidc")
def oidc_begin(request: Request, next: str = "/") -> Response:
    """Off to the OIDC provider's sign-in page; it sends the browser back to the callback."""
    settings = request.app.state.settings
    if not settings.oidc_enabled:
        return error_page(request, NotFound(_("Single sign-on is not set up.")))
    try:
        with db(request) as session:
            url, state = oidc.begin(session, settings, _oidc_redirect_uri(request), local_path(next))
    except BrickworkError as exc:
        return render(request, "login.html", status_code=exc.status, next=local_path(next), username="",
                      error=exc.detail or exc.title)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(OIDC_COOKIE, state, max_age=int(oidc.FLOW_WAIT.total_seconds()), httponly=True,
                        samesite="lax", secure=_secure(request), path="/login/oidc")
    return response


@router.get("/login/oidc/callback", name="oidc_callback")
def oidc_callback(request: Request, state: str = "", code: str = "", error: str = "") -> Response:
    settings = request.app.state.settings
    if not settings.oidc_enabled:
        return error_page(request, NotFound(_("Single sign-on is not set up.")))
    ip = request.client.host if request.client else ""
    next_path = "/"
    try:
        with db(request) as session:
            flow = oidc.take_flow(session, state, request.cookies.get(OIDC_COOKIE, ""))
        next_path = flow["next"]
        if error or not code:
            # The person cancelled at the provider, or it refused them.
            raise oidc.ProviderError(_("Signing in with %(name)s did not work. Try again.", name=settings.oidc_name))
        claims = oidc.exchange(settings, flow, code)  # no transaction open while the provider answers
        with db(request) as session:
            person, token = oidc.sign_in(session, settings, claims, ip=ip,
                                         user_agent=request.headers.get("user-agent", ""))
    except BrickworkError as exc:
        response = render(request, "login.html", status_code=exc.status, next=local_path(next_path), username="",
                          error=exc.detail or exc.title)
    else:
        response = _signed_in(request, person, token, next_path)
    response.delete_cookie(OIDC_COOKIE, path="/login/oidc")
    return response


def _oidc_redirect_uri(request: Request) -> str:
    return request.app.state.settings.oidc_redirect_uri or str(request.url_for("oidc_callback"))


def _signed_in(request: Request, person, token: str, next: str) -> Response:
    settings = request.app.state.settings
    # A one-time password (an administrator's reset or invitation) is replaced first, on /me.
    response = RedirectResponse("/me" if person.must_change_password else local_path(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=settings.session_days * 86400, httponly=True,
                        samesite="lax", secure=_secure(request), path="/")
    return response


@router.post("/logout")
def logout_submit(request: Request) -> Response:
    if token := request.cookies.get(SESSION_COOKIE):
        with db(request) as session:
            logout(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language")
def choose_language(request: Request, lang: str = Form(...), next: str = Form("/")) -> Response:
    response = RedirectResponse(local_path(next), status_code=303)
    if lang in LOCALES:
        response.set_cookie(LANG_COOKIE, lang, max_age=ONE_YEAR, samesite="lax",
                            secure=_secure(request), path="/")
    return response


@router.get("/")
def home(request: Request, user: Principal = Depends(page_user)) -> Response:
    return _home(request, user)


def _home(request: Request, user: Principal, status_code: int = 200, error: str | None = None,
          form: dict | None = None, field_errors: dict | None = None) -> Response:
    with db(request, read_only=True) as session:
        apps = list_apps(session)
        binned = list_bin(session) if user.is_admin else []
    return render(request, "home.html", status_code=status_code, apps=apps, binned=binned, icons=ICONS,
                  form=form or {}, field_errors=field_errors or {}, error=error)


@router.post("/apps")
def home_create_app(request: Request, key: str = Form(""), label_zh: str = Form(""),
                    label_en: str = Form(""), icon: str = Form(""),
                    user: Principal = Depends(page_user)) -> Response:
    label = {k: v.strip() for k, v in (("zh-CN", label_zh), ("en", label_en)) if v.strip()}
    try:
        if not user.is_admin:
            raise Forbidden(_("Only administrators may do this."))
        with db(request) as session:
            app = create_app(session, {"key": key.strip(), "label": label, "icon": icon}, user.user_id)
    except BrickworkError as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            errors.setdefault(e.field.split(".")[0], []).append(e.message)
        return _home(request, user, status_code=exc.status, error=exc.title, field_errors=errors,
                     form={"key": key, "label_zh": label_zh, "label_en": label_en, "icon": icon})
    return RedirectResponse(f"/apps/{app.key}", status_code=303)  # straight into the new app


async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """An unknown address typed into a browser gets a page; programs (and all of /api/)
    keep problem+json."""
    wants_page = "text/html" in request.headers.get("accept", "") and not request.url.path.startswith("/api/")
    if exc.status_code == 404 and wants_page:
        return error_page(request, NotFound(_("This page does not exist."),
                                            detail=_("Check the address, or start again from the apps.")))
    return await problems.on_http_error(request, exc)
