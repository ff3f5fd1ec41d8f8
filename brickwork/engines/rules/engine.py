"""Running rules: the event subscriber, one run of one rule, and the run log.

Guarantees (docs/decisions/0023-rules-engine.md): events arrive at least once from the
outbox and the subscriber's receipt commits with the runs, so each (rule, event) is
applied once (the run log's unique index says so again); jobs of one record are
serialised, so runs are in order per record; a run stops, visibly, when its event's
causation chain already holds the rule, at the depth limit, or when one rule runs too
often on one record (the storm guard).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.forms import Form, load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.storage import has_column
from brickwork.engines.rules.actions import ACTIONS, Paused
from brickwork.engines.rules.context import Run
from brickwork.engines.rules.definition import RuleDefinition
from brickwork.engines.rules.pauses import after_storm, paused
from brickwork.engines.rules.triggers import TRIGGERS, for_topic
from brickwork.platform.db import utcnow
from brickwork.platform.errors import BrickworkError
from brickwork.platform.identity.users import PRINCIPAL_COLUMNS, Principal
from brickwork.platform.models import App, Definition, RuleRun, User

DEPTH_LIMIT = 8  # events this many rule runs deep start no more runs
STORM_RUNS, STORM_WINDOW = 30, timedelta(seconds=60)  # runs of one rule on one record
BULK_SOURCES = ("import", "bulk")
ERROR_CHARS = 4000


@dataclass(frozen=True)
class LiveRule:
    body: RuleDefinition
    version: int
    author: int | None


_parsed: dict[tuple[int, Any], RuleDefinition] = {}


def _model(definition_id: int, published_at: Any, body: dict | None) -> RuleDefinition | None:
    """A published version never changes: each is parsed once per process (known by its
    row and publication time, which a database made anew does not repeat together).
    Without its body: the parsed one, or None when this process has not seen it yet."""
    found = _parsed.get((definition_id, published_at))
    if found is None and body is not None:
        found = _parsed[(definition_id, published_at)] = RuleDefinition.model_validate(body)
    return found


def live_rules(session: Session, app_key: str) -> list[LiveRule]:
    """The live version of each rule of the app, in run order (``order``, then key). Asked on
    every record event: the bodies are read only for versions this process has not parsed."""
    rows = session.execute(select(Definition.id, Definition.published_at, Definition.key, Definition.version,
                                  Definition.published_by).join(App, App.id == Definition.app_id)
                           .where(App.key == app_key, Definition.kind == "rule", Definition.state == "published")
                           .order_by(Definition.key, Definition.version.desc()))
    latest = {}
    for definition_id, published_at, key, version, author in rows:
        latest.setdefault(key, (definition_id, published_at, version, author))
    unparsed = [d for d, at, _v, _a in latest.values() if _model(d, at, None) is None]
    bodies = dict(session.execute(select(Definition.id, Definition.body).where(Definition.id.in_(unparsed))).all()) \
        if unparsed else {}
    found = [LiveRule(_model(d, at, bodies.get(d)), version, author)  # type: ignore[arg-type]
             for d, at, version, author in latest.values()]
    return sorted(found, key=lambda r: (r.body.order, r.body.key))


def pinned_rule(session: Session, app_key: str, key: str, version: int | None = None) -> LiveRule | None:
    """A rule's live version, or the version a run pinned."""
    query = select(Definition.id, Definition.published_at, Definition.version, Definition.body,
                   Definition.published_by) \
        .join(App, App.id == Definition.app_id) \
        .where(App.key == app_key, Definition.kind == "rule", Definition.key == key, Definition.state == "published")
    query = query.where(Definition.version == version) if version else query.order_by(Definition.version.desc())
    row = session.execute(query.limit(1)).first()
    return None if row is None else LiveRule(_model(row[0], row[1], row[3]), row[2], row[4])


