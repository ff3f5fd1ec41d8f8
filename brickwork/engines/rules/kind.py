"""The rules engine's entry in the kinds registry (kind ``rule``, in the app file's
``rules`` section, installed after forms). Publishing a rule checks its trigger and actions
against their registries and the app's forms, and keeps its schedule (cron and sweep rules)
in the jobs schedules table: made or changed when published, removed when disabled."""

from __future__ import annotations

import secrets

from pydantic import BaseModel
from sqlalchemy.orm import Session

from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.forms import load_form
from brickwork.engines.rules import tasks
from brickwork.engines.rules.actions import ACTIONS
from brickwork.engines.rules.context import manager_field
from brickwork.engines.rules.definition import RuleDefinition
from brickwork.engines.rules.pauses import resume
from brickwork.engines.rules.triggers import TRIGGERS
from brickwork.platform.definitions.kinds import Kind
from brickwork.platform.errors import FieldError, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.models import App


def check(rule: BaseModel) -> list[FieldError]:
    """What the registries say of the rule's trigger and actions (paths from the body's root)."""
    assert isinstance(rule, RuleDefinition)
    errors: list[FieldError] = []
    entry = TRIGGERS.get(rule.trigger.type)
    if entry is None:
        errors.append(FieldError("$.trigger.type", "unknown_trigger", _(
            "There is no trigger %(type)s; use one of %(types)s.", type=rule.trigger.type,
            types=", ".join(sorted(TRIGGERS)))))
    else:
        if entry.needs_form and not rule.trigger.form:
            errors.append(FieldError("$.trigger.form", "required", _("Give the form this trigger watches.")))
        errors += entry.check(rule.trigger) if entry.check else []
    for i, action in enumerate(rule.actions):
        found = ACTIONS.get(action.type)
        if found is None:
            errors.append(FieldError(f"$.actions[{i}].type", "unknown_action", _(
                "There is no action %(type)s; use one of %(types)s.", type=action.type,
                types=", ".join(sorted(ACTIONS)))))
        elif found.check:
            errors += [FieldError(f"$.actions[{i}].{e.field}", e.code, e.message)
                       for e in found.check(dict(action.model_extra or {}))]
        if found and found.needs_record and not (entry and entry.needs_form):
            errors.append(FieldError(f"$.actions[{i}].type", "needs_record", _(
                "This action works on the trigger's record, and this trigger has none.")))
    return errors


def _manager_fields(session: Session, app: str, rule: RuleDefinition) -> list[FieldError]:
    """"The manager of the person in field X" must name a person field of the trigger's form."""
    named = []  # (JSON path, field key)
    for i, action in enumerate(rule.actions):
        settings = action.model_extra or {}
        values = settings.get("values") if isinstance(settings.get("values"), dict) else {}
        named += [(f"$.actions[{i}].values.{k}", manager_field(v)) for k, v in values.items()
                  if manager_field(v) is not None]
        if action.type == "notify" and isinstance(settings.get("managers_of"), list):
            named += [(f"$.actions[{i}].managers_of", k) for k in settings["managers_of"] if isinstance(k, str)]
    if not named:
        return []
    try:
        form = load_form(session, app, rule.trigger.form) if rule.trigger.form else None
    except NotFound:
        return []  # the unknown form is reported already
    people = {f.key for f in form.definition.fields if REGISTRY[f.type].logical == "user"} if form else set()
    people |= {f.id for f in form.definition.fields if f.key in people} if form else set()
    return [FieldError(path, "not_a_person_field", _("%(field)s is no person field of the trigger's form.",
                                                     field=key)) for path, key in named if key not in people]


def publish_hook(session: Session, app: App, key: str, previous: dict | None, body: dict, version: int, *,
                 dry_run: bool, force: bool, fill: dict | None = None) -> tuple[dict, dict]:
    rule = RuleDefinition.model_validate(body)
    errors = check(rule)
    forms = {rule.trigger.form} | {a.model_extra.get("form") for a in rule.actions
                                    if a.type == "create_record" and a.model_extra}
    for form_key in sorted(f for f in forms if f):
        try:
            load_form(session, app.key, form_key)
        except NotFound:
            errors.append(FieldError("$.trigger.form" if form_key == rule.trigger.form else "actions", "unknown_form",
                                     _("The app has no published form %(form)s.", form=form_key)))
    errors += _manager_fields(session, app.key, rule)
    if errors:
        raise Invalid(_("The rule cannot be published."), errors=errors)
    entry = TRIGGERS[rule.trigger.type]
    cron = entry.cron(rule.trigger) if entry.cron and rule.enabled else None
    if not dry_run:
        tasks.keep_schedule(session, app.key, key, cron)
        if rule.enabled:  # switched on (or fixed and published) again: a storm pause is lifted
            resume(session, app.key, key)
    return body, {"schedule": cron, "enabled": rule.enabled}


def exported(body: dict) -> dict:
    """A webhook rule's URL secret stays in the installation: the app file carries none."""
    trigger = body.get("trigger") or {}
    if "secret" not in trigger:
        return body
    return {**body, "trigger": {k: v for k, v in trigger.items() if k != "secret"}}


def fresh(body: dict) -> dict:
    """A webhook rule installed from a file gets a new URL secret of its own."""
    trigger = body.get("trigger") or {}
    if trigger.get("type") != "webhook" or trigger.get("secret"):
        return body
    return {**body, "trigger": {**trigger, "secret": secrets.token_hex(16)}}


RULE = Kind(name="rule", model=RuleDefinition, publish=publish_hook, check=check, plural="rules", after=("form",),
            exported=exported, fresh=fresh)
