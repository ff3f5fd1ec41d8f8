"""REST for the platform's own things: the caller, apps, definitions and their versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Request, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import AfterValidator, BaseModel

from brickwork.platform.apps import ICONS, create_app, delete_app, get_app, list_apps, list_bin, restore_app, update_app
from brickwork.platform.db import whole_id
from brickwork.platform.definitions.store import DefinitionStore
from brickwork.platform.errors import FieldError, Forbidden, Invalid
from brickwork.platform.files import get_file, path_of, store_file
from brickwork.platform.http.deps import bearer, designing, work
from brickwork.platform.http.params import PathId, QueryId
from brickwork.platform.i18n import _, pick
from brickwork.platform.identity.pick import pick_departments, pick_users
from brickwork.platform.models import App, Definition


class ProblemOut(BaseModel):
    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    errors: list[dict[str, str]] | None = None


def _problem_doc(description: str) -> dict:
    return {"description": description, "model": ProblemOut,
            "content": {"application/problem+json": {}}}


router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer)], responses={
    401: _problem_doc("Not signed in, or the token is unknown or revoked"),
    403: _problem_doc("Not allowed"),
    404: _problem_doc("Not found"),
    409: _problem_doc("Someone else changed it first"),
    422: _problem_doc("Invalid input, one entry per field"),
})

# Stored in UTC without a zone; said with one, so clients need not guess.
Utc = Annotated[datetime, AfterValidator(lambda d: d.replace(tzinfo=UTC) if d.tzinfo is None else d)]


class MeOut(BaseModel):
    id: int
    username: str
    display_name: str
    is_admin: bool
    via: str


class AppOut(BaseModel):
    key: str
    label: dict[str, str]
    name: str  # the label in the caller's language
    description: dict[str, str]
    icon: str
    icon_text: str  # the icon as shown: its emoji
    version: int
    order: dict[str, list[str]]  # the builder's order of definitions, per kind
    created_at: Utc
    updated_at: Utc | None
    deleted_at: Utc | None

    @classmethod
    def of(cls, app: App) -> AppOut:
        return cls(key=app.key, label=app.label, name=pick(app.label), description=app.description,
                   icon=app.icon, icon_text=ICONS.get(app.icon, ""), version=app.version, order=app.order or {},
                   created_at=app.created_at, updated_at=app.updated_at, deleted_at=app.deleted_at)


class DefinitionOut(BaseModel):
    kind: str
    key: str
    version: int
    state: str
    revision: int
    body: dict[str, Any]
    created_at: Utc
    updated_at: Utc
    published_at: Utc | None
    # A draft kept although it does not validate (the designer's saves): why, by JSON path.
    problems: list[dict[str, Any]] = []

    @classmethod
    def of(cls, row: Definition, problems: list[FieldError] = ()) -> DefinitionOut:
        return cls(kind=row.kind, key=row.key, version=row.version, state=row.state, revision=row.revision,
                   body=row.body, created_at=row.created_at, updated_at=row.updated_at,
                   published_at=row.published_at, problems=[e.as_dict() for e in problems])


class Change(BaseModel):
    op: Literal["added", "removed", "changed", "moved"]
    path: str
    before: Any = None
    after: Any = None
    index: int | None = None  # where an added element stands


def _store(request: Request) -> DefinitionStore:
    return request.app.state.store


def revision_from(if_match: str | None) -> int | None:
    """The draft revision from an ``If-Match: "3"`` header."""
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "If-Match", "revision", _("Give the draft revision you started from, such as \"3\"."))])
    return int(value)


@router.get("/me", response_model=MeOut)
def me(request: Request) -> MeOut:
    with work(request, read_only=True) as (_session, who):
        pass
    return MeOut(id=who.user_id, username=who.username, display_name=who.display_name,
                 is_admin=who.is_admin, via=who.via)


@router.get("/users:pick")
def users_pick(request: Request, q: str = "", ids: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Active users to choose, as a person types: ``[{id, name}]`` whose name contains ``q``;
    ``ids=3,5`` names those users instead. ``limit`` 1–50."""
    with work(request, read_only=True) as (session, _who):
        return pick_users(session, q, _ids(ids), limit)


