"""The create and edit pages: the form drawn from its definition, saved through the record
service, with each error beside its field and nothing the person typed ever lost."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.record_common import (
    base_url,
    choices,
    field_errors,
    is_stale,
    last_saved,
    lines,
    page_context,
    readable,
    records_of,
    shown,
    title_of,
    wants_fragment,
    writable,
)
from brickwork.builder_ui.record_values import changed, int_or_none, json_value, posted, same
from brickwork.builder_ui.rendering import error_page, render
from brickwork.engines.form import linked
from brickwork.engines.form.display import Names
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.logic_live import shown_now
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.values import default_value
from brickwork.platform.errors import BrickworkError, Conflict, Invalid
from brickwork.platform.http.deps import db
from brickwork.platform.identity.users import Principal

router = APIRouter(include_in_schema=False)
RECORDS = "/apps/{app}/forms/{form}/records"


def saved(request: Request, location: str) -> Response:
    target = f"{location}?saved=1"
    if wants_fragment(request):
        return JSONResponse({"location": target})
    return RedirectResponse(target, status_code=303)


@router.get(RECORDS + "/new")
def new_page(request: Request, app: str, form: str, user: Principal = Depends(page_user)) -> Response:
    try:
        with db(request, read_only=True) as session:
            service = records_of(session, app, form, user)
            service.grant.require("create")
            values = defaults(service, user)
            values.update(posted(writable(service), request.query_params))  # ?customer=12&stage=won
            return form_page(request, session, service, values)
    except BrickworkError as exc:
        return error_page(request, exc)


@router.post(RECORDS + "/new")
async def create(request: Request, app: str, form: str, user: Principal = Depends(page_user)) -> Response:
    data = await request.form()
    return await run_in_threadpool(_create, request, app, form, user, data)


def _create(request: Request, app: str, form: str, user: Principal, data: FormData) -> Response:
    try:
        try:
            with db(request) as session:
                service = records_of(session, app, form, user)
                record = service.create(posted(writable(service), data, complete=True))
            return saved(request, f"{base_url(service)}/records/{record['id']}")
        except (Invalid, Conflict) as exc:
            errors, general = field_errors(exc)
            with db(request, read_only=True) as session:
                service = records_of(session, app, form, user)
                values = {**defaults(service, user), **posted(writable(service), data, complete=True)}
                return form_page(request, session, service, values, errors=errors,
                                 general=[exc.title, *general], status_code=exc.status)
    except BrickworkError as exc:
        return error_page(request, exc)


@router.post(RECORDS + "/visibility")
async def visibility(request: Request, app: str, form: str, record: int | None = None,
                     user: Principal = Depends(page_user)) -> Response:
    """Which fields and sections the form's rules hide for what is typed so far (form.js asks
    as the person types): the engine's answer, the same the save applies."""
    data = await request.form()
    return await run_in_threadpool(_visibility, request, app, form, record, user, data)


def _visibility(request: Request, app: str, form: str, record: int | None, user: Principal,
                data: FormData) -> Response:
    return _answer(request, app, form, user, lambda service: shown_now(
        service, posted(writable(service), data, complete=True), record))


def _answer(request: Request, app: str, form: str, user: Principal, compute) -> Response:
    """A JSON answer the form's script asks for, computed by the engine for this person."""
    try:
        with db(request, read_only=True) as session:
            return JSONResponse(compute(records_of(session, app, form, user)))
    except BrickworkError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)


@router.post(RECORDS + "/compute")
async def compute(request: Request, app: str, form: str, record: int | None = None,
                  user: Principal = Depends(page_user)) -> Response:
    """Live calculation (form_logic.js asks as the person types): what a save of the values
    typed so far would compute, by the save's own code (``RecordService.compute``), kept
    nowhere; the computed values as people read them, and what the rules hide."""
    data = await request.form()
    return await run_in_threadpool(_compute, request, app, form, record, user, data)


def _compute(request: Request, app: str, form: str, record: int | None, user: Principal,
             data: FormData) -> Response:
    try:
        with db(request) as session:
            service = records_of(session, app, form, user)
            answer = service.compute(posted(writable(service), data, complete=True), record)
            return JSONResponse(computed_texts(session, service, answer))
    except BrickworkError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)


def computed_texts(session, service: RecordService, answer: dict[str, Any]) -> dict[str, Any]:
    """The values no one types (formulas, rollups, lookups, auto-numbers), as the page shows
    them: ``texts`` by key, and ``rows`` of each sub-form, by child key."""
    values = answer["values"]
    names = Names(session, service.form.definition.fields, [values], app_key=service.form.app.key, who=service.who)
    inputs = {f.key for f in writable(service)}
    texts, rows = {}, {}
    for f in readable(service):
        if f.type == "subform" and isinstance(values.get(f.key), list):
            derived = [c for c in f.fields or [] if REGISTRY[c.type].system]
            if derived:
                rows[f.key] = [{c.key: shown(c, row.get(c.key), names) for c in derived} for row in values[f.key]]
        elif f.key not in inputs:
            texts[f.key] = shown(f, values.get(f.key), names)
    return {"texts": texts, "rows": rows, "hidden_fields": answer["hidden_fields"],
            "hidden_sections": answer["hidden_sections"]}


@router.post(RECORDS + "/fill")
async def fill_values(request: Request, app: str, form: str, user: Principal = Depends(page_user)) -> Response:
    """Linked data: the values to fill when the trigger field ``_trigger`` changed (form_logic.js)."""
    data = await request.form()
    return await run_in_threadpool(_fill, request, app, form, user, data)


