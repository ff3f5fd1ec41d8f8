"""REST for forms and their records (the contract the acceptance checks use)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.form import duplicates, merge
from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.listing import filter_param, list_records
from brickwork.engines.form.menu import app_menu
from brickwork.engines.form.openapi import app_document
from brickwork.engines.form.picker import for_relation, pick_records
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.related import related_lists
from brickwork.engines.form.saved_views import as_listed, find_view
from brickwork.engines.form.shape import shape_of
from brickwork.engines.form.suggestions import suggestions
from brickwork.platform.api import DefinitionOut, PublishIn, PublishOut, revision_from
from brickwork.platform.apps import get_app
from brickwork.platform.audit import audit
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.http.conditional import (
    MINIMAL,
    etag,
    if_match_version,
    one_version,
    preferred_return,
)
from brickwork.platform.http.deps import bearer, designing, work
from brickwork.platform.http.params import MaybeQueryId, PathId, QueryInt
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal, principal_for
from brickwork.platform.models import AuditEntry

router = APIRouter(prefix="/api/v1/apps/{app}/forms", tags=["forms and records"], dependencies=[Depends(bearer)])
app_router = APIRouter(prefix="/api/v1/apps/{app}", tags=["forms and records"], dependencies=[Depends(bearer)])

FILTER = ('A condition: the expression language\'s text, level = "A" AND revenue > 500000, or its '
          'JSON tree, {"fn": "=", "args": [{"ref": "level"}, {"lit": "A", "type": "choice"}]}.')
FIELDS = ("Field keys to answer, separated by commas; id, version and _meta may be named too "
          "(then only what is named comes, id always): fields=id,version.")
VIEW = ("A saved view's id, or a shared view's id in the app file (view_cus_pool): its filter holds "
        "besides filter; its sort and search apply unless sort or q are given.")
PREFER = "return=minimal: answer only the id and version (RFC 7240)."
IF_MATCH = 'The version you read, as its ETag ("3"); instead of, or equal to, the version in the body.'
LOCATION = {"Location": {"description": "The new record's address.", "schema": {"type": "string"}}}
ETAG = {"ETag": {"description": 'The record\'s version, quoted: "3".', "schema": {"type": "string"}}}
APPLIED = {"Preference-Applied": {"description": "return=minimal when the answer is minimal.",
                                  "schema": {"type": "string"}}}


def _records(request: Request, session: Session, app: str, form: str, who: Principal) -> RecordService:
    return RecordService(session, load_form(session, app, form), who)


@app_router.get("/menu")
def app_menu_get(request: Request, app: str) -> list[dict[str, Any]]:
    """The caller's navigation in the app: the entries of their roles' menus (forms, shared
    views) whose form they may read. Designers get every entry."""
    with work(request, read_only=True) as (session, who):
        return app_menu(session, request.app.state.store, get_app(session, app), who)


@router.get("", response_model=list[DefinitionOut])
def forms_list(request: Request, app: str) -> list[DefinitionOut]:
    with work(request, read_only=True) as (session, who):
        return [DefinitionOut.of(d) for d in request.app.state.store.latest(session, get_app(session, app), "form")]


@router.get("/{form}", response_model=DefinitionOut)
def form_get(request: Request, response: Response, app: str, form: str) -> DefinitionOut:
    """The draft where there is one, else the live version."""
    store = request.app.state.store
    with work(request, read_only=True) as (session, who):
        the_app = get_app(session, app)
        row = store.get(session, the_app, "form", form, which="draft", missing_ok=True) or \
            store.get(session, the_app, "form", form)
    response.headers["ETag"] = f'"{row.revision if row.state == "draft" else 0}"'
    return DefinitionOut.of(row, store.problems("form", row.body) if row.state == "draft" else ())


@router.put("/{form}", response_model=DefinitionOut)
def form_save(request: Request, response: Response, app: str, form: str, body: Any = Body(...),
              if_match: str | None = Header(default=None), keep_invalid: bool = False) -> DefinitionOut:
    """Save the draft. An invalid body is a 422, unless ``keep_invalid`` (the designer): then
    it is stored as sent and its ``problems`` come back with it; publishing waits for a fix."""
    store = request.app.state.store
    with designing(request, app) as (session, who, the_app):
        row = store.save_draft(session, the_app, "form", form, body, who.user_id,
                               revision=revision_from(if_match), keep_invalid=keep_invalid)
        problems = store.problems("form", row.body) if keep_invalid else []
    response.headers["ETag"] = f'"{row.revision}"'
    return DefinitionOut.of(row, problems)


@router.post("/{form}:publish", response_model=PublishOut)
def form_publish(request: Request, app: str, form: str, dry_run: bool = False, force: bool = False,
                 if_match: str | None = Header(default=None), body: PublishIn | None = Body(default=None),
                 ) -> PublishOut:
    """Publish the draft and change the table with it; ``dry_run`` previews the changes, the
    values a type change would not convert and the records a newly required field leaves
    blank (``required_blank``); ``{"fill": {field: value}}`` fills those."""
    with designing(request, app) as (session, who, the_app):
        row, report = request.app.state.store.publish(session, the_app, "form", form, who.user_id,
                                                      revision=revision_from(if_match), dry_run=dry_run, force=force,
                                                      fill=body.fill if body else None)
        return PublishOut(**DefinitionOut.of(row).model_dump(), report=report, dry_run=dry_run)


@router.get("/{form}/records")
def records_list(request: Request, app: str, form: str, filter: str | None = Query(None, description=FILTER),
                 sort: str | None = None, limit: QueryInt = 50, cursor: str | None = None,
                 fields: str | None = Query(None, description=FIELDS), deleted: bool = False,
                 q: str | None = None, view: str | None = Query(None, description=VIEW)) -> JSONResponse:
    """``filter`` is a condition: the expression language's text (``level = "A" AND revenue >
    500000``) or its JSON tree (refs by field id or key); ``sort`` is ``key,-key``; pages
    follow ``next_cursor``; ``total`` comes with the first page; ``q`` finds a text in any
    text-like field (case-insensitive); ``view`` lists what a saved view lists."""
    with work(request, read_only=True) as (session, who):
        service = _records(request, session, app, form, who)
        filter_ast = filter_param(service, filter)
        if view:
            filter_ast, sort, q = as_listed(service.form, find_view(session, service, view).config,
                                            filter_ast=filter_ast, sort=sort, q=q)
        page = list_records(service, filter_ast=filter_ast, sort=sort, limit=limit,
                            cursor=cursor, fields=fields, deleted=deleted, q=q)
    return JSONResponse(page)


@router.get("/{form}/preview/{user}")
def records_preview(request: Request, app: str, form: str, user: PathId,
                    filter: str | None = Query(None, description=FILTER), sort: str | None = None,
                    limit: QueryInt = 50, cursor: str | None = None,
                    fields: str | None = Query(None, description=FIELDS),
                    q: str | None = None) -> JSONResponse:
    """The records as the person ``user`` sees them, through their own grant (rows, fields):
    "see this form as user X", for the app's designers. Read only; each preview is audited."""
    with designing(request, app) as (session, who, _app):
        person = principal_for(session, user)
        service = RecordService(session, load_form(session, app, form), person)
        page = list_records(service, filter_ast=filter_param(service, filter), sort=sort, limit=limit,
                            cursor=cursor, fields=fields, q=q)
        audit(session, who.user_id, "form.preview_as", "form", f"{app}/{form}", {"user": user})
    return JSONResponse({**page, "as": {"id": person.user_id, "name": person.display_name}})


