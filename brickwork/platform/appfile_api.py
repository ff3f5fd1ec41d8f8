"""REST for apps as files and the shipped templates (administrators only).

``GET /api/v1/templates`` lists the templates and the app each is installed as;
``POST /api/v1/templates/{name}:install`` installs one (or upgrades the app installed from
an older version: three-way merge, conflicts reported) and optionally adds demo data;
``GET /api/v1/apps/{app}:export`` answers with the app's file; ``POST /api/v1/apps:import``
creates an app from one.

The shipped templates are the catalog the top floor put in ``app.state.catalog``; the
kinds come with the store in ``app.state.store``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from brickwork.platform.appfile import (
    Catalog,
    Installed,
    export_app,
    install_document,
    install_template,
    last_upgrade,
)
from brickwork.platform.apps import get_app
from brickwork.platform.definitions.store import DefinitionStore
from brickwork.platform.http.deps import bearer, work
from brickwork.platform.http.downloads import content_disposition
from brickwork.platform.models import App, AppTemplate

router = APIRouter(prefix="/api/v1", tags=["apps as files"], dependencies=[Depends(bearer)])
DEMO_LIMIT = 100_000  # customers, from a page; the command line has no limit


class InstallIn(BaseModel):
    # Strict: `false` or "5" is a mistake to report, not a number to guess.
    model_config = ConfigDict(extra="forbid", strict=True)
    demo_data: int = Field(default=0, ge=0, le=DEMO_LIMIT)
    seed: int = 1


def template_list(session, catalog: Catalog, store: DefinitionStore) -> list[dict[str, Any]]:
    """Each shipped template with the app installed from it, if any, how many definitions
    of each kind it has (``"forms": 11``), and the report of that app's last upgrade
    (``last_upgrade``: what was published, the team's edits kept, the conflicts; or null)."""
    installed = {row.name: (key, row.version) for row, key in session.execute(
        select(AppTemplate, App.key).join(App, App.id == AppTemplate.app_id).where(App.deleted_at.is_(None)))}
    out = []
    for name in catalog.available():
        document = catalog.load(name)
        app, version = installed.get(name, (None, None))
        out.append({"name": name, "version": document["template"]["version"], "label": document["app"]["label"],
                    "description": document["app"].get("description", {}), "app": app, "installed_version": version,
                    "last_upgrade": last_upgrade(session, app) if app else None,
                    **{entry.plural or entry.name: len(document["definitions"].get(entry.file_section, []))
                       for entry in store.kinds}})
    return out


def install(request: Request, name: str, given: InstallIn) -> dict[str, Any]:
    """Install or upgrade, then the demo data in transactions of its own."""
    catalog: Catalog = request.app.state.catalog
    with work(request, admin=True) as (session, who):
        document = catalog.load(name)  # read once: the install and the demo data's app key
        done = install_template(session, request.app.state.store, document, who.user_id)
        answer: dict[str, Any] = {"template": name, "action": "none"}
        if isinstance(done, Installed):
            answer.update(action="installed", app=done.app.key, published=done.published)
        elif done is not None:
            answer.update(action="upgraded", **done.as_dict())
    if given.demo_data and done is not None:
        generate = catalog.demo_generator(name)
        with request.app.state.sessions() as session:  # the generator commits chunk by chunk
            answer["demo_data"] = generate(session, get_app(session, document["app"]["key"]), given.demo_data,
                                           given.seed)
    return answer


@router.get("/templates")
def templates_index(request: Request) -> list[dict[str, Any]]:
    with work(request, read_only=True, admin=True) as (session, _who):
        return template_list(session, request.app.state.catalog, request.app.state.store)


@router.post("/templates/{name}:install")
def templates_install(request: Request, name: str, given: InstallIn | None = Body(None)) -> JSONResponse:
    answer = install(request, name, given or InstallIn())
    return JSONResponse(answer, status_code=201 if answer["action"] == "installed" else 200)


@router.get("/apps/{app}:export")
def apps_export(request: Request, app: str) -> JSONResponse:
    with work(request, read_only=True, admin=True) as (session, _who):
        document = export_app(session, request.app.state.store, get_app(session, app))
    return JSONResponse(document, headers={"Content-Disposition": content_disposition(f"{app}.json")})


@router.post("/apps:import", status_code=201)
def apps_import(request: Request, document: dict[str, Any] = Body(...), key: str | None = None) -> dict[str, Any]:
    with work(request, admin=True) as (session, who):
        done = install_document(session, request.app.state.store, document, who.user_id, key)
        return {"app": done.app.key, "published": done.published, **done.parts}