@router.get("/departments:pick")
def departments_pick(request: Request, q: str = "", ids: str | None = None, limit: int = 20
                     ) -> list[dict[str, Any]]:
    """Departments to choose: ``[{id, name, depth}]`` in tree order, names containing ``q``;
    ``ids=3,5`` names those departments instead. ``limit`` 1–50."""
    with work(request, read_only=True) as (session, _who):
        return pick_departments(session, q, _ids(ids), limit)


def _ids(text: str | None) -> list[int] | None:
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",") if part.strip()]
    ids = [whole_id(part) for part in parts]  # "³" or "١" is no id (int() of it fails)
    if None in ids or len(parts) > 100:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "ids", "ids", _("Give up to 100 ids separated by commas."))])
    return ids


@router.get("/apps", response_model=list[AppOut])
def apps_list(request: Request, deleted: bool = False) -> list[AppOut]:
    """The apps; with ``deleted=true``, the recycle bin instead (administrators only)."""
    with work(request, read_only=True) as (session, who):
        if deleted and not who.is_admin:
            raise Forbidden(_("Only administrators may do this."))
        return [AppOut.of(app) for app in (list_bin(session) if deleted else list_apps(session))]


@router.get("/app-icons", response_model=dict[str, str])
def apps_icons(request: Request) -> dict[str, str]:
    """The icons an app may have: name -> the emoji it shows as."""
    with work(request, read_only=True) as (_session, _who):
        return ICONS


@router.post("/apps", response_model=AppOut, status_code=201)
def apps_create(request: Request, data: dict[str, Any] = Body(...)) -> AppOut:
    with work(request, admin=True) as (session, who):
        return AppOut.of(create_app(session, data, who.user_id))


@router.get("/apps/{app}", response_model=AppOut)
def apps_get(request: Request, response: Response, app: str) -> AppOut:
    with work(request, read_only=True) as (session, who):
        out = AppOut.of(get_app(session, app))
    response.headers["ETag"] = f'"{out.version}"'
    return out


@router.patch("/apps/{app}", response_model=AppOut)
def apps_update(request: Request, response: Response, app: str, data: dict[str, Any] = Body(...),
                if_match: str | None = Header(default=None)) -> AppOut:
    """Rename an app, change its description or icon, or the order of its forms
    (``{"order": {"form": [...]}}``). Give the version you started from as ``If-Match``
    or as ``version`` in the body; a stale one gets 409."""
    with designing(request, app) as (session, who, _app):
        out = AppOut.of(update_app(session, app, data, who.user_id, version=revision_from(if_match)))
    response.headers["ETag"] = f'"{out.version}"'
    return out


@router.delete("/apps/{app}", status_code=204)
def apps_delete(request: Request, app: str) -> Response:
    """Move the app to the recycle bin; its definitions and records stay until it is restored."""
    with work(request, admin=True) as (session, who):
        delete_app(session, app, who.user_id)
    return Response(status_code=204)


@router.post("/apps/{app}:restore", response_model=AppOut)
def apps_restore(request: Request, app: str) -> AppOut:
    with work(request, admin=True) as (session, who):
        return AppOut.of(restore_app(session, app, who.user_id))


@router.get("/apps/{app}/definitions/{kind}", response_model=list[DefinitionOut])
def definitions_list(request: Request, app: str, kind: str) -> list[DefinitionOut]:
    with work(request, read_only=True) as (session, who):
        return [DefinitionOut.of(d) for d in _store(request).latest(session, get_app(session, app), kind)]


@router.get("/apps/{app}/definitions/{kind}/{key}", response_model=DefinitionOut)
def definitions_get(request: Request, response: Response, app: str, kind: str, key: str,
                    which: Literal["live", "draft"] = "live") -> DefinitionOut:
    with work(request, read_only=True) as (session, who):
        row = _store(request).get(session, get_app(session, app), kind, key, which=which)
    if row.state == "draft":
        response.headers["ETag"] = f'"{row.revision}"'
    return DefinitionOut.of(row)


