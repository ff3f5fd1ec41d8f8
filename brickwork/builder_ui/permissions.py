"""The permission designer: one page per form with the matrix of the app's roles × create,
read, update and delete, a row scope per role (own, my department, my department and below,
all, or a condition from the filter builder) and per-field write, read or hidden.

The page edits the form definition's ``permissions`` in the browser and saves them like the
form designer: a draft through ``PUT /api/v1/apps/{app}/forms/{form}`` (If-Match), then
publish; the definitions store audits both. Its preview lists the records as one person
sees them (``GET .../preview/{user}``, audited).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.rendering import error_page, render
from brickwork.builder_ui.views_common import open_form, plural, script_text
from brickwork.platform.apps import get_app
from brickwork.platform.errors import BrickworkError
from brickwork.platform.http.deps import db
from brickwork.platform.i18n import _, ngettext, pick
from brickwork.platform.identity.app_roles import list_roles, require_designer
from brickwork.platform.identity.users import Principal

router = APIRouter(include_in_schema=False)
SCOPES = ("own", "department", "department_tree", "all")


def strings() -> dict[str, Any]:
    return {
        "create": _("Create"), "read": _("Read"), "update": _("Update"), "delete": _("Delete"),
        "scope": _("Rows"), "own": _("Own records"), "department": _("My department"),
        "department_tree": _("My department and below"), "all": _("All records"),
        "condition": _("Records that match a condition"), "fields": _("Fields"),
        "write": _("Read and write"), "read_only": _("Read only"), "none": _("Hidden"),
        "saved": _("Saved as a draft. Publish to make it live."), "published": _("Published."),
        "failed": _("The permissions could not be saved."), "stale": _(
            "Someone else changed this form first. Reload the page."),
        "no_roles": _("This app has no roles yet. Add them on the app's Roles page."),
        "records": plural(lambda n: ngettext("%(num)s record visible", "%(num)s records visible", n, num="%(n)s")),
        "preview_failed": _("The preview could not be loaded."),
        "role": _("Role"),
    }


@router.get("/apps/{app}/forms/{form}/permissions")
def permissions_page(request: Request, app: str, form: str, user: Principal = Depends(page_user)) -> Response:
    store = request.app.state.store
    try:
        with db(request, read_only=True) as session:
            the_app = get_app(session, app)
            require_designer(session, the_app, user)
            draft = store.get(session, the_app, "form", form, which="draft", missing_ok=True)
            live = store.get(session, the_app, "form", form)
            page = open_form(session, user, app, form)  # a designer's view of the fields, for the builder
            roles = [{"key": r.key, "label": pick(r.label) or r.key, "admin": r.admin}
                     for r in list_roles(session, the_app)]
            body = (draft or live).body
            named = {p.get("role") for p in body.get("permissions", []) if isinstance(p, dict)}
            roles += [{"key": k, "label": k, "admin": False} for k in sorted(named - {r["key"] for r in roles})
                      if isinstance(k, str)]
            fields = page.field_meta()
            label = body.get("label", {})
    except BrickworkError as exc:
        return error_page(request, exc)
    state = {
        "app": app, "form": form, "revision": draft.revision if draft else 0, "body": body,
        "roles": roles, "fields": fields, "scopes": list(SCOPES), "strings": strings(), "filter_text": script_text(),
    }
    return render(request, "permissions.html", app=the_app, form_key=form, form_label=label, state=state,
                  has_draft=draft is not None)
