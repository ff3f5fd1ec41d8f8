"""What people do with rules besides publishing them: press a rule's button on a record,
test a rule on a record without keeping anything, read the run log per rule and per
record, retry a failed run, and send a webhook to a rule."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.rules.definition import RuleDefinition
from brickwork.engines.rules.engine import LiveRule, live_rules, pinned_rule, snapshot, start
from brickwork.engines.rules.pauses import is_paused
from brickwork.engines.rules.tasks import WEBHOOK_TOPIC
from brickwork.platform.db import utcnow
from brickwork.platform.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import Role, RuleRun, UserRole, WebhookReceipt
from brickwork.platform.outbox import emit

MAX_PAGE = 200
# Checks of an incoming webhook before it is queued, ``check(session, app, live_rule, headers,
# raw_body)``: connectors add theirs (the Standard Webhooks signature); one raises to refuse it.
HOOK_CHECKS: list[Callable[[Session, str, LiveRule, dict[str, str], bytes], None]] = []


def the_rule(session: Session, app: str, key: str, version: int | None = None) -> LiveRule:
    live = pinned_rule(session, app, key, version)
    if live is None:
        raise NotFound(_("The app %(app)s has no published rule %(rule)s.", app=app, rule=key))
    return live


def _may_press(session: Session, live: LiveRule, who: Principal) -> bool:
    if who.is_admin or not live.body.roles:
        return True
    held = session.scalar(select(func.count()).select_from(UserRole).join(Role, Role.id == UserRole.role_id)
                          .where(UserRole.user_id == who.user_id, Role.key.in_(live.body.roles)))
    return bool(held)


def press(session: Session, app: str, form: str, record_id: int, key: str, who: Principal) -> RuleRun:
    """A rule's button on a record: the run happens now, as the person who pressed it (or as
    the system, for a rule run as the system)."""
    live = the_rule(session, app, key)
    rule = live.body
    if rule.trigger.type != "button" or rule.trigger.form != form or not rule.enabled:
        raise Conflict(_("This rule is not a button on this form."))
    if not _may_press(session, live, who):
        raise Forbidden(_("Your roles may not run this rule."))
    if is_paused(session, app, key):
        raise Conflict(_("This rule is paused: it ran too often. An app administrator can switch it on again."))
    the_form = load_form(session, app, form)
    RecordService(session, the_form, who).get(record_id)  # the presser must see the record
    seen = snapshot(session, the_form, record_id)
    # As the presser; a rule run as the system (a claim on a record the presser may not
    # change themselves) acts as the system once the presser passed the checks above.
    return start(session, app, live, f"button:{uuid.uuid4().hex}", "button", seen,
                 {"source": "ui", "actor": who.user_id}, who=None if rule.run_as == "system" else who)


def test_run(session: Session, app: str, key: str, record_id: int | None, who: Principal) -> RuleRun:
    """What the rule would do on the record, done in a savepoint that is rolled back: the
    outcome of each action, nothing kept (the run is not logged)."""
    live = the_rule(session, app, key)
    seen = None
    if live.body.trigger.form:
        if record_id is None:
            raise Invalid(_("The request is not valid."), errors=[FieldError(
                "record", "required", _("Choose the record to test the rule on."))])
        the_form = load_form(session, app, live.body.trigger.form)
        RecordService(session, the_form, who).get(record_id)
        seen = snapshot(session, the_form, record_id)
    return start(session, app, live, f"test:{uuid.uuid4().hex}", "test", seen, {"source": "test"}, dry=True)


def list_runs(session: Session, app: str, *, rule: str | None = None, form: str | None = None,
              record_id: int | None = None, before: int | None = None, limit: int = 50
              ) -> tuple[list[RuleRun], int | None]:
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "limit", "range", _("Give a number from 1 to %(max)s.", max=MAX_PAGE))])
    query = select(RuleRun).where(RuleRun.app == app).order_by(RuleRun.id.desc()).limit(limit + 1)
    if rule:
        query = query.where(RuleRun.rule == rule)
    if form:
        query = query.where(RuleRun.form == form, RuleRun.record_id == record_id)
    if before:
        query = query.where(RuleRun.id < before)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)


def retry(session: Session, app: str, key: str, run_id: int) -> RuleRun:
    """A failed run again, with the rule version it pinned, on the record as it is now.
    (A run that failed for a reason outside the rule, a deadlock say, is retried by the jobs
    floor by itself, and from its dead letters.)"""
    failed = session.get(RuleRun, run_id)
    if failed is None or failed.app != app or failed.rule != key or failed.test:
        raise NotFound(_("There is no such run."))
    if failed.status != "failed":
        raise Conflict(_("Only a failed run can be retried."))
    live = the_rule(session, app, key, failed.rule_version)
    seen = None
    if failed.form and failed.record_id is not None:
        seen = snapshot(session, load_form(session, app, failed.form), failed.record_id)
    tries = session.scalar(select(func.count()).select_from(RuleRun).where(
        RuleRun.app == app, RuleRun.rule == key, RuleRun.event_key.like(f"{failed.event_key}#retry%")))
    return start(session, app, live, f"{failed.event_key}#retry{tries + 1}", failed.trigger, seen,
                 dict(failed.inputs or {}), depth=failed.depth)


def receive_hook(session: Session, app: str, key: str, secret: str, body: Any, delivery: str | None,
                 headers: dict[str, str] | None = None, raw: bytes = b"") -> tuple[str, bool]:
    """An incoming webhook: checked against the rule's secret (and its signature, when the
    rule asks for one), queued in the caller's transaction, answered once that commits.
    A delivery id (``webhook-id`` or ``X-Delivery-Id``) seen before for this rule is not
    queued again: returns the event key and whether it was such a duplicate."""
    live = pinned_rule(session, app, key)
    wanted = (live.body.trigger.model_extra or {}).get("secret", "") if live else ""
    if live is None or live.body.trigger.type != "webhook" or not live.body.enabled or not wanted \
            or not hmac.compare_digest(str(wanted).encode(), secret.encode()):
        raise NotFound(_("There is no such webhook."))
    for check in HOOK_CHECKS:
        check(session, app, live, headers or {}, raw)
    event_key = uuid.uuid4().hex
    if delivery:
        delivery = delivery[:120]
        upsert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        taken = session.execute(upsert(WebhookReceipt.__table__).on_conflict_do_nothing().returning(
            WebhookReceipt.id), [{"app": app, "rule": key, "delivery_id": delivery, "event_key": event_key,
                                   "received_at": utcnow()}]).first()
        if taken is None:  # a concurrent twin waited on the unique index until the first committed
            return session.scalar(select(WebhookReceipt.event_key).where(
                WebhookReceipt.app == app, WebhookReceipt.rule == key, WebhookReceipt.delivery_id == delivery)), True
    emit(session, WEBHOOK_TOPIC, {"app": app, "rule": key, "body": body,
                                  "delivery": f"hook:{delivery}" if delivery else None},
         key=event_key, order_key=f"{app}/rule/{key}")
    return event_key, False


def run_view(run: RuleRun) -> dict[str, Any]:
    return {"id": run.id, "rule": run.rule, "rule_version": run.rule_version, "trigger": run.trigger,
            "event": run.event_key, "form": run.form, "record": run.record_id, "depth": run.depth,
            "status": run.status, "reason": run.reason, "inputs": run.inputs, "actions": run.actions,
            "error": run.error, "test": run.test,
            "started_at": run.started_at.isoformat() + "Z" if run.started_at else None,
            "duration_ms": run.duration_ms}


def buttons(session: Session, app: str, form: str, who: Principal) -> list[RuleDefinition]:
    """The live, enabled button rules of a form that the person may press (the record page's buttons)."""
    return [live.body for live in live_rules(session, app)
            if live.body.trigger.type == "button" and live.body.trigger.form == form and live.body.enabled
            and _may_press(session, live, who)]
