"""What the rules engine registers with the jobs floor: the record-event subscriber, the
schedule task (cron and sweep rules), the task resuming a run after a wait, and the
webhook deliveries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.form.forms import load_form
from brickwork.engines.rules.engine import handle_event, pinned_rule, snapshot, start
from brickwork.engines.rules.flows import TOPICS as FLOW_TOPICS
from brickwork.engines.rules.pauses import is_paused
from brickwork.engines.rules.sweeps import sweep
from brickwork.platform import generation
from brickwork.platform.definitions.store import PUBLISHED
from brickwork.platform.jobs import Event, Retry, RunContext, remove_schedule, set_schedule, subscribe, task
from brickwork.platform.models import App, Definition

SUBSCRIBER = "rules"
SCHEDULE = "rules.schedule"
RESUME = "rules.resume"
WEBHOOK_TOPIC = "rule.webhook"
RETRY = Retry(attempts=4, base=5.0)  # deadlocks and the like: the whole delivery again


def on_event(session: Session, event: Event) -> None:
    if event.topic == WEBHOOK_TOPIC:
        payload = event.payload
        live = pinned_rule(session, payload["app"], payload["rule"])
        if live is not None and live.body.enabled and live.body.trigger.type == "webhook" \
                and not is_paused(session, payload["app"], payload["rule"]):
            start(session, payload["app"], live, payload.get("delivery") or event.key, "webhook", None,
                  {"body": payload.get("body")})
        return
    handle_event(session, event.topic, event.key, event.payload)


def on_schedule(session: Session, args: dict[str, Any], ctx: RunContext) -> None:
    live = pinned_rule(session, args["app"], args["rule"])
    if live is None or not live.body.enabled or is_paused(session, args["app"], args["rule"]):
        return
    if live.body.trigger.type == "date_relative":
        sweep(session, args["app"], live)
    else:
        start(session, args["app"], live, ctx.idempotency_key, "schedule", None, {"source": "schedule"})


def on_resume(session: Session, args: dict[str, Any], ctx: RunContext) -> None:
    """The actions after a wait, with the rule's version the run started with."""
    live = pinned_rule(session, args["app"], args["rule"], args["version"])
    if live is None or is_paused(session, args["app"], args["rule"]):
        return
    seen = None
    if args.get("form") and args.get("record_id") is not None:
        seen = snapshot(session, load_form(session, args["app"], args["form"]), args["record_id"])
    start(session, args["app"], live, f"{args['event_key']}#{args['from']}", "resume", seen, {},
          depth=args.get("depth", 0), chain=args.get("chain") or [], first_action=args["from"])


def schedule_key(app: str, rule: str) -> str:
    return f"rule:{app}:{rule}"


def keep_schedule(session: Session, app: str, rule: str, cron: str | None) -> None:
    """A live, enabled rule with a schedule has its row in the schedules table; otherwise none."""
    if cron:
        set_schedule(session, schedule_key(app, rule), SCHEDULE, cron, {"app": app, "rule": rule}, app=app)
    else:
        remove_schedule(session, schedule_key(app, rule))


_live = generation.Cache()


def has_live_rules(session: Session, app: str | None, form: str | None = None) -> bool:
    """Only the forms a published rule is triggered on get deliveries (``handle_event`` runs
    a rule on its trigger's form only), and events of no form (webhooks) only apps with a
    published rule: other writes make no jobs. Kept per app generation, which every publish
    renews (platform/generation.py)."""
    if app is None:
        return False
    forms = _live.get(session, app, lambda: _trigger_forms(session, app))
    return forms is not None and (form is None or form in forms)


def _trigger_forms(session: Session, app: str) -> frozenset[str] | None:
    """The forms the app's published rules (any version: a superset is safe) are triggered
    on; None when it has no published rule."""
    bodies = session.scalars(select(Definition.body).join(App, App.id == Definition.app_id)
                             .where(App.key == app, Definition.kind == "rule", Definition.state == PUBLISHED)).all()
    if not bodies:
        return None
    return frozenset(str(body["trigger"]["form"]) for body in bodies
                     if isinstance(body.get("trigger"), dict) and body["trigger"].get("form"))


subscribe(SUBSCRIBER, ("record.created", "record.updated", "record.deleted", WEBHOOK_TOPIC, *FLOW_TOPICS),
          on_event, retry=RETRY,
          wanted=has_live_rules)
task(SCHEDULE, on_schedule, retry=RETRY)
task(RESUME, on_resume, retry=RETRY)