def acting_as(session: Session, live: LiveRule) -> Principal:
    """Who the rule's actions act as: its author (who published it), or the system (an
    administrator's rights, the author's name on what it writes). A rule nobody published
    (a template installed from the command line) in an installation with no administrator
    yet (a first start) writes as nobody: no user is named on what it does."""
    author = live.author or session.scalar(select(User.id).where(User.is_admin.is_(True)).order_by(User.id).limit(1))
    row = session.execute(select(*PRINCIPAL_COLUMNS).where(User.id == author)).first() if author else None
    if live.body.run_as == "system" or row is None:
        return Principal(author, "system", "system", True, "rule")  # type: ignore[arg-type]
    return Principal.of(row, "rule")


@dataclass
class Snapshot:
    """The trigger's record as the event saw it: logical values after and before."""

    form: Form
    record_id: int
    values: dict[str, Any]
    prior: dict[str, Any] | None
    owner_id: int | None
    deleted: bool


def snapshot(session: Session, form: Form, record_id: int, payload: dict[str, Any] | None = None) -> Snapshot | None:
    service = RecordService(session, form, Principal(0, "system", "system", True, "rule"))
    t = form.table
    row = service.db.execute(select(t).where(t.c.id == record_id)).first()
    if row is None:
        return None
    values = service.logical(row)
    payload = payload or {}
    prior = None
    if payload.get("before"):  # an update: the fields it changed, as they were
        prior = dict(values)
        _overlay(form, prior, payload["before"])
    _overlay(form, values, payload.get("after") or {})
    return Snapshot(form, record_id, values, prior, row.owner_id, row.deleted_at is not None)


def _overlay(form: Form, values: dict[str, Any], api_values: dict[str, Any]) -> None:
    """The event's values over the stored ones: the record as it was at that event, for the
    fields the event names (later events may have changed the stored row)."""
    for key, value in api_values.items():
        f = form.by_key.get(key)
        if f is None or not has_column(f) or REGISTRY[f.type].system:
            continue
        try:
            values[f.id] = REGISTRY[f.type].parse(f, value)
        except (ValueError, TypeError):
            continue


def handle_event(session: Session, topic: str, key: str, payload: dict[str, Any]) -> list[RuleRun]:
    """Every live rule a record event fires, in order, each on the same snapshot."""
    app, form_key = payload.get("app"), payload.get("form")
    names = for_topic(topic)
    if not app or not form_key or not names or payload.get("rules") is False:
        return []
    rules = [r for r in live_rules(session, app) if r.body.enabled and r.body.trigger.type in names
             and r.body.trigger.form == form_key]
    if rules:
        stopped = paused(session, app)
        rules = [r for r in rules if r.body.key not in stopped]
    rules = [r for r in rules if r.body.run_on_bulk or payload.get("source") not in BULK_SOURCES]
    rules = [r for r in rules if TRIGGERS[r.body.trigger.type].fires(r.body.trigger, {**payload, "topic": topic})]
    if not rules:
        return []
    form = load_form(session, app, form_key)
    seen = snapshot(session, form, int(payload["id"]), payload)
    if seen is None:
        return []
    causation = payload.get("causation") or {}
    return [start(session, app, live, key, topic, seen, payload, depth=int(causation.get("depth", 0)),
                  chain=list(causation.get("rules", []))) for live in rules]


