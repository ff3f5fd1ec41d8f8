"""What the rule designer's page needs from the server: the trigger and action registries
with their names, the app's forms with their fields (for the filter builder, the field
mappings and the formula editor), the stored expressions as formula text, and formula text
turned into the AST the rule keeps.

The browser never parses the expression language: it sends text here and gets the AST (or
the problem with its position) back, so there is one implementation."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from brickwork.builder_ui.designer_logic import logic_strings
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.formulas import infos
from brickwork.engines.rules.actions import ACTIONS, per_language
from brickwork.engines.rules.context import before_field, event_value, is_expression, manager_field
from brickwork.engines.rules.engine import DEPTH_LIMIT
from brickwork.engines.rules.triggers import TRIGGERS
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.expression import parse, to_json
from brickwork.platform.expression.formula import parse_formula
from brickwork.platform.expression.printer import print_formula
from brickwork.platform.i18n import _, pick

MAX_ITEMS = 200  # formulas converted in one request: a rule has at most 50 actions


def trigger_names() -> dict[str, str]:
    return {"record.created": _("A record is created"), "record.updated": _("A record is updated"),
            "record.saved": _("A record is created or updated"),
            "record.deleted": _("A record is deleted"), "schedule": _("On a schedule"),
            "date_relative": _("Around a date (checked daily)"), "button": _("A button on the record page"),
            "webhook": _("An incoming webhook")}


def action_names() -> dict[str, str]:
    return {"create_record": _("Create a record"), "update_records": _("Update records"),
            "delete_records": _("Delete records"), "assign_owner": _("Assign an owner"),
            "notify": _("Notify people"), "wait": _("Wait")}


def reason_names() -> dict[str, str]:
    """Why a run stopped, skipped or failed (``rule_runs.reason``), in words."""
    return {"loop": _("Stopped: the rule's own change would have started it again."),
            "depth_limit": _("Stopped at the depth limit: %(n)s rules in a row had changed records.", n=DEPTH_LIMIT),
            "storm": _("Stopped: the rule ran too often on this record within a minute."),
            "condition": _("The condition did not hold."), "action": _("An action failed.")}


def catalog() -> dict[str, list[dict[str, Any]]]:
    """One entry per registered trigger and action, named where the page knows the name (a
    connector's own entries show their key and are edited as JSON settings)."""
    triggers, actions = trigger_names(), action_names()
    return {"triggers": [{"type": name, "name": triggers.get(name, name), "needs_form": entry.needs_form}
                         for name, entry in TRIGGERS.items()],
            "actions": [{"type": name, "name": actions.get(name, name), "needs_record": entry.needs_record}
                        for name, entry in ACTIONS.items()]}


def field_defs(body: dict[str, Any]) -> list[FieldDef]:
    found = []
    for data in body.get("fields") or []:
        try:
            found.append(FieldDef.model_validate(data))
        except ValidationError:
            continue
    return found


def form_meta(key: str, body: dict[str, Any]) -> dict[str, Any]:
    """A published form as the page's scripts want it: fields in the filter builder's shape."""
    return {"key": key, "label": pick(body.get("label") or {}) or key, "fields": [{
        "id": f.id, "key": f.key, "label": pick(f.label) or f.key, "type": f.type,
        "logical": REGISTRY[f.type].logical, "operators": list(REGISTRY[f.type].operators),
        "target": getattr(f, "target", None),
        "options": [{"id": o.id, "label": pick(o.label)} for o in f.options or []],
    } for f in field_defs(body)]}


def _text(value: Any, known: dict) -> str:
    """A stored value as formula text: an expression printed, a constant as its literal."""
    if is_expression(value):
        try:
            return print_formula(parse(value), known)
        except (Invalid, ValueError, TypeError, KeyError):
            return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False) if value is not None else ""


