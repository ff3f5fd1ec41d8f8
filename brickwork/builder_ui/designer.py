"""The app home (its forms) and the form designer's page, with its server-rendered preview.

The designer edits the definition in the browser and saves it through the JSON API
(``PUT /api/v1/apps/{app}/forms/{form}`` with ``If-Match``); this module only serves the
page, creates new forms and renders the preview of a draft.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from brickwork.builder_ui import designer_data, designer_logic
from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.record_common import Cell, Line
from brickwork.builder_ui.rendering import error_page, render
from brickwork.builder_ui.widgets import render_field
from brickwork.engines.form.layout import rows
from brickwork.engines.form.menu import app_menu
from brickwork.engines.report.reports import landing, visible_dashboards
from brickwork.platform.apps import ICONS, get_app
from brickwork.platform.errors import BrickworkError, Conflict, FieldError, Invalid
from brickwork.platform.http.deps import db, designing
from brickwork.platform.i18n import _
from brickwork.platform.identity.app_roles import may_design, require_designer
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import App

router = APIRouter(include_in_schema=False)


def _forms(request: Request, session, app: App, user: Principal, designer: bool,
           shown: set[str] | None = None) -> list[dict[str, Any]]:
    """The app's forms, newest state of each: a draft where there is one. People who do not
    design the app see only published forms (a draft has no table yet) in their menu (``shown``)."""
    listed = []
    for row in request.app.state.store.latest(session, app, "form"):
        # Versions are numbered on, and a draft is the only unpublished one: a draft past
        # version 1 has a published version before it.
        live = row.state == "published" or row.version > 1
        if not designer and (not live or row.key not in (shown or ())):
            continue
        if row.state == "published":
            status = _("Published")
        elif live:
            status = _("Published, with unpublished changes")
        else:
            status = _("Draft, not published yet")
        listed.append({"key": row.key, "label": row.body.get("label", {}), "live": live, "status": status,
                       "draft": row.state == "draft", "fields": len(row.body.get("fields", []))})
    return listed



def app_page(request: Request, app_key: str, user: Principal, status_code: int = 200,
             values: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None,
             error: str | None = None, **settings: Any) -> Response:
    """The app's page; ``settings`` carries what the rename form was refused with."""
    try:
        with db(request, read_only=True) as session:
            app = get_app(session, app_key)
            designer = may_design(session, app, user)
            menu = app_menu(session, request.app.state.store, app, user)
            forms = _forms(request, session, app, user, designer, {e["form"] for e in menu if e["type"] == "form"})
            views = [e for e in menu if e["type"] == "view"]
            dashboards = visible_dashboards(session, request.app.state.store, app, user)
    except BrickworkError as exc:
        return error_page(request, exc)
    return render(request, "app.html", status_code=status_code, app=app, forms=forms, values=values or {},
                  designer=designer, views=views, dashboards=dashboards,
                  field_errors=errors or {}, error=error, icons=ICONS, settings_values=settings.get(
                      "settings_values") or {"label_zh": app.label.get("zh-CN", ""),
                                             "label_en": app.label.get("en", ""), "icon": app.icon},
                  settings_error=settings.get("settings_error"), settings_errors=settings.get("settings_errors", {}))


@router.get("/apps/{app}")
def app_home(request: Request, app: str, user: Principal = Depends(page_user)) -> Response:
    """Opening the app: the dashboard for the person's role (reports.landing), else its page."""
    try:
        with db(request, read_only=True) as session:
            key = landing(session, request.app.state.store, get_app(session, app), user)
    except BrickworkError as exc:
        return error_page(request, exc)
    if key is not None:
        return RedirectResponse(f"/apps/{app}/dashboards/{key}", status_code=303)
    return app_page(request, app, user)


@router.get("/apps/{app}/menu")
def app_menu_page(request: Request, app: str, user: Principal = Depends(page_user)) -> Response:
    """The app's page (its forms, views and dashboards) for everyone, landing or not."""
    return app_page(request, app, user)


@router.post("/apps/{app}/forms")
def app_new_form(request: Request, app: str, label_zh: str = Form(""), label_en: str = Form(""),
                 key: str = Form(""), user: Principal = Depends(page_user)) -> Response:
    """Create a form as an empty draft, then open it in the designer."""
    label = {k: v.strip() for k, v in (("zh-CN", label_zh), ("en", label_en)) if v.strip()}
    store = request.app.state.store
    try:
        with db(request) as session:
            the_app = get_app(session, app)
            require_designer(session, the_app, user)
            taken = {row.key for row in store.latest(session, the_app, "form")}
            key = key.strip() or designer_data.form_key_from(label_en.strip(), taken)
            if key in taken:
                raise Conflict(_("A form with this key exists already."),
                               errors=[FieldError("$.key", "taken", _("This key is taken."))])
            store.save_draft(session, the_app, "form", key, {"key": key, "label": label}, user.user_id,
                             revision=0)
    except BrickworkError as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            errors.setdefault(e.field.removeprefix("$.").split(".")[0], []).append(e.message)
        return app_page(request, app, user, status_code=exc.status, error=exc.title, errors=errors,
                         values={"label_zh": label_zh, "label_en": label_en, "key": key})
    return RedirectResponse(f"/apps/{app}/forms/{key}/design", status_code=303)


