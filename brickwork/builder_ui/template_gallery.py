"""The template gallery: the shipped templates, each installed (or upgraded) with one click,
with demo data if wanted, and the report of each app's last upgrade (what arrived, the
team's edits kept, each conflict with both values). Administrators only."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.rendering import error_page, render
from brickwork.builder_ui.upgrade_report import readable
from brickwork.platform.appfile import export_app
from brickwork.platform.appfile_api import DEMO_LIMIT, InstallIn, install, template_list
from brickwork.platform.apps import get_app
from brickwork.platform.audit_log import actor_names
from brickwork.platform.clock import app_zone
from brickwork.platform.errors import BrickworkError, Forbidden
from brickwork.platform.http.deps import db
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal

router = APIRouter(include_in_schema=False)


def _gallery(request: Request, status_code: int = 200, **context) -> Response:
    store = request.app.state.store
    with db(request, read_only=True) as session:
        items = template_list(session, request.app.state.catalog, store)
        for item in items:  # the last upgrade's report, labelled from the app as it is now
            if item["last_upgrade"]:
                app_file = export_app(session, store, get_app(session, item["app"]))
                item["report"] = readable(item["last_upgrade"], app_file)
                item["report"]["by_name"] = actor_names(session, {item["last_upgrade"]["by"]}).get(
                    item["last_upgrade"]["by"])
                at = datetime.fromisoformat(item["last_upgrade"]["at"].removesuffix("Z")).replace(tzinfo=UTC)
                item["report"]["when"] = at.astimezone(app_zone()).strftime("%Y-%m-%d %H:%M")
    return render(request, "template_gallery.html", status_code=status_code, templates=items,
                  demo_limit=DEMO_LIMIT, **context)


@router.get("/templates")
def gallery(request: Request, user: Principal = Depends(page_user)) -> Response:
    if not user.is_admin:
        return error_page(request, Forbidden(_("Only administrators may do this.")))
    return _gallery(request)


@router.post("/templates/{name}/install")
def gallery_install(request: Request, name: str, demo: str = Form(""), size: int = Form(200),
                    user: Principal = Depends(page_user)) -> Response:
    try:
        if not user.is_admin:
            raise Forbidden(_("Only administrators may do this."))
        answer = install(request, name, InstallIn(demo_data=size if demo else 0))
    except BrickworkError as exc:
        return _gallery(request, status_code=exc.status, error=exc.title,
                        problems=[f"{e.field}: {e.message}" for e in exc.errors])
    if answer["action"] == "upgraded":  # its report, kept, is on the gallery: what to look at next
        return RedirectResponse(f"/templates#upgrade-{name}", status_code=303)
    return RedirectResponse(f"/apps/{answer.get('app') or name}", status_code=303)
