"""An app's connections, for its admins: the list, a form per connector (its settings from
the connector's pydantic model; secrets as write-only password inputs), "send a test" with
its answer, delete. Plain form posts, so it works without JavaScript; the API behind it is
``/api/v1/apps/{app}/connections`` (``connectors/api.py``)."""

from __future__ import annotations

from datetime import UTC
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.rendering import error_page, render
from brickwork.connectors import delivery, service
from brickwork.connectors.registry import CONNECTORS, Connector
from brickwork.platform import clock
from brickwork.platform.apps import get_app
from brickwork.platform.errors import BrickworkError
from brickwork.platform.http.deps import db
from brickwork.platform.i18n import _, pick
from brickwork.platform.identity.app_roles import require_designer
from brickwork.platform.identity.users import Principal

router = APIRouter(include_in_schema=False)


def setting_label(name: str) -> str:
    return {"host": _("Mail server"), "port": _("Port"), "security": _("Security"), "username": _("User name"),
            "password": _("Password"), "sender": _("From address"), "sender_name": _("From name"),
            "timeout": _("Timeout (seconds)"), "test_to": _("Test messages go to"),
            "webhook": _("Webhook address"), "secret": _("Signing secret"), "base_url": _("Base address"),
            "authorization": _("Authorization header")}.get(name, name)


def choice_label(value: str) -> str:
    return {"starttls": _("STARTTLS"), "tls": _("TLS from the start"), "none": _("None (local relay)")}.get(
        value, value)


def status_label(status: str) -> str:
    return {"queued": _("Waiting or retrying"), "sent": _("Sent"), "skipped": _("Not sent (connection off)")}.get(
        status, status)


def _local(moment) -> str:
    return moment.replace(tzinfo=UTC).astimezone(clock.app_zone()).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def connector_label(name: str) -> str:
    return pick(CONNECTORS[name].label) if name in CONNECTORS else name


