"""Per-request locale and the security headers every response carries."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brickwork.platform.i18n import current_locale, negotiate, parse_accept_language
from brickwork.platform.settings import LOCALES

LANG_COOKIE = "bw_lang"

# No inline script or style anywhere: the pages load their code from /static.
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     b"object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"),
]


class LocaleMiddleware:
    """``?lang=`` wins (a link in a mail to someone without an account names the language),
    then the language switch's cookie, then the browser's languages, then the default."""

    def __init__(self, app: ASGIApp, default: str):
        self.app, self.default = app, default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [""])[-1]
        chosen = asked if asked in LOCALES else cookie_parser(headers.get("cookie", "")).get(LANG_COOKIE, "")
        if chosen in LOCALES:
            locale = chosen
        else:
            locale = negotiate(parse_accept_language(headers.get("accept-language", "")), self.default)
        scope.setdefault("state", {})["locale"] = locale
        token = current_locale.set(locale)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [*SECURITY_HEADERS, (b"content-language", locale.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            current_locale.reset(token)