@router.get("/apps/{app}/forms/{form}/design")
def designer_page(request: Request, app: str, form: str, user: Principal = Depends(page_user)) -> Response:
    store = request.app.state.store
    try:
        with db(request, read_only=True) as session:
            the_app = get_app(session, app)
            require_designer(session, the_app, user)
            draft = store.get(session, the_app, "form", form, which="draft", missing_ok=True)
            live = store.get(session, the_app, "form", form, missing_ok=draft is not None)
            versions = designer_data.versions(session, store.versions(session, the_app, "form", form))
            # With their fields: linked data (fill_from) names fields of another form.
            latest = store.latest(session, the_app, "form")
            forms = [{"key": row.key, "label": row.body.get("label", {}),
                      "fields": [{"id": f.get("id"), "key": f.get("key"), "label": f.get("label", {}),
                                  "type": f.get("type")} for f in _list(row.body.get("fields"))]}
                     for row in latest]
    except BrickworkError as exc:
        return error_page(request, exc)
    state = {
        "app": app, "form": form, "body": (draft or live).body, "revision": draft.revision if draft else 0,
        "has_draft": draft is not None, "live": live.body if live else None, "versions": versions,
        "types": designer_data.types_info(), "palette": designer_data.palette(),
        "locale": request.scope["state"]["locale"],
        "strings": {**designer_data.strings(), **designer_logic.logic_strings()}, "forms": forms,
        "formulas": designer_data.formula_texts((draft or live).body, {row.key: row.body for row in latest}, form),
        "conditions": designer_logic.condition_texts((draft or live).body),
        "functions": designer_logic.function_help(),
        # A draft is kept even when it does not validate; the page marks why, by field.
        "problems": [e.as_dict() for e in store.problems("form", draft.body)] if draft else [],
    }
    label = (draft or live).body.get("label", {})
    return render(request, "designer.html", app=the_app, form_key=form, form_label=label, state=state,
                  live=live is not None, palette=designer_data.palette())


@router.post("/apps/{app}/forms/{form}/design/preview")
def designer_preview(request: Request, app: str, form: str, body: Any = Body(...)) -> Response:
    """The draft as people will see it: validated, then laid out in rows of inputs. An invalid
    draft is answered with the problem (422) and its JSON paths, like a save."""
    with designing(request, app, read_only=True) as (_session, _who, _app):
        pass
    definition = request.app.state.store.validate("form", body)
    if definition.key != form:
        raise Invalid(_("The definition is not valid."), errors=[
            FieldError("$.key", "mismatch", _("The key must be %(key)s.", key=form))])
    lines = [Line(row.section, [Cell(f, "", input=render_field(f, _preview_value(f.default))) for f in row.fields])
             for row in rows(definition)]
    return render(request, "designer_preview.html", definition=definition, lines=lines)


@router.post("/apps/{app}/forms/{form}/design/condition")
def designer_condition(request: Request, app: str, form: str, body: Any = Body(...)) -> Response:
    """A condition of the logic editors turned between formula text and the AST (the filter
    builder's form): ``{"fields": [...draft fields], "condition": text or AST}`` →
    ``{"ast", "text"}``; a problem is 422 with its position in the text."""
    with designing(request, app, read_only=True) as (_session, _who, _app):
        pass
    if not isinstance(body, dict) or not isinstance(body.get("condition"), str | dict):
        raise Invalid(_("The condition is not valid."), errors=[
            FieldError("$.condition", "required", _("A condition is needed."))])
    return JSONResponse(designer_logic.convert(body.get("fields") or [], body["condition"]))


@router.post("/apps/{app}/forms/{form}/design/preview/visibility")
def designer_preview_visibility(request: Request, app: str, form: str, body: Any = Body(...)) -> Response:
    """Which fields and sections of the draft (``body``) its rules hide for the values typed
    into the preview (``values``, by key): the engine's answer, as on the record pages."""
    with designing(request, app, read_only=True) as (_session, who, _app):
        pass
    data = body if isinstance(body, dict) else {}
    definition = request.app.state.store.validate("form", data.get("body"))
    values = data.get("values") if isinstance(data.get("values"), dict) else {}
    return JSONResponse(designer_logic.preview_hidden(definition, values, who))


def _list(items: Any) -> list[dict]:
    # An invalid draft may hold anything where fields belong.
    return [x for x in items if isinstance(x, dict)] if isinstance(items, list) else []


def _preview_value(default: Any) -> Any:
    # Dynamic defaults ($me, $today...) are filled in when a record is created, not here.
    return None if isinstance(default, str) and default.startswith("$") else default