def texts(body: dict[str, Any], forms: dict[str, dict[str, Any]]) -> dict[str, str]:
    """``condition``, ``actions[i].text`` and ``actions[i].values.<key>`` as formula text over
    the trigger's form (refs by key or id both print with today's labels)."""
    trigger = body.get("trigger") if isinstance(body.get("trigger"), dict) else {}
    source = forms.get(trigger.get("form") or "")
    known = infos(field_defs(source)) if source else {}
    found = {}
    if body.get("condition") is not None:
        found["condition"] = _text(_by_id(body["condition"], source), known)
    for i, action in enumerate(a for a in body.get("actions") or [] if isinstance(a, dict)):
        if per_language(action.get("text")):  # a text per language: one formula each
            for locale, one in action["text"].items():
                found[f"actions[{i}].text.{locale}"] = _text(_by_id(one, source), known)
        elif "text" in action:
            found[f"actions[{i}].text"] = _text(_by_id(action["text"], source), known)
        for key, value in (action.get("values") or {}).items() if isinstance(action.get("values"), dict) else ():
            # "the manager of …" is a choice on the page, and the event's values are kept as
            # they are (rules_state.js): neither is a formula
            if manager_field(value) is None and event_value(value) is None and before_field(value) is None:
                found[f"actions[{i}].values.{key}"] = _text(_by_id(value, source), known)
    return found


def _by_id(data: Any, source: dict | None) -> Any:
    """Refs by key (as rules may be written) turned to ids, as the printer reads them."""
    if not source:
        return data
    ids = {f.get("key"): f.get("id") for f in source.get("fields") or [] if isinstance(f, dict)}
    if isinstance(data, dict):
        if isinstance(data.get("ref"), str) and data["ref"] in ids:
            return {**data, "ref": ids[data["ref"]]}
        return {k: _by_id(v, source) for k, v in data.items()}
    if isinstance(data, list):
        return [_by_id(v, source) for v in data]
    return data


def compile_texts(source: dict[str, Any] | None, items: Any) -> dict[str, Any]:
    """``[{"path", "text", "condition"?}]`` → ``{path: AST}``; every problem at once, each at
    ``$.<path>`` with its position in the text. An item with ``ast`` instead of ``text`` is
    printed back (``{path: text}`` under ``texts``)."""
    if not isinstance(items, list) or len(items) > MAX_ITEMS or not all(
            isinstance(i, dict) and isinstance(i.get("path"), str)
            and (isinstance(i.get("text"), str) or isinstance(i.get("ast"), dict)) for i in items):
        raise Invalid(_("The request is not valid."), errors=[
            FieldError("items", "type", _("List the formulas as path and text."))])
    known = infos(field_defs(source)) if source else {}
    found, printed, errors = {}, {}, []
    for item in items:
        if not isinstance(item.get("text"), str):
            printed[item["path"]] = _text(_by_id(item["ast"], source), known)
            continue
        try:
            node = parse_formula(item["text"], known, expect="boolean" if item.get("condition") else None)
        except Invalid as problem:
            errors += [replace(e, field=f"$.{item['path']}") for e in problem.errors]
            continue
        found[item["path"]] = to_json(node)
    if errors:
        raise Invalid(_("A formula is not valid."), errors=errors)
    return {"asts": found, "texts": printed}


