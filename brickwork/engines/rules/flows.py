"""Flows in rules: the trigger ``flow`` on the flow engine's events, and the action
``start_flow`` that submits the trigger's record to a flow (docs/rules.md).

The trigger's record is the instance's record; ``events`` names the flow events that fire
it (``flow.instance.approved``, ``flow.task.created``, ...) and ``flow`` optionally one flow.
``start_flow`` submits as the rule's run-as user through the flow engine's service, and the
submit's events carry the run's causation chain, so loop protection applies as to a write.
"""

from __future__ import annotations

from typing import Any

from brickwork.engines.flow import service as flows
from brickwork.engines.rules.actions import ActionType, register
from brickwork.engines.rules.context import Run
from brickwork.engines.rules.definition import Trigger
from brickwork.engines.rules.triggers import TriggerType
from brickwork.engines.rules.triggers import register as register_trigger
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _

# The events the flow engine emits (engines/flow/engine.py, actions.py, service.py).
TOPICS = ("flow.instance.submitted", "flow.instance.approved", "flow.instance.rejected",
          "flow.instance.withdrawn", "flow.instance.terminated", "flow.instance.returned",
          "flow.instance.resubmitted", "flow.task.created", "flow.task.closed", "flow.task.transferred",
          "flow.task.timed_out", "flow.node.activated", "flow.node.completed", "flow.urged")


def _extra(trigger: Trigger, name: str) -> Any:
    return (trigger.model_extra or {}).get(name)


def fires(trigger: Trigger, payload: dict[str, Any]) -> bool:
    flow = _extra(trigger, "flow")
    return payload.get("topic") in (_extra(trigger, "events") or ()) and (not flow or payload.get("flow") == flow)


def check(trigger: Trigger) -> list[FieldError]:
    events = _extra(trigger, "events")
    if not isinstance(events, list) or not events or any(e not in TOPICS for e in events):
        return [FieldError("$.trigger.events", "choice", _("Give a list of: %(choices)s.", choices=", ".join(TOPICS)))]
    if _extra(trigger, "flow") is not None and not isinstance(_extra(trigger, "flow"), str):
        return [FieldError("$.trigger.flow", "type", _("Give the key of a flow."))]
    return []


def start_flow(run: Run, settings: dict[str, Any]) -> dict[str, Any]:
    if run.deleted:
        return {"status": "skipped", "warning": "record_deleted"}
    shape = flows.load_flow(run.session, run.app, str(settings["flow"]))
    if run.form is None or shape.flow.form != run.form.key:
        raise Invalid(_("The action is not valid."), errors=[FieldError("flow", "form", _(
            "The flow %(flow)s is not for this rule's form.", flow=settings["flow"]))])
    body = {"record_id": run.record_id, **({"comment": str(settings["comment"])} if settings.get("comment") else {})}
    instance = flows.start(run.session, run.app, str(settings["flow"]), body, run.who,
                           causation={"rules": [*run.chain, run.rule.key], "depth": run.depth + 1})
    return {"flow": settings["flow"], "instance": instance.id}


def _check_start(settings: dict[str, Any]) -> list[FieldError]:
    if not isinstance(settings.get("flow"), str) or not settings["flow"]:
        return [FieldError("flow", "required", _("Give the key of a flow."))]
    return []


register_trigger(TriggerType("flow", TOPICS, fires=fires, check=check))
register(ActionType("start_flow", start_flow, _check_start, needs_record=True))
