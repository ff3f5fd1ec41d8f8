"""The app roles page: per app, its roles (create, rename, delete, the admin flag), each
role's members (people, and departments with everyone below them) and each role's menu
(which forms and shared views appear in the app's navigation for it).

The page renders what is there; every change goes through the roles API
(``/api/v1/apps/{app}/roles``, platform/app_roles_api.py) from static/js/roles.js, so the
page and a script get the same checks, per-field errors and audit entries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.rendering import error_page, render
from brickwork.engines.form.menu import app_entries
from brickwork.platform.apps import get_app
from brickwork.platform.errors import BrickworkError
from brickwork.platform.http.deps import db
from brickwork.platform.i18n import _, pick
from brickwork.platform.identity import app_roles
from brickwork.platform.identity.users import Principal

router = APIRouter(include_in_schema=False)


def strings() -> dict[str, str]:
    return {
        "name_zh": _("Name (Chinese)"), "name_en": _("Name (English)"), "admin": _("App administrators"),
        "admin_help": _("Members may design this app: its forms, permissions, roles and settings."),
        "members": _("Members"), "no_members": _("No members yet."), "remove": _("Remove"),
        "add_person": _("Add a person"), "add_department": _("Add a department and everyone below it"),
        "add": _("Add"), "menu": _("Menu"),
        "menu_help": _("What this role sees in the app's navigation. Nothing ticked: every form. "
                       "A form the role may not read is never shown."),
        "form": _("Form"), "view": _("View"), "save": _("Save"), "delete": _("Delete the role"),
        "delete_confirm": _("Delete the role %(name)s? Its members lose it at once."),
        "saved": _("Saved."), "failed": _("That did not work."),
        "stale": _("Someone changed this role meanwhile. Reload it and make your change again."),
        "pick_first": _("Choose a name from the list."), "below": _("and below"),
    }


@router.get("/apps/{app}/roles")
def roles_page(request: Request, app: str, user: Principal = Depends(page_user)) -> Response:
    try:
        with db(request, read_only=True) as session:
            the_app = get_app(session, app)
            app_roles.require_designer(session, the_app, user)
            roles = [app_roles.role_out(r, app_roles.members(session, r))
                     for r in app_roles.list_roles(session, the_app)]
            entries = [{"type": e["type"], "form": e["form"], **({"view": e["view"]} if e["type"] == "view" else {}),
                        "label": (pick(e["label"]) if isinstance(e["label"], dict) else e["label"]) or e["form"]}
                       for e in app_entries(session, request.app.state.store, the_app)]
    except BrickworkError as exc:
        return error_page(request, exc)
    state: dict[str, Any] = {"app": app, "roles": roles, "entries": entries, "strings": strings()}
    return render(request, "roles.html", app=the_app, state=state)
