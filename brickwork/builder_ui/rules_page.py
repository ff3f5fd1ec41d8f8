"""The rule designer: the list of an app's rules (enabled or not, how each last ran) and the
editor of one rule. The editor saves and publishes through the definitions API (kind
``rule``); this module serves the pages, creates a rule, switches one on or off, and turns
formula text into the AST a rule keeps (``rules_data.compile_texts``)."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Body, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import func, select

from brickwork.builder_ui import rules_data
from brickwork.builder_ui.designer_data import form_key_from
from brickwork.builder_ui.designer_logic import function_help
from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.record_common import moment
from brickwork.builder_ui.rendering import error_page, render
from brickwork.engines.rules import service as rules_service
from brickwork.engines.rules.engine import live_rules
from brickwork.engines.rules.pauses import paused
from brickwork.platform.apps import get_app
from brickwork.platform.errors import BrickworkError, Conflict, FieldError, Invalid
from brickwork.platform.http.deps import db, designing
from brickwork.platform.i18n import _, pick
from brickwork.platform.identity.app_roles import require_designer
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import Role, RuleRun, User

router = APIRouter(include_in_schema=False)
RULES = "/apps/{app}/rules"


def _last_runs(session, app: str) -> dict[str, str]:
    """Each rule's newest run status (test runs are not logged)."""
    newest = select(RuleRun.rule, func.max(RuleRun.id).label("id")).where(RuleRun.app == app) \
        .group_by(RuleRun.rule).subquery()
    return dict(session.execute(select(RuleRun.rule, RuleRun.status).join(newest, newest.c.id == RuleRun.id)).all())


def _listing(request: Request, app: str, user: Principal, status_code: int = 200, **extra: Any) -> Response:
    store = request.app.state.store
    try:
        with db(request, read_only=True) as session:
            the_app = get_app(session, app)
            require_designer(session, the_app, user)
            last = _last_runs(session, app)
            stopped = paused(session, app)
            names = rules_data.trigger_names()
            rules = [{"key": row.key, "label": row.body.get("label") or {}, "draft": row.state == "draft",
                      "live": row.state == "published" or row.version > 1, "paused": stopped.get(row.key),
                      "enabled": bool(row.body.get("enabled", True)) and row.key not in stopped,
                      "last": last.get(row.key),
                      "trigger": names.get((row.body.get("trigger") or {}).get("type"), "")}
                     for row in store.latest(session, the_app, "rule")]
    except BrickworkError as exc:
        return error_page(request, exc)
    return render(request, "rules.html", status_code=status_code, app=the_app, rules=rules,
                  values=extra.get("values", {}), error=extra.get("error"), field_errors=extra.get("errors", {}))


@router.get(RULES)
def rules_page(request: Request, app: str, user: Principal = Depends(page_user)) -> Response:
    return _listing(request, app, user)


@router.post(RULES)
def rules_new(request: Request, app: str, label_zh: str = Form(""), label_en: str = Form(""),
              user: Principal = Depends(page_user)) -> Response:
    """A new rule as a draft (a record trigger, no actions yet), opened in the editor."""
    label = {k: v.strip() for k, v in (("zh-CN", label_zh), ("en", label_en)) if v.strip()}
    store = request.app.state.store
    try:
        if not label:
            raise Invalid(_("The rule cannot be created."), errors=[
                FieldError("$.label", "required", _("Give the rule a name."))])
        with db(request) as session:
            the_app = get_app(session, app)
            require_designer(session, the_app, user)
            taken = {row.key for row in store.latest(session, the_app, "rule")}
            # Keys come from the English name; a Chinese-only name gets rule, rule_2, ...
            key = form_key_from(label_en.strip(), taken) if label_en.strip() else _free("rule", taken)
            if key in taken:
                raise Conflict(_("A rule with this key exists already."))
            body = {"key": key, "label": label, "enabled": True, "trigger": {"type": "record.updated"}, "actions": []}
            store.save_draft(session, the_app, "rule", key, body, user.user_id, revision=0, keep_invalid=True)
    except BrickworkError as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            errors.setdefault(e.field.removeprefix("$."), []).append(e.message)
        return _listing(request, app, user, status_code=exc.status, error=exc.title, errors=errors,
                        values={"label_zh": label_zh, "label_en": label_en})
    return RedirectResponse(f"/apps/{app}/rules/{key}", status_code=303)


