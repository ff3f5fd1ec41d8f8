"""The table view of a form's records: columns, sort, filter builder, quick search, keyset
paging, selection with bulk edit and delete, and saved views. The page is a shell; its
script (static/js/views_table.js) asks ``/rows`` for the rows of the current state, which
the server renders with ``display`` like every other page."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.rendering import error_page, render
from brickwork.builder_ui.views_common import open_form, script_text, sort_by_keys
from brickwork.connectors.printing.render import templates_of
from brickwork.engines.form.listing import list_records
from brickwork.platform.errors import BrickworkError, FieldError, Invalid
from brickwork.platform.http.deps import work
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/apps/{app}/forms/{form}")
def table_page(request: Request, app: str, form: str, view: int | None = None,
               user: Principal = Depends(page_user)) -> HTMLResponse:
    try:
        with work(request, read_only=True) as (session, who):
            page = open_form(session, who, app, form)
            actions = page.service.grant.actions
            data = {
                "base": page.base, "api": f"/api/v1/apps/{app}/forms/{form}", "fields": page.field_meta(),
                "view": page.view(view, "table"), "can_share": who.is_admin,
                "can_update": "update" in actions, "can_delete": "delete" in actions,
            }
            return render(request, "table.html", app=app, app_label=page.app_label, form=page.form, data=data,
                          views=page.views("table"), current=data["view"], can_create="create" in actions,
                          text=script_text(), prints=templates_of(session, app, form))
    except BrickworkError as exc:
        return error_page(request, exc)


@router.get("/apps/{app}/forms/{form}/rows")
def table_rows(request: Request, app: str, form: str, filter: str | None = None, sort: str = "",
               q: str = "", columns: str | None = None, cursor: str | None = None,
               user: Principal = Depends(page_user)) -> HTMLResponse:
    """One page of rows (``<tr>``s) for the given state; ``X-Next-Cursor`` and, on the first
    page, ``X-Total`` in the headers. Errors are problem+json, as from the API."""
    with work(request, read_only=True) as (session, who):
        page = open_form(session, who, app, form)
        fields = page.fields
        if columns is not None:
            by_id = {f.id: f for f in fields}
            fields = [by_id[fid] for fid in columns.split(",") if fid in by_id]
        result = list_records(page.service, filter_ast=_filter(filter), sort=sort_by_keys(page.form, sort),
                              q=q, cursor=cursor, limit=PAGE_SIZE)
        items = result["items"]
        response = render(request, "table_rows.html", base=page.base, fields=fields,
                          rows=list(zip(items, page.cells(items, fields), strict=True)))
    response.headers["X-Next-Cursor"] = result["next_cursor"] or ""
    if result["total"] is not None:
        response.headers["X-Total"] = str(result["total"])
    return response


def _filter(text: str | None):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise Invalid(_("The request is not valid."), errors=[
            FieldError("filter", "json", _("The filter is not valid JSON."))]) from None