def fields_of(entry: Connector, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The inputs of a connector's settings form, from its model's JSON Schema."""
    schema = entry.settings.model_json_schema()
    required = set(schema.get("required", []))
    found = []
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type", "string")
        widget = "password" if name in entry.secrets else "select" if "enum" in prop else \
            "checkbox" if kind == "boolean" else "number" if kind in ("integer", "number") else "text"
        found.append({"name": name, "label": setting_label(name), "widget": widget, "required": name in required,
                      "choices": prop.get("enum", []), "step": "1" if kind == "integer" else "any",
                      "value": "" if name in entry.secrets else values.get(name, prop.get("default", "")),
                      "help": prop.get("description", "")})
    return found


def _parse(entry: Connector, form: dict[str, Any]) -> dict[str, Any]:
    """Form text to the settings' types; a blank secret keeps the stored one."""
    schema = entry.settings.model_json_schema().get("properties", {})
    settings: dict[str, Any] = {}
    for name, prop in schema.items():
        raw = form.get(f"s_{name}")
        kind = prop.get("type", "string")
        if name in entry.secrets:
            if raw:
                settings[name] = raw
            elif form.get(f"clear_{name}"):
                settings[name] = ""
        elif kind == "boolean":
            settings[name] = bool(raw)
        elif raw in (None, ""):
            continue
        elif kind == "integer":
            settings[name] = int(raw) if str(raw).lstrip("-").isdigit() else raw
        elif kind == "number":
            try:
                settings[name] = float(raw)
            except ValueError:
                settings[name] = raw
        else:
            settings[name] = raw
    return settings


def _page(request: Request, app_key: str, user: Principal, *, status_code: int = 200, **extra: Any) -> Response:
    try:
        with db(request, read_only=True) as session:
            app = get_app(session, app_key)
            require_designer(session, app, user)
            rows = [service.view(r) for r in service.list_connections(session, app)]
    except BrickworkError as exc:
        return error_page(request, exc)
    connectors = sorted(((c.name, pick(c.label)) for c in CONNECTORS.values() if not c.name.startswith("tests_")),
                        key=lambda c: c[0])
    return render(request, "connections.html", status_code=status_code, app=app, connections=rows,
                  connectors=connectors, setting_label=setting_label, connector_label=connector_label, **extra)


@router.get("/apps/{app}/connections")
def connections_page(request: Request, app: str, tested: str = "", user: Principal = Depends(page_user)) -> Response:
    return _page(request, app, user)


def _editor(request: Request, app_key: str, user: Principal, entry: Connector, row: dict[str, Any] | None,
            values: dict[str, Any], *, status_code: int = 200, error: str | None = None,
            errors: dict[str, list[str]] | None = None, sent: list[Any] | None = None) -> Response:
    try:
        with db(request, read_only=True) as session:
            app = get_app(session, app_key)
            require_designer(session, app, user)
    except BrickworkError as exc:
        return error_page(request, exc)
    return render(request, "connection_form.html", status_code=status_code, app=app, entry=entry,
                  entry_label=pick(entry.label), row=row, fields=fields_of(entry, values),
                  key_value=values.get("__key", row["key"] if row else ""),
                  label_zh=values.get("__label_zh", (row or {}).get("label", {}).get("zh-CN", "")),
                  label_en=values.get("__label_en", (row or {}).get("label", {}).get("en", "")),
                  enabled=values.get("__enabled", (row or {}).get("enabled", True)), error=error, errors=errors or {},
                  notify_events=event_labels() if service.channel_of(entry.name) else [],
                  notify_on=values.get("__notify_on", (row or {}).get("notify_on", [])),
                  choice_label=choice_label, deliveries=sent or [], status_label=status_label,
                  local=lambda moment: _local(moment))


def event_labels() -> list[tuple[str, str]]:
    """The notifications an email or group-bot connection may pass on, in the user's language."""
    return [("task_created", _("A new approval task")), ("cc", _("Copied on an approval")),
            ("urged", _("A reminder to handle an approval")), ("overdue", _("An overdue approval task")),
            ("approved", _("An approval request approved")), ("rejected", _("An approval request rejected")),
            ("withdrawn", _("An approval request withdrawn")), ("terminated", _("An approval request terminated")),
            ("rule", _("A rule's notification that names this channel"))]


@router.get("/apps/{app}/connections/new")
def connection_new(request: Request, app: str, connector: str = "", user: Principal = Depends(page_user)) -> Response:
    try:
        entry = service.connector_of(connector)
    except BrickworkError as exc:
        return error_page(request, exc)
    return _editor(request, app, user, entry, None, {})


@router.get("/apps/{app}/connections/{key}/edit")
def connection_edit(request: Request, app: str, key: str, user: Principal = Depends(page_user)) -> Response:
    try:
        with db(request, read_only=True) as session:
            found = get_app(session, app)
            require_designer(session, found, user)
            stored = service.get_connection(session, found, key)
            row = service.view(stored)
            sent = delivery.deliveries(session, stored, limit=20)
    except BrickworkError as exc:
        return error_page(request, exc)
    return _editor(request, app, user, CONNECTORS[row["connector"]], row, row["settings"], sent=sent)


def _errors(exc: BrickworkError) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for e in exc.errors:
        name = e.field.removeprefix("settings.").split(".")[0]
        found.setdefault(name, []).append(e.message)
    return found


@router.post("/apps/{app}/connections/save")
async def connection_save(request: Request, app: str, user: Principal = Depends(page_user)) -> Response:
    raw = await request.form()
    form = dict(raw)
    key, connector, editing = str(form.get("key", "")), str(form.get("connector", "")), form.get("version")
    label = {k: v for k, v in (("zh-CN", str(form.get("label_zh", "")).strip()),
                               ("en", str(form.get("label_en", "")).strip())) if v} or {"en": key}
    try:
        entry = service.connector_of(connector)
    except BrickworkError as exc:
        return error_page(request, exc)
    settings = _parse(entry, form)
    body = {"key": key, "connector": connector, "label": label, "settings": settings,
            "enabled": bool(form.get("enabled"))}
    if service.channel_of(entry.name):  # the boxes on the page: none ticked passes nothing on
        body["notify_on"] = [str(e) for e in raw.getlist("notify_on")]
    try:
        with db(request) as session:
            found = get_app(session, app)
            require_designer(session, found, user)
            if editing:
                service.update(session, found, key, {**body, "version": int(editing)}, user)
            else:
                service.create(session, found, body, user)
    except BrickworkError as exc:
        if exc.status in (403, 404):
            return error_page(request, exc)
        values = {**{k: v for k, v in settings.items() if k not in entry.secrets}, "__key": key,
                  "__label_zh": label.get("zh-CN", ""), "__label_en": label.get("en", ""),
                  "__enabled": body["enabled"], "__notify_on": body.get("notify_on", [])}
        row = None
        if editing:
            row = {"key": key, "version": int(editing), "secrets": {}, "label": label, "enabled": body["enabled"]}
        return _editor(request, app, user, entry, row, values, status_code=exc.status,
                       error=exc.detail or exc.title, errors=_errors(exc))
    return RedirectResponse(f"/apps/{app}/connections", status_code=303)


@router.post("/apps/{app}/connections/{key}/test")
def connection_test(request: Request, app: str, key: str, user: Principal = Depends(page_user)) -> Response:
    try:
        with db(request, read_only=True) as session:
            found = get_app(session, app)
            require_designer(session, found, user)
            result = service.send_test(session, found, key)
        return _page(request, app, user, tested=key, test_ok=True, test_message=result["message"])
    except BrickworkError as exc:
        if exc.status in (403, 404):
            return error_page(request, exc)
        return _page(request, app, user, status_code=200, tested=key, test_ok=False,
                     test_message=exc.detail or exc.title)


@router.post("/apps/{app}/connections/{key}/delete")
def connection_delete(request: Request, app: str, key: str, user: Principal = Depends(page_user)) -> Response:
    try:
        with db(request) as session:
            found = get_app(session, app)
            require_designer(session, found, user)
            service.delete(session, found, key, user)
    except BrickworkError as exc:
        return error_page(request, exc)
    return RedirectResponse(f"/apps/{quote(app)}/connections", status_code=303)
