"""CSRF protection for every unsafe request a browser can make with its cookies.

Signed double-submit: the browser holds a random ``bw_csrf`` cookie; pages embed
HMAC(secret, cookie + session) in each form (``csrf_token``) and in htmx's
``X-CSRF-Token`` header. A request authenticated by a bearer token carries no ambient
credential and needs no CSRF token; nor does an API request with no session cookie at all,
which the API then answers with 401 (pages keep the check: signing in is a form post
without a session). It is a middleware so no route can forget it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.datastructures import Headers
from starlette.requests import Request, cookie_parser
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brickwork.platform.http.problems import problem
from brickwork.platform.i18n import _

CSRF_COOKIE = "bw_csrf"
SESSION_COOKIE = "bw_session"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE = {"GET", "HEAD", "OPTIONS"}
API = "/api/"
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_FORM_BODY = 1024 * 1024  # form posts that carry the token in the body are small


def expected_token(secret: str, nonce: str, session_cookie: str) -> str:
    message = f"{nonce}|{session_cookie}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token for forms on the page being rendered."""
    nonce = request.scope["state"]["csrf_nonce"]
    return expected_token(request.app.state.settings.secret_key, nonce,
                          request.cookies.get(SESSION_COOKIE, ""))


class CSRFMiddleware:
    def __init__(self, app: ASGIApp, secret: str):
        self.app, self.secret = app, secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies = cookie_parser(headers.get("cookie", ""))
        nonce = cookies.get(CSRF_COOKIE, "")
        bearer = headers.get("authorization", "").lower().startswith("bearer ")
        session = cookies.get(SESSION_COOKIE, "")
        anonymous_api = not session and scope["path"].startswith(API)
        if scope["method"] not in SAFE and not bearer and not anonymous_api:
            given, receive = await _submitted_token(scope, receive, headers)
            if not nonce or not hmac.compare_digest(given, expected_token(self.secret, nonce, session)):
                await _refuse(scope, receive, send, headers)
                return
        fresh = not nonce and not bearer  # programs need no CSRF cookie
        scope.setdefault("state", {})["csrf_nonce"] = nonce or secrets.token_urlsafe(24)

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                secure = "; Secure" if scope.get("scheme") == "https" else ""
                cookie = (f"{CSRF_COOKIE}={scope['state']['csrf_nonce']}; Path=/; HttpOnly; "
                          f"SameSite=Lax{secure}")
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


async def _submitted_token(scope: Scope, receive: Receive, headers: Headers) -> tuple[str, Receive]:
    """The token from the header, or from the form body, which is then replayed downstream."""
    if headers.get(HEADER):
        return headers[HEADER], receive
    if not headers.get("content-type", "").startswith(FORMS):
        return "", receive
    chunks, size = [], 0
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > MAX_FORM_BODY:  # a browser upload sends its token in the header instead
            return "", receive
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(scope, replay).form()
    given = form.get(FIELD)
    await form.close()
    sent = False
    return (given if isinstance(given, str) else ""), replay


async def _refuse(scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
    title = _("The form has expired or did not come from this site.")
    detail = _("Reload the page and try again.")
    if "text/html" in headers.get("accept", ""):
        response = HTMLResponse(f"<!doctype html><meta charset=utf-8><title>403</title>"
                                f"<h1>{title}</h1><p>{detail}</p>", status_code=403)
    else:
        response = problem(403, title, code="csrf_failed", detail=detail)
    await response(scope, receive, send)