@router.post(RULES + "/{key}/enabled")
def rules_switch(request: Request, app: str, key: str, enabled: str = Form(""),
                 user: Principal = Depends(page_user)) -> Response:
    """Switch a published rule on or off: its live body with ``enabled`` changed, published
    at once (a draft in progress gets the same switch and stays a draft). Switching on a
    rule the engine paused (a storm) lifts the pause."""
    store = request.app.state.store
    try:
        with db(request) as session:
            the_app = get_app(session, app)
            require_designer(session, the_app, user)
            draft = store.get(session, the_app, "rule", key, which="draft", missing_ok=True)
            kept = dict(draft.body) if draft is not None else None  # the draft row is reused below
            live = store.get(session, the_app, "rule", key)
            on = enabled == "on"
            store.save_draft(session, the_app, "rule", key, {**live.body, "enabled": on}, user.user_id)
            store.publish(session, the_app, "rule", key, user.user_id)
            if kept is not None:
                store.save_draft(session, the_app, "rule", key, {**kept, "enabled": on}, user.user_id,
                                 keep_invalid=True)
    except BrickworkError as exc:
        return error_page(request, exc)
    return RedirectResponse(f"/apps/{app}/rules", status_code=303)


@router.get(RULES + "/{key}")
def rule_editor(request: Request, app: str, key: str, user: Principal = Depends(page_user)) -> Response:
    store = request.app.state.store
    try:
        with db(request, read_only=True) as session:
            the_app = get_app(session, app)
            require_designer(session, the_app, user)
            draft = store.get(session, the_app, "rule", key, which="draft", missing_ok=True)
            live = store.get(session, the_app, "rule", key, missing_ok=draft is not None)
            forms = {row.key: row.body for row in store.live(session, the_app, "form")}
            people = [{"id": i, "name": n} for i, n in session.execute(
                select(User.id, User.display_name).where(User.is_active.is_(True)).order_by(User.display_name))]
            roles = [{"key": k, "label": label} for k, label in session.execute(select(Role.key, Role.label)
                                                                                .order_by(Role.key))]
    except BrickworkError as exc:
        return error_page(request, exc)
    body = (draft or live).body
    state = {
        "app": app, "key": key, "body": body, "revision": draft.revision if draft else 0,
        "has_draft": draft is not None, "live": live is not None, "locale": request.scope["state"]["locale"],
        "forms": [rules_data.form_meta(k, b) for k, b in forms.items()], **rules_data.catalog(),
        "texts": rules_data.texts(body, forms), "functions": function_help(), "strings": rules_data.strings(),
        "people": people, "roles": [{"key": r["key"], "label": _label(r["label"], r["key"])} for r in roles],
        "secret": secrets.token_hex(16),
        "problems": [e.as_dict() for e in store.problems("rule", draft.body)] if draft else [],
    }
    return render(request, "rule_design.html", app=the_app, rule_key=key, rule_label=body.get("label") or {},
                  state=state)


def ran_on(session, app: str, form: str, record_id: int, limit: int = 10) -> list[dict[str, Any]]:
    """The latest runs of rules on a record, for its page: which rule, how it ended, when."""
    runs, _more = rules_service.list_runs(session, app, form=form, record_id=record_id, limit=limit)
    names = {live.body.key: pick(live.body.label) for live in live_rules(session, app)}
    reasons = rules_data.reason_names()
    return [{"rule": names.get(r.rule) or r.rule, "status": r.status, "reason": r.reason,
             "why": reasons.get(r.reason or "", r.reason or ""), "error": r.error,
             "when": moment(r.started_at.isoformat() + "Z") if r.started_at else ""} for r in runs]


def _free(base: str, taken: set[str]) -> str:
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def _label(label: Any, key: str) -> str:
    return (pick(label) if isinstance(label, dict) else "") or key


@router.post(RULES + "/{key}/formulas")
def rule_formulas(request: Request, app: str, key: str, body: Any = Body(...)) -> Response:
    """Formula text of the editor as ASTs: ``{"form": trigger form, "items": [{path, text,
    condition?}]}`` → ``{"asts": {path: AST}, "texts": {}}``; problems are 422 at ``$.<path>``."""
    with designing(request, app, read_only=True) as (session, _who, the_app):
        data = body if isinstance(body, dict) else {}
        source = None
        if isinstance(data.get("form"), str) and data["form"]:
            row = request.app.state.store.get(session, the_app, "form", data["form"], missing_ok=True)
            source = row.body if row else None
        return JSONResponse(rules_data.compile_texts(source, data.get("items")))
