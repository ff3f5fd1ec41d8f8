"""Errors as RFC 9457 ``application/problem+json``, titles in the user's language."""

from __future__ import annotations

import json
import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brickwork.platform.definitions.errors import json_path
from brickwork.platform.errors import BrickworkError, FieldError, Unavailable
from brickwork.platform.i18n import _

PROBLEM = "application/problem+json"
log = logging.getLogger("brickwork")


class ProblemResponse(JSONResponse):
    media_type = PROBLEM

    def render(self, content) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:  # a lone surrogate the caller sent, named in a message
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode()


def problem(status: int, title: str, *, code: str, detail: str | None = None,
            errors: list[FieldError] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict = {"type": f"urn:brickwork:problem:{code}", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = [e.as_dict() for e in errors]
    return ProblemResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _status_title(status: int) -> tuple[str, str]:
    return {
        401: ("not_authenticated", _("Sign-in required.")),
        403: ("forbidden", _("You may not do this.")),
        404: ("not_found", _("Not found.")),
        405: ("method_not_allowed", _("This method is not allowed here.")),
        409: ("conflict", _("Conflict.")),
        429: ("too_many_requests", _("Too many requests.")),
    }.get(status, ("http_error", _("The request could not be handled.")))


async def on_brickwork_error(_request: Request, exc: BrickworkError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    if isinstance(exc, Unavailable):
        headers = {"Retry-After": str(exc.retry_after)}
    return problem(exc.status, exc.title, code=exc.code, detail=exc.detail, errors=exc.errors,
                   headers=headers)


async def on_http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code, title = _status_title(exc.status_code)
    return problem(exc.status_code, title, code=code, headers=getattr(exc, "headers", None))


async def on_validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for error in exc.errors():
        where, *rest = error["loc"]
        if error["type"] == "json_invalid":
            errors.append(FieldError(str(where), "json_invalid", _("The body is not valid JSON.")))
            continue
        name = json_path(tuple(rest)).removeprefix("$.") if rest else where
        message = _("This is required.") if error["type"] == "missing" else _("This value is not valid.")
        errors.append(FieldError(str(name), error["type"], message))
    return problem(422, _("The request is not valid."), code="invalid", errors=errors)


class UnexpectedErrorMiddleware:
    """Turns a crash into a 500 problem inside the locale and security-header middleware
    (Starlette's own handler sits outside every middleware), and logs the traceback."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except RecursionError:
            if started:
                raise
            # JSON nested thousands of levels deep: refused, not a crash (the parsers recurse).
            response = problem(422, _("The request is not valid."), code="invalid", errors=[FieldError(
                "", "too_deep", _("The request nests too deeply."))])
            await response(scope, receive, send)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started:
                raise
            response = problem(500, _("Something went wrong on our side."), code="internal")
            await response(scope, receive, send)
