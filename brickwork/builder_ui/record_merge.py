"""Duplicates of a form and the merge page: the groups the form's duplicate detection finds,
and two records side by side, one value chosen per field, merged on confirmation. Both
pages read and write through the form engine (``duplicates.scan``, ``merge.merge``), so
they say what the API says."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.record_common import base_url, page_context, records_of, shown, title_of
from brickwork.builder_ui.rendering import error_page, render
from brickwork.engines.form import duplicates, merge
from brickwork.engines.form.display import Names
from brickwork.engines.form.records import RecordService
from brickwork.platform.db import whole_id
from brickwork.platform.errors import BrickworkError, Invalid
from brickwork.platform.http.deps import db
from brickwork.platform.i18n import _, pick
from brickwork.platform.identity.users import Principal

router = APIRouter(include_in_schema=False)
FORM = "/apps/{app}/forms/{form}"
GROUPS = 50  # groups listed on the page; the count says how many there are


@router.get(FORM + "/duplicates")
def duplicates_page(request: Request, app: str, form: str, user: Principal = Depends(page_user)) -> Response:
    try:
        with db(request, read_only=True) as session:
            service = records_of(session, app, form, user)
            service.grant.require("read")
            found = duplicates.scan(service, GROUPS)
            return render(request, "duplicates.html", **page_context(session, service),
                          detects=service.form.definition.duplicates is not None,
                          groups=found["items"], total=found["total"],
                          may_merge={"update", "delete"} <= service.grant.actions)
    except BrickworkError as exc:
        return error_page(request, exc)


@router.get(FORM + "/merge")
def merge_page(request: Request, app: str, form: str, keep: str = "", drop: str = "",
               user: Principal = Depends(page_user)) -> Response:
    try:
        with db(request, read_only=True) as session:
            service = records_of(session, app, form, user)
            return _page(request, session, service, whole_id(keep), whole_id(drop))
    except BrickworkError as exc:
        return error_page(request, exc)


def _page(request: Request, session, service: RecordService, keep: int | None, drop: int | None, *,
          error: str | None = None, chosen: dict[str, str] | None = None, status_code: int = 200) -> Response:
    if keep is None or drop is None or keep == drop:
        raise Invalid(_("Choose two different records to merge."))
    survivor, loser = service.get(keep), service.get(drop)
    fields = merge.mergeable(service)
    names = Names(session, fields, [survivor, loser], app_key=service.form.app.key, who=service.who)
    takes = merge.chosen_values(fields, survivor, loser, chosen or {})
    rows, same = [], []
    for f in fields:
        left, right = shown(f, survivor.get(f.key), names), shown(f, loser.get(f.key), names)
        if survivor.get(f.key) == loser.get(f.key):
            same.append(pick(f.label))
            continue
        rows.append({"field": f, "keep": left, "drop": right, "pick": "loser" if f.key in takes else "survivor"})
    return render(request, "merge.html", status_code=status_code, **page_context(session, service),
                  survivor=survivor, loser=loser, survivor_title=title_of(service, survivor),
                  loser_title=title_of(service, loser), rows=rows, same=", ".join(same), error=error)


@router.post(FORM + "/merge")
async def merge_post(request: Request, app: str, form: str, user: Principal = Depends(page_user)) -> Response:
    data = await request.form()
    body: dict[str, Any] = {"loser": whole_id(data.get("drop", "")), "version": whole_id(data.get("keep_version", "")),
                            "loser_version": whole_id(data.get("drop_version", "")),
                            "values": {k[2:]: v for k, v in data.items() if k.startswith("v.")}}
    return await run_in_threadpool(_merge, request, app, form, user, whole_id(data.get("keep", "")), body)


def _merge(request: Request, app: str, form: str, user: Principal, keep: int | None, body: dict[str, Any]) -> Response:
    try:
        try:
            with db(request) as session:
                service = records_of(session, app, form, user)
                if keep is None:
                    raise Invalid(_("Choose two different records to merge."))
                merge.merge(service, keep, body)
            return RedirectResponse(f"{base_url(service)}/records/{keep}?merged={body['loser']}", status_code=303)
        except BrickworkError as exc:
            said = " ".join([exc.title, *(e.message for e in exc.errors)])
            with db(request, read_only=True) as session:
                service = records_of(session, app, form, user)
                return _page(request, session, service, keep, body["loser"], error=said, chosen=body["values"],
                             status_code=exc.status)
    except BrickworkError as exc:
        return error_page(request, exc)