def strings() -> dict[str, str]:
    """The page's texts (rules_designer.js and the shared filter builder and formula editor)."""
    return {**logic_strings(), **trigger_names(), **{f"a_{k}": v for k, v in action_names().items()},
            **{f"reason_{k}": v for k, v in reason_names().items()},
            "insert_field": _("Insert a field"), "name_zh": _("Name (Chinese)"), "name_en": _("Name (English)"),
            "field": _("Field"), "yes": _("Yes"), "no": _("No"), "search": _("Type to search"),
            "a_date": _("A date"), "today": _("Today"), "saved": _("Draft saved."), "published": _("Published."),
            "saving": _("Saving…"), "offline": _("The server cannot be reached. Try again."),
            "stale": _("Someone else saved this rule first. Reload the page."),
            "form": _("Form"), "choose_form": _("(choose a form)"), "watch": _("Only when these fields change"),
            "watch_hint": _("None ticked: any change."), "changed_from": _("Changed from"),
            "changed_to": _("Changed to"), "any_value": _("(any value)"),
            "frequency": _("How often"), "daily": _("Every day"), "weekdays": _("Every weekday"),
            "weekly": _("Every week on"), "monthly": _("Every month on day"), "hourly": _("Every hour"),
            "custom": _("Custom (cron)"), "at": _("At"), "minute": _("At minute"), "cron": _("Cron expression"),
            "days_local": _("Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday"),
            "date_field": _("Date field"), "offset": _("Days"), "before": _("before the date"),
            "after": _("after the date"), "use_condition": _("Use as the condition"),
            "date_hint": _("Checked once a day (at the time below): a record is acted on once when the "
                           "condition becomes true for it."),
            "button_hint": _("The button shows the rule's name on the record page of the form."),
            "roles": _("Who may press it"), "roles_hint": _("None ticked: everyone who may edit the record."),
            "webhook_url": _("Send a POST to this address"), "new_secret": _("New secret"),
            "webhook_hint": _("The secret in the address is the password: share it only with the sending system."),
            "trigger": _("When this happens"), "condition": _("Only when"), "no_condition": _("Always (no condition)"),
            "add_condition_button": _("Add a condition"), "remove_condition": _("Remove the condition"),
            "mode": _("Act"), "became_true": _("When the condition becomes true"),
            "whenever": _("Whenever the condition holds after a change"),
            "actions": _("Then"), "add_action": _("Add an action"), "remove": _("Remove"),
            "move": _("Drag to reorder"), "move_up": _("Move up"), "move_down": _("Move down"),
            "values": _("Set the fields"), "add_value": _("Set a field"),
            "value_hint": _('A formula over the trigger\'s record: {Name}, "text in quotes", 100.'),
            "target": _("Which records"), "target_trigger": _("The trigger's record"),
            "target_relation": _("The records linked by"), "text": _("Message"),
            "text_zh": _("Message (Chinese)"), "text_en": _("Message (English)"),
            "text_per_language": _("One message per language"),
            "to_owner": _("The record's owner"), "to_managers": _("The managers of the people in"),
            "by_formula": _("As a formula"), "manager_of": _("The manager of"),
            "to_fields": _("The people in"), "to_users": _("These people"),
            "owner_field": _("Person field"), "strategy": _("How"), "fixed": _("Always the first person"),
            "round_robin": _("In turn"), "least_loaded": _("Whoever has the fewest records"),
            "caller": _("Whoever pressed the button"), "to_roles": _("And the people holding these roles"),
            "cap": _("At most this many records each (empty: no limit)"),
            "wait_days": _("Days"), "wait_hours": _("Hours"), "wait_minutes": _("Minutes"),
            "settings_json": _("Settings (JSON)"), "bad_json": _("This is not valid JSON."),
            "run_as": _("Acts with the permissions of"), "run_as_author": _("Whoever publishes it"),
            "run_as_system": _("The system (all permissions)"), "run_on_bulk": _("Also for imports and bulk edits"),
            "enabled": _("Enabled"), "test_record": _("Record id"), "test": _("Test run"),
            "test_hint": _("Runs the published version on the record and shows what would happen; nothing is kept."),
            "test_publish_first": _("Publish the rule to test it."), "would": _("What would happen"),
            "status_succeeded": _("Succeeded"), "status_failed": _("Failed"), "status_skipped": _("Skipped"),
            "status_stopped": _("Stopped"), "status_waiting": _("Waiting"), "status_running": _("Running"),
            "runs": _("Run log"), "no_runs": _("The rule has not run yet."), "when": _("When"),
            "record": _("Record"), "outcome": _("Outcome"), "error": _("Error"), "retry": _("Retry"),
            "refresh": _("Refresh"), "not_valid": _("The rule cannot be published; see the marked parts."),
            "no_forms": _("Publish a form first: a rule acts on records of the app's forms."),
            }
