"""REST for saved views: /api/v1/apps/{app}/forms/{form}/views."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.responses import JSONResponse

from brickwork.engines.form import saved_views
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.platform.http.deps import bearer, work
from brickwork.platform.http.params import PathId

router = APIRouter(prefix="/api/v1/apps/{app}/forms/{form}/views", tags=["saved views"],
                   dependencies=[Depends(bearer)])


def _service(session, app: str, form: str, who) -> RecordService:
    return RecordService(session, load_form(session, app, form), who)


@router.get("")
def views_list(request: Request, app: str, form: str) -> JSONResponse:
    """The caller's own views and the shared ones."""
    with work(request, read_only=True) as (session, who):
        views = saved_views.list_views(session, _service(session, app, form, who))
        return JSONResponse({"items": [saved_views.view_out(v) for v in views]})


@router.post("", status_code=201)
def views_create(request: Request, app: str, form: str, data: Any = Body(...)) -> JSONResponse:
    """``{"name", "type": "table|kanban|calendar", "shared": false, "config": {...}}``;
    only administrators create shared views."""
    with work(request) as (session, who):
        view = saved_views.create_view(session, _service(session, app, form, who), data)
        return JSONResponse(saved_views.view_out(view), status_code=201)


@router.get("/{view_id}")
def views_get(request: Request, app: str, form: str, view_id: PathId) -> JSONResponse:
    with work(request, read_only=True) as (session, who):
        view = saved_views.get_view(session, _service(session, app, form, who), view_id)
        return JSONResponse(saved_views.view_out(view))


@router.patch("/{view_id}")
def views_update(request: Request, app: str, form: str, view_id: PathId, data: Any = Body(...)) -> JSONResponse:
    """Send ``version`` as read; a newer version on the server is a 409 and nothing changes."""
    with work(request) as (session, who):
        view = saved_views.update_view(session, _service(session, app, form, who), view_id, data)
        return JSONResponse(saved_views.view_out(view))


@router.delete("/{view_id}", status_code=204)
def views_delete(request: Request, app: str, form: str, view_id: PathId) -> Response:
    with work(request) as (session, who):
        saved_views.delete_view(session, _service(session, app, form, who), view_id)
    return Response(status_code=204)