def _fill(request: Request, app: str, form: str, user: Principal, data: FormData) -> Response:
    return _answer(request, app, form, user, lambda service: {"values": linked.fill(
        service, posted(service.form.definition.fields, data), str(data.get("_trigger", "")))})


@router.get(RECORDS + "/{record_id}/edit")
def edit_page(request: Request, app: str, form: str, record_id: int, user: Principal = Depends(page_user)
              ) -> Response:
    try:
        with db(request, read_only=True) as session:
            service = records_of(session, app, form, user)
            service.grant.require("update")
            record = service.get(record_id)
            return form_page(request, session, service, record, record=record)
    except BrickworkError as exc:
        return error_page(request, exc)


@router.post(RECORDS + "/{record_id}/edit")
async def update(request: Request, app: str, form: str, record_id: int, user: Principal = Depends(page_user)
                 ) -> Response:
    data = await request.form()
    return await run_in_threadpool(_update, request, app, form, record_id, user, data)


def _update(request: Request, app: str, form: str, record_id: int, user: Principal, data: FormData) -> Response:
    original = json_value(data.get("_original"))
    original = original if isinstance(original, dict) else {}
    version = int_or_none(data.get("_over")) or int_or_none(data.get("_version"))
    try:
        try:
            with db(request) as session:
                service = records_of(session, app, form, user)
                fields = writable(service)
                mine = changed(fields, posted(fields, data, complete=True), original)
                service.update(record_id, mine, version)
            return saved(request, f"{base_url(service)}/records/{record_id}")
        except (Invalid, Conflict) as exc:
            errors, general = field_errors(exc)
            with db(request, read_only=True) as session:
                service = records_of(session, app, form, user)
                current = service.get(record_id)
                values = {**current, **posted(writable(service), data, complete=True)}
                if is_stale(exc):
                    return conflict_page(request, session, service, current, values, original, version)
                return form_page(request, session, service, values, record={**current, "version": version},
                                 original=original, errors=errors, general=[exc.title, *general],
                                 status_code=exc.status)
    except BrickworkError as exc:
        return error_page(request, exc)


def conflict_page(request: Request, session, service: RecordService, current: dict[str, Any],
                  values: dict[str, Any], original: dict[str, Any], version: int | None) -> Response:
    """Someone saved first. What they changed is shown beside each field; a field this person
    left alone takes their value, every value this person typed stays in its input."""
    names = Names(session, service.form.definition.fields, [current], app_key=service.form.app.key,
                  who=service.who)
    theirs: dict[str, str] = {}
    for f in readable(service):
        if f.key in original and not same(f, current.get(f.key), original.get(f.key)):
            theirs[f.key] = shown(f, current.get(f.key), names) or "—"
            if f.key in values and same(f, values[f.key], original.get(f.key)):
                values[f.key] = current.get(f.key)
                original[f.key] = current.get(f.key)
    conflict = last_saved(session, current)
    return form_page(request, session, service, values, record={**current, "version": version},
                     original=original, theirs=theirs, conflict=conflict, status_code=409)


def form_page(request: Request, session, service: RecordService, values: dict[str, Any], *,
              record: dict[str, Any] | None = None, original: dict[str, Any] | None = None,
              errors: dict[str, list[str]] | None = None, general: list[str] | None = None,
              theirs: dict[str, str] | None = None, conflict: dict[str, Any] | None = None,
              status_code: int = 200) -> Response:
    fields = writable(service)
    inputs = {f.key for f in fields}
    if original is None:
        original = {f.key: values.get(f.key) for f in fields} if record else {}
    names = Names(session, service.form.definition.fields, [values], app_key=service.form.app.key,
                  who=service.who)
    base = base_url(service)
    template = "record_form_body.html" if wants_fragment(request) else "record_form.html"
    drawn = lines(service, values, names, inputs=inputs, errors=errors, theirs=theirs, people=choices(session, fields))
    return render(request, template, status_code=status_code, **page_context(session, service),
                  lines=drawn,
                  record=record, version=record["version"] if record else None,
                  title=title_of(service, record) if record else None,
                  original=json.dumps(original, ensure_ascii=False, default=str),
                  action=f"{base}/records/{record['id']}/edit" if record else f"{base}/records/new",
                  visibility=f"{base}/records/visibility" + (f"?record={record['id']}" if record else ""),
                  compute_url=f"{base}/records/compute" + (f"?record={record['id']}" if record else ""),
                  fill_url=f"{base}/records/fill", triggers=",".join(linked.triggers(service)),
                  cancel=f"{base}/records/{record['id']}" if record else base,
                  general=general or [], conflict=conflict,
                  unknown=_unplaced(errors, {cell.field.key for line in drawn for cell in line.cells}))


def defaults(service: RecordService, who: Principal) -> dict[str, Any]:
    """A new record's defaults, resolved now, shaped as API values (``$me`` is the person)."""
    values = {}
    for f in readable(service):
        kind = REGISTRY[f.type]
        if not kind.system:
            values[f.key] = kind.to_api(f, default_value(f, who, who.main_department))
    return values


def _unplaced(errors: dict[str, list[str]] | None, placed: set[str]) -> list[str]:
    """Messages about fields not on this page (hidden from the person): shown above the form."""
    return [m for key, messages in (errors or {}).items() if key.split("[")[0] not in placed for m in messages]