def _json_param(text: str | None, name: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise Invalid(_("The request is not valid."), errors=[
            FieldError(name, "json", _("%(name)s is not valid JSON.", name=name))]) from None


@router.get("/{form}/records:pick")
def records_pick(request: Request, app: str, form: str, q: str = "", limit: QueryInt = 20,
                 for_: str | None = Query(None, alias="for"), record: str | None = None) -> list[dict[str, Any]]:
    """Records to link to, as a person types: ``[{id, title}]``, live and in the caller's
    scope. Titles starting with ``q`` first (case-insensitive, by an index), then titles
    containing it; no ``q``: the newest. ``limit`` 1–100. ``for`` (``quotes.opportunity``):
    the relation being filled, whose ``picker_filter`` narrows the list by ``record``, the
    values of the record being edited as JSON (``{"customer": 7}``)."""
    with work(request, read_only=True) as (session, who):
        service = _records(request, session, app, form, who)
        narrow = for_relation(service, for_, _json_param(record, "record")) if for_ else None
        return pick_records(service, q, limit, narrow)


@router.post("/{form}/records", status_code=201, responses={201: {"headers": {**LOCATION, **ETAG, **APPLIED}}})
def records_create(request: Request, app: str, form: str, data: Any = Body(...),
                   fields: str | None = Query(None, description=FIELDS),
                   prefer: str | None = Header(None, description=PREFER)) -> JSONResponse:
    """Create one record. The answer is the record, as ``fields`` shapes it; with ``Prefer:
    return=minimal`` only its ``id`` and ``version``. ``Location`` names it, ``ETag`` is its version.
    A form that detects duplicates answers with the likely ones in ``_meta.duplicates``
    (``{items: [{id, title, score, matched}], hidden}``); one that blocks them refuses (409)."""
    wanted = preferred_return(prefer)
    with work(request) as (session, who):
        service = _records(request, session, app, form, who)
        shape = shape_of(service.form, fields, minimal=wanted == MINIMAL)
        created = service.create(data)
        if "_meta" in shape.own:
            created = duplicates.warn(service, created)
    headers = {"Location": f"/api/v1/apps/{app}/forms/{form}/records/{created['id']}",
               "ETag": etag(created["version"]), **_applied(wanted)}
    return JSONResponse(shape(created), status_code=201, headers=headers)


@router.post("/{form}/records:bulk", status_code=201, responses={201: {"headers": APPLIED}})
def records_bulk_create(request: Request, app: str, form: str, data: Any = Body(...),
                        fields: str | None = Query(None, description=FIELDS),
                        prefer: str | None = Header(None, description=PREFER)) -> JSONResponse:
    """``{"records": [...]}``: all are created, or none (every row's errors are listed).
    ``fields=id,version`` or ``Prefer: return=minimal``: each record as its id and version."""
    wanted = preferred_return(prefer)
    with work(request) as (session, who):
        service = _records(request, session, app, form, who)
        shape = shape_of(service.form, fields, minimal=wanted == MINIMAL)
        created = service.bulk_create(_list(data))
    return JSONResponse({"items": [shape(record) for record in created]}, status_code=201, headers=_applied(wanted))


@router.post("/{form}/records:compute")
def records_compute(request: Request, app: str, form: str, data: Any = Body(...)) -> JSONResponse:
    """What creating ``data`` would compute (formulas, rollups, lookups, defaults, visibility),
    by the save's own code, keeping nothing: for live calculation as a person types."""
    with work(request) as (session, who):
        return JSONResponse(_records(request, session, app, form, who).compute(data))


@router.post("/{form}/records/{record_id}:compute")
def record_compute(request: Request, app: str, form: str, record_id: int, data: Any = Body(...)) -> JSONResponse:
    """What changing the record by ``data`` would compute, keeping nothing."""
    with work(request) as (session, who):
        return JSONResponse(_records(request, session, app, form, who).compute(data, record_id))


@router.patch("/{form}/records:bulk", responses={200: {"headers": APPLIED}})
def records_bulk_update(request: Request, app: str, form: str, data: Any = Body(...),
                        fields: str | None = Query(None, description=FIELDS),
                        prefer: str | None = Header(None, description=PREFER)) -> JSONResponse:
    """``{"records": [{"id", "version", ...changes}]}``: all are changed, or none."""
    wanted = preferred_return(prefer)
    with work(request) as (session, who):
        service = _records(request, session, app, form, who)
        shape = shape_of(service.form, fields, minimal=wanted == MINIMAL)
        changed = service.bulk_update(_list(data), full=shape.reads_back)
    return JSONResponse({"items": [shape(record) for record in changed]}, headers=_applied(wanted))


@router.delete("/{form}/records:bulk", responses={200: {"headers": APPLIED}})
def records_bulk_delete(request: Request, app: str, form: str, data: Any = Body(...),
                        prefer: str | None = Header(None, description=PREFER)) -> JSONResponse:
    """``{"records": [{"id", "version"}]}``: all go to the recycle bin, or none. The answer
    is minimal already (the ids)."""
    wanted = preferred_return(prefer)
    with work(request) as (session, who):
        deleted = _records(request, session, app, form, who).bulk_delete(_list(data))
    return JSONResponse({"deleted": deleted}, headers=_applied(wanted))


@router.get("/{form}/records/{record_id}", responses={200: {"headers": ETAG}})
def records_get(request: Request, app: str, form: str, record_id: PathId, deleted: bool = False,
                fields: str | None = Query(None, description=FIELDS)) -> JSONResponse:
    """One record; ``ETag`` is its version, for ``If-Match`` on a change."""
    with work(request, read_only=True) as (session, who):
        service = _records(request, session, app, form, who)
        shape = shape_of(service.form, fields)
        record = service.get(record_id, deleted=deleted)
    return JSONResponse(shape(record), headers={"ETag": etag(record["version"])})


@router.patch("/{form}/records/{record_id}", responses={200: {"headers": {**ETAG, **APPLIED}}})
def records_update(request: Request, app: str, form: str, record_id: PathId, data: Any = Body(...),
                   fields: str | None = Query(None, description=FIELDS),
                   prefer: str | None = Header(None, description=PREFER),
                   if_match: str | None = Header(None, description=IF_MATCH)) -> JSONResponse:
    """Send the ``version`` you read, in the body or as ``If-Match: "3"`` (both: they must
    agree); a newer version on the server is a 409 and nothing changes."""
    wanted = preferred_return(prefer)
    given = data.get("version") if isinstance(data, dict) else None
    version = one_version(if_match_version(if_match), given)
    with work(request) as (session, who):
        service = _records(request, session, app, form, who)
        shape = shape_of(service.form, fields, minimal=wanted == MINIMAL)
        record = service.update(record_id, data, version, full=shape.reads_back)
        if "_meta" in shape.own:
            record = duplicates.warn(service, record)
    return JSONResponse(shape(record), headers={"ETag": etag(record["version"]), **_applied(wanted)})


@router.delete("/{form}/records/{record_id}", status_code=204, responses={204: {"headers": APPLIED}})
def records_delete(request: Request, app: str, form: str, record_id: PathId, version: MaybeQueryId = None,
                   prefer: str | None = Header(None, description=PREFER),
                   if_match: str | None = Header(None, description=IF_MATCH)) -> Response:
    """To the recycle bin. The version as read (``version`` or ``If-Match``) is optional; a
    newer one on the server is a 409. The answer is empty (minimal) in any case."""
    wanted = preferred_return(prefer)
    version = one_version(if_match_version(if_match), version)
    with work(request) as (session, who):
        _records(request, session, app, form, who).delete(record_id, version)
    return Response(status_code=204, headers=_applied(wanted))


@router.post("/{form}/records/{record_id}:restore")
def records_restore(request: Request, app: str, form: str, record_id: PathId) -> JSONResponse:
    with work(request) as (session, who):
        record = _records(request, session, app, form, who).restore(record_id)
    return JSONResponse(record)


@router.get("/{form}/duplicates")
def records_duplicates(request: Request, app: str, form: str, limit: QueryInt = 100) -> JSONResponse:
    """Groups of likely duplicates among the records the caller may read, largest first:
    ``{items: [{ids, titles, pairs: [{a, b, score, matched}]}], total}`` (``limit`` 1-1000)."""
    with work(request, read_only=True) as (session, who):
        service = _records(request, session, app, form, who)
        service.grant.require("read")
        return JSONResponse(duplicates.scan(service, min(max(limit, 1), 1000)))


@router.post("/{form}/records/{record_id}:merge")
def records_merge(request: Request, app: str, form: str, record_id: PathId, data: Any = Body(...)) -> JSONResponse:
    """Merge the record ``loser`` into this one: ``{"version", "loser", "loser_version",
    "values": {key: "survivor"|"loser"}}`` (unnamed fields: this record's value, its blanks
    filled from the loser's). Every link to the loser moves here and the loser goes to the
    recycle bin; restoring it undoes the merge. Needs update on both and delete on the loser;
    a stale version of either is a 409 and nothing changes."""
    with work(request) as (session, who):
        return JSONResponse(merge.merge(_records(request, session, app, form, who), record_id, data))


@router.get("/{form}/records/{record_id}/history")
def records_history(request: Request, app: str, form: str, record_id: PathId) -> list[dict[str, Any]]:
    """The record's audit entries, oldest first: who changed what, from what, to what."""
    with work(request, read_only=True) as (session, who):
        service = _records(request, session, app, form, who)
        service.grant.require("read")
        service.row(record_id, deleted=None)  # in the caller's scope, in the bin or not
        # Records merged into this one: their histories are part of its own.
        subjects = [str(record_id), *map(str, merge.merged_histories(session, app, form, record_id))]
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.subject_type == f"{app}/{form}", AuditEntry.subject_id.in_(subjects)
        ).order_by(AuditEntry.id))
        hidden = {f.key for f in service.form.definition.fields if f.id not in service.grant.readable}
        return [{"at": e.at.isoformat() + "Z", "actor": e.actor_id, "action": e.action,
                 **({"record": int(e.subject_id)} if e.subject_id != str(record_id) else {}),
                 "changes": {k: v for k, v in e.changes.items() if k not in hidden}} for e in entries]


