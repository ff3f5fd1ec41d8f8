"""An app's own settings from its page: rename and icon (the app's designers), delete to
the recycle bin and restore (administrators of the installation).

Plain form posts, so they work without JavaScript; the order of forms is dragged on the
app page and saved through ``PATCH /api/v1/apps/{app}`` (``static/js/designer_app.js``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from brickwork.builder_ui.designer import app_page
from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.rendering import error_page
from brickwork.platform.apps import delete_app, get_app, restore_app, update_app
from brickwork.platform.errors import BrickworkError, Forbidden
from brickwork.platform.http.deps import db
from brickwork.platform.i18n import _
from brickwork.platform.identity.app_roles import require_designer
from brickwork.platform.identity.users import Principal

router = APIRouter(include_in_schema=False)


def _admin(user: Principal) -> None:
    if not user.is_admin:
        raise Forbidden(_("Only administrators may do this."))


@router.post("/apps/{app}/settings")
def app_settings(request: Request, app: str, label_zh: str = Form(""), label_en: str = Form(""),
                 icon: str = Form(""), version: int = Form(0), user: Principal = Depends(page_user)) -> Response:
    label = {k: v.strip() for k, v in (("zh-CN", label_zh), ("en", label_en)) if v.strip()}
    try:
        with db(request) as session:
            require_designer(session, get_app(session, app), user)
            update_app(session, app, {"label": label, "icon": icon, "version": version}, user.user_id)
    except BrickworkError as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            errors.setdefault(e.field.split(".")[0], []).append(e.message)
        if exc.status == 404:
            return error_page(request, exc)
        return app_page(request, app, user, status_code=exc.status, settings_error=exc.detail or exc.title,
                        settings_errors=errors,
                        settings_values={"label_zh": label_zh, "label_en": label_en, "icon": icon})
    return RedirectResponse(f"/apps/{app}", status_code=303)


@router.post("/apps/{app}/delete")
def app_delete(request: Request, app: str, user: Principal = Depends(page_user)) -> Response:
    return _as_admin(request, user, lambda session: delete_app(session, app, user.user_id), "/")


@router.post("/apps/{app}/restore")
def app_restore(request: Request, app: str, user: Principal = Depends(page_user)) -> Response:
    return _as_admin(request, user, lambda session: restore_app(session, app, user.user_id), f"/apps/{app}")


def _as_admin(request: Request, user: Principal, change, then: str) -> Response:
    """An administrator's change in one transaction, then on to ``then``; a refusal is a page."""
    try:
        _admin(user)
        with db(request) as session:
            change(session)
    except BrickworkError as exc:
        return error_page(request, exc)
    return RedirectResponse(then, status_code=303)