@router.put("/apps/{app}/definitions/{kind}/{key}", response_model=DefinitionOut)
def definitions_save_draft(request: Request, response: Response, app: str, kind: str, key: str,
                           body: Any = Body(...), if_match: str | None = Header(default=None)) -> DefinitionOut:
    with designing(request, app) as (session, who, the_app):
        row = _store(request).save_draft(session, the_app, kind, key, body, who.user_id,
                                         revision=revision_from(if_match))
    response.headers["ETag"] = f'"{row.revision}"'
    return DefinitionOut.of(row)


class PublishIn(BaseModel):
    # A form: the value for the records a newly required field would leave blank, by field id or key.
    fill: dict[str, Any] | None = None


class PublishOut(DefinitionOut):
    report: dict[str, Any] = {}
    dry_run: bool = False


@router.post("/apps/{app}/definitions/{kind}/{key}:publish", response_model=PublishOut)
def definitions_publish(request: Request, app: str, kind: str, key: str, dry_run: bool = False,
                        force: bool = False, if_match: str | None = Header(default=None),
                        body: PublishIn | None = Body(default=None)) -> PublishOut:
    """Make the draft live. ``dry_run`` previews what would change (for a form: the table,
    and every value a type change could not convert); ``force`` publishes a type change
    even though some values only survive in the backup column."""
    with designing(request, app) as (session, who, the_app):
        row, report = _store(request).publish(session, the_app, kind, key, who.user_id,
                                              revision=revision_from(if_match), dry_run=dry_run, force=force,
                                              fill=body.fill if body else None)
        out = PublishOut(**DefinitionOut.of(row).model_dump(), report=report, dry_run=dry_run)
    return out


@router.delete("/apps/{app}/definitions/{kind}/{key}/draft", status_code=204)
def definitions_discard(request: Request, app: str, kind: str, key: str,
                        if_match: str | None = Header(default=None)) -> Response:
    with designing(request, app) as (session, who, the_app):
        _store(request).discard_draft(session, the_app, kind, key, who.user_id,
                                      revision=revision_from(if_match))
    return Response(status_code=204)


@router.get("/apps/{app}/definitions/{kind}/{key}/versions", response_model=list[DefinitionOut])
def definitions_versions(request: Request, app: str, kind: str, key: str) -> list[DefinitionOut]:
    with work(request, read_only=True) as (session, who):
        return [DefinitionOut.of(d) for d in _store(request).versions(session, get_app(session, app), kind, key)]


@router.get("/apps/{app}/definitions/{kind}/{key}/versions/{version}", response_model=DefinitionOut)
def definitions_version(request: Request, app: str, kind: str, key: str, version: PathId) -> DefinitionOut:
    with work(request, read_only=True) as (session, who):
        return DefinitionOut.of(_store(request).get(session, get_app(session, app), kind, key, version=version))


@router.get("/apps/{app}/definitions/{kind}/{key}/diff", response_model=list[Change],
            response_model_exclude_none=True)
def definitions_diff(request: Request, app: str, kind: str, key: str, a: QueryId, b: QueryId) -> list[Change]:
    with work(request, read_only=True) as (session, who):
        return [Change(**c) for c in _store(request).diff(session, get_app(session, app), kind, key, a, b)]


class FileOut(BaseModel):
    id: str
    name: str
    mime: str
    size: int


@router.post("/files", response_model=FileOut, status_code=201)
def files_upload(request: Request, file: UploadFile) -> FileOut:
    """Upload a file (multipart, field ``file``); put its id into an attachment field."""
    with work(request) as (session, who):
        row = store_file(session, request.app.state.settings.data_dir, file.file, file.filename or "",
                         file.content_type, who.user_id)
        return FileOut(id=row.id, name=row.name, mime=row.mime, size=row.size)


@router.get("/files/{file_id}", response_class=FileResponse, responses={200: {
    "description": "The file's bytes, in its own media type.",
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                "*/*": {"schema": {"type": "string", "format": "binary"}}}}})
def files_download(request: Request, file_id: str) -> FileResponse:
    """The file's bytes. Ids are random (128 bits): knowing one is what reading it takes."""
    with work(request, read_only=True) as (session, _who):
        row = get_file(session, file_id)
    path = path_of(request.app.state.settings.data_dir, row.sha256)
    # Served as a download, never rendered inline: an uploaded HTML page must not run here.
    return FileResponse(path, media_type=row.mime, filename=row.name, content_disposition_type="attachment")