@router.get("/{form}/records/{record_id}/related")
def records_related(request: Request, app: str, form: str, record_id: PathId,
                    limit: QueryInt = 5) -> list[dict[str, Any]]:
    """Every relation in the app that links to this record (the reverse side of each link,
    for a 360° page): the linking form and field, how many live records link, and the first
    ``limit`` of them (with their title). Forms the caller may not read are left out."""
    with work(request, read_only=True) as (session, who):
        service = _records(request, session, app, form, who)
        service.get(record_id)
        return related_lists(service, record_id, min(max(limit, 0), 50))


@router.get("/{form}/records/{record_id}/suggestions/{field}")
def records_suggestions(request: Request, app: str, form: str, record_id: PathId, field: str) -> dict[str, Any]:
    """The records a relation with ``suggest`` offers to link to this one, most alike first
    (text similarity of the fields the setting names): ``{"field", "form", "items": [{"id",
    "title", "score"}]}``. Only records of the linked form the caller may read; those linked
    already are left out."""
    with work(request, read_only=True) as (session, who):
        return suggestions(_records(request, session, app, form, who), record_id, field)


def _applied(wanted: str | None) -> dict[str, str]:
    """``Preference-Applied`` when ``Prefer`` asked for a return we honour (always, here)."""
    return {"Preference-Applied": wanted} if wanted else {}


def _list(data: Any) -> list[Any]:
    if not isinstance(data, dict) or not isinstance(data.get("records"), list) or not data["records"]:
        raise Invalid(_("The request is not valid."), errors=[
            FieldError("records", "required", _("Send {\"records\": [...]} with at least one record."))])
    return data["records"]


@app_router.get("/openapi.json")
def app_openapi(request: Request, app: str) -> JSONResponse:
    """This app's records API, with a typed schema per published form (the live version,
    which is what the records API speaks), for generating clients."""
    store = request.app.state.store
    with work(request, read_only=True) as (session, _who):
        the_app = get_app(session, app)
        keys = [d.key for d in store.latest(session, the_app, "form")]
        live = [store.get(session, the_app, "form", key, missing_ok=True) for key in keys]
        forms = [FormDefinition.model_validate(row.body) for row in live if row is not None]
        return JSONResponse(app_document(the_app.key, the_app.label, forms))