def start(session: Session, app: str, live: LiveRule, event_key: str, trigger: str, seen: Snapshot | None,
          inputs: dict[str, Any] | None = None, *, depth: int = 0, chain: list[str] | None = None,
          who: Principal | None = None, dry: bool = False, first_action: int = 0) -> RuleRun:
    """One run of one rule: the guards, the condition, the actions, the run-log row."""
    rule, chain = live.body, chain or []
    started, clock = utcnow(), time.monotonic()
    run = Run(session, app, rule, live.version, who or acting_as(session, live), event_key, depth=depth,
              chain=chain, dry=dry, payload=(inputs or {}).get("body") or {}, actor=(inputs or {}).get("actor"))
    if seen is not None:
        run.form, run.record_id, run.values, run.prior = seen.form, seen.record_id, seen.values, seen.prior
        run.owner_id, run.deleted = seen.owner_id, seen.deleted
        run.seen = dict(seen.values)  # actions change run.values (assign_owner); this stays
    log = RuleRun(app=app, rule=rule.key, rule_version=live.version, event_key=event_key, trigger=trigger,
                  form=run.form.key if run.form else None, record_id=run.record_id, depth=depth,
                  status="running", inputs=_inputs(inputs), actions=[], test=dry, started_at=started)
    if not dry:
        existing = session.scalar(select(RuleRun).where(RuleRun.app == app, RuleRun.rule == rule.key,
                                                        RuleRun.event_key == event_key))
        if existing is not None:  # applied before: never twice
            return existing
    status, reason, error = _guard(session, run)
    if status is None:
        status, reason, error = _act(run, first_action)
    log.status, log.reason, log.error, log.actions = status, reason, error, run.outcomes
    log.duration_ms = int((time.monotonic() - clock) * 1000)
    if not dry:
        session.add(log)
        session.flush()
        if reason == "storm":
            log.error = after_storm(session, app, rule.key, live.version, live.author)
    return log


def _inputs(inputs: dict[str, Any] | None) -> dict[str, Any]:
    kept = ("source", "actor", "before", "after", "changed", "causation", "body")
    return {k: v for k, v in (inputs or {}).items() if k in kept}


def _guard(session: Session, run: Run) -> tuple[str | None, str | None, str | None]:
    """The condition, then loop protection: (status, reason, error) when the run stops here.
    A rule whose condition is false is skipped whatever the chain; one that would act is
    stopped if the chain holds it already, at the depth limit, or in a storm."""
    try:
        holds = run.condition(run.rule.condition)
        if holds and run.prior is not None and run.rule.condition is not None and run.rule.mode == "became_true":
            holds = not run.condition(run.rule.condition, run.prior)
    except BrickworkError as exc:
        return "failed", "condition", _message(exc)
    if not holds:
        return "skipped", "condition", None
    if run.rule.key in run.chain:
        return "stopped", "loop", None
    if run.depth >= DEPTH_LIMIT:
        return "stopped", "depth_limit", None
    if run.record_id is not None and not run.dry:
        recent = session.scalar(select(func.count()).select_from(RuleRun).where(
            RuleRun.app == run.app, RuleRun.rule == run.rule.key, RuleRun.form == run.form.key,
            RuleRun.record_id == run.record_id, RuleRun.status.in_(("succeeded", "failed", "waiting")),
            RuleRun.started_at > utcnow() - STORM_WINDOW))
        if recent >= STORM_RUNS:
            return "stopped", "storm", None
    return None, None, None


def _act(run: Run, first: int) -> tuple[str, str | None, str | None]:
    """The actions in order, in one savepoint: all of a run's writes, or none. A refusal
    (validation, permission, conflict) fails the run without retrying; anything else is
    raised, and the jobs floor retries the whole delivery."""
    savepoint = run.session.begin_nested()
    try:
        for index, action in enumerate(run.rule.actions[first:], start=first):
            settings = dict(action.model_extra or {})
            outcome = {"index": index, "type": action.type, "settings": settings}
            run.outcomes.append(outcome)
            entry = ACTIONS.get(action.type)
            if entry is None:
                raise _Refused(f"unknown action {action.type}")
            try:
                output = entry.run(run, settings)
            except Paused as paused:
                outcome.update(status="waiting", output=paused.args[0])
                break
            outcome.update(status=output.pop("status", "succeeded"), output=output)
    except (BrickworkError, _Refused, KeyError) as exc:
        savepoint.rollback()
        if run.outcomes:
            run.outcomes[-1].update(status="failed", error=_message(exc))
        return "failed", "action", _message(exc)
    except BaseException:
        savepoint.rollback()
        raise
    if run.dry:
        savepoint.rollback()
    else:
        savepoint.commit()
    waiting = run.outcomes and run.outcomes[-1].get("status") == "waiting"
    return ("waiting" if waiting else "succeeded"), None, None


class _Refused(Exception):
    pass


def _message(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"unknown key {exc.args[0]}"[:ERROR_CHARS]
    return str(exc)[:ERROR_CHARS]
