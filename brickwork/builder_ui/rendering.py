"""The Jinja2 environment of the pages: autoescaped, translated through Babel catalogs."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from brickwork.platform.errors import BrickworkError
from brickwork.platform.http.csrf import csrf_token
from brickwork.platform.http.deps import current_principal
from brickwork.platform.i18n import _, display_name, gettext, ngettext, pick
from brickwork.platform.settings import LOCALES


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("brickwork.builder_ui", "templates"),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The translation functions read the request's locale from a context variable.
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals.update(pick=pick, locales=[(code, display_name(code)) for code in LOCALES],
                       region_name=_region_name)
    return env


def _region_name(code: str) -> str:
    from brickwork.engines.form.regions import regions  # the list is read on first use

    return regions()[0].get(code, code)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(template).render(
        request=request,
        locale=request.scope["state"]["locale"],
        csrf_token=csrf_token(request),
        user=current_principal(request),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def error_page(request: Request, exc: BrickworkError) -> HTMLResponse:
    """A refusal (403, 404, a bad request) as a page in the person's language, never JSON."""
    titles = {403: _("You may not see this page."), 404: _("This page does not exist.")}
    heading = titles.get(exc.status, exc.title)
    message = exc.detail or (exc.title if exc.title != heading else "")
    return render(request, "error.html", status_code=exc.status, heading=heading, message=message,
                  errors=[e.message for e in exc.errors])
