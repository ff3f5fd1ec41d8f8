"""The public page of a fill link (外链), ``/fill/{token}``: someone without an account
fills the link's fields of one record once (a satisfaction rating, say). The token is the
credential; the page takes the language from ``?lang`` or the browser, and answers a used
or expired link (410) or an unknown one (404) with a page saying so."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from brickwork.builder_ui.record_values import posted
from brickwork.builder_ui.rendering import render
from brickwork.builder_ui.widgets import render_field
from brickwork.engines.form import fill_links
from brickwork.engines.form.fill_api import describe
from brickwork.platform.errors import BrickworkError, Invalid
from brickwork.platform.http.deps import db
from brickwork.platform.i18n import _

router = APIRouter(include_in_schema=False)


def _closed(request: Request, exc: BrickworkError) -> HTMLResponse:
    return render(request, "fill.html", status_code=exc.status, closed=exc, about=None, inputs=[], done=False)


def _page(request: Request, opened: fill_links.Opened, values: dict, errors: dict[str, list[str]],
          status: int = 200) -> HTMLResponse:
    inputs = [render_field(f, values.get(f.key), errors.get(f.key)) for f in opened.fields]
    return render(request, "fill.html", status_code=status, closed=None, about=describe(opened), inputs=inputs,
                  done=False, problems=[m for k, ms in errors.items() if k not in opened.link.fields for m in ms])


@router.get("/fill/{token}")
def fill_page(request: Request, token: str) -> Response:
    try:
        with db(request, read_only=True) as session:
            opened = fill_links.open_link(session, token)
            record = opened.record()
            return _page(request, opened, {f.key: record.get(f.key) for f in opened.fields}, {})
    except BrickworkError as exc:
        return _closed(request, exc)


@router.post("/fill/{token}")
async def fill_submit(request: Request, token: str) -> Response:
    data = await request.form()
    return _submit(request, token, data)


def _submit(request: Request, token: str, data) -> Response:
    try:
        with db(request) as session:
            opened = fill_links.open_link(session, token)
            fill_links.fill(session, token, posted(opened.fields, data, complete=True))
    except Invalid as exc:
        with db(request, read_only=True) as session:
            opened = fill_links.open_link(session, token)
            errors: dict[str, list[str]] = {}
            for e in exc.errors:
                errors.setdefault(e.field, []).append(e.message)
            return _page(request, opened, posted(opened.fields, data, complete=True), errors, exc.status)
    except BrickworkError as exc:
        return _closed(request, exc)
    return render(request, "fill.html", closed=None, about=None, inputs=[], done=True,
                  thanks=_("Thank you! Your answer was received."))
