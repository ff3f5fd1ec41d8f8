"""Date-relative rules as set-based sweeps (engine-semantics §2.6): a scheduled sweep
compiles the rule's condition to SQL over the form's table, clears the markers of records
that no longer match (re-arming the rule for them) in one statement, then marks the newly
matching records one statement per batch and starts one run per record marked. Never a
job per record waiting for its day."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, insert, literal, select
from sqlalchemy.orm import Session

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.rules.context import is_expression
from brickwork.engines.rules.engine import LiveRule, acting_as, snapshot, start
from brickwork.platform.db import utcnow
from brickwork.platform.errors import BrickworkError
from brickwork.platform.models import RuleMatch, RuleRun

BATCH = 5000


def sweep(session: Session, app: str, live: LiveRule, batch: int = BATCH) -> dict[str, int]:
    """Returns how many markers were cleared and how many records were marked (and run)."""
    rule = live.body
    form = load_form(session, app, rule.trigger.form)
    who = acting_as(session, live)
    service = RecordService(session, form, who)
    t, m = form.table, RuleMatch.__table__
    matching = t.c.deleted_at.is_(None)
    if rule.condition is not None:
        matching = matching & service.compile_condition(rule.condition, check_readable=False)
    mine = (m.c.app == app) & (m.c.rule == rule.key)
    cleared = session.execute(delete(m).where(mine, ~exists(select(t.c.id).where(
        t.c.id == m.c.record_id, matching))).execution_options(synchronize_session=False)).rowcount
    marked, after, moment = 0, 0, utcnow()
    constants = set_wise_values(live)
    while True:
        picked = (select(literal(app), literal(rule.key), t.c.id, literal(""), literal(moment))
                  .where(t.c.id > after, matching, ~exists(select(m.c.id).where(mine, m.c.record_id == t.c.id)))
                  .order_by(t.c.id).limit(batch))
        ids = sorted(session.execute(insert(m).from_select(
            ["app", "rule", "record_id", "window", "matched_at"], picked).returning(m.c.record_id)).scalars())
        if not ids:
            break
        marked += len(ids)
        after = ids[-1]
        if constants is not None:
            _set_wise(session, app, live, who, form, ids, constants, moment)
            continue
        for record_id in ids:
            seen = snapshot(session, form, record_id)
            start(session, app, live, f"match:{record_id}@{moment.isoformat()}", "date_relative", seen,
                  {"source": "sweep"}, who=who)
    return {"cleared": cleared, "marked": marked}



def set_wise_values(live: LiveRule) -> dict[str, Any] | None:
    """The values of a rule whose every action sets constants on the matched record (the
    "no follow-up for 30 days → public pool" kind): such a sweep writes each batch with one
    UPDATE through the record service. None: the rule runs record by record."""
    values: dict[str, Any] = {}
    for action in live.body.actions:
        settings = action.model_extra or {}
        mapping = settings.get("values")
        if action.type != "update_records" or settings.get("target", "trigger") != "trigger" \
                or not isinstance(mapping, dict) or any(is_expression(v) for v in mapping.values()):
            return None
        values.update(mapping)
    return values or None


def _set_wise(session: Session, app: str, live: LiveRule, who, form, ids: list[int], values: dict[str, Any],
              moment) -> None:
    """One batch of a constant-setting sweep: one write for the records, one for their runs.
    A refusal fails the batch's runs, with the error, and writes nothing."""
    service = RecordService(session, form, who)
    service.source = "rule"
    service.causation = {"rules": [live.body.key], "depth": 1}
    savepoint = session.begin_nested()
    try:
        changed = set(service.set_many(ids, values))
        status, error = "succeeded", None
        savepoint.commit()
    except BrickworkError as exc:
        savepoint.rollback()
        changed, status, error = set(), "failed", str(exc)
    session.execute(insert(RuleRun.__table__), [
        {"app": app, "rule": live.body.key, "rule_version": live.version,
         "event_key": f"match:{rid}@{moment.isoformat()}",
         "trigger": "date_relative", "form": form.key, "record_id": rid, "depth": 0, "status": status, "reason": None,
         "inputs": {"source": "sweep"}, "error": error, "test": False, "started_at": moment, "duration_ms": 0,
         "actions": [{"index": i, "type": a.type, "settings": dict(a.model_extra or {}),
                      "status": status if rid in changed or status == "failed" else "unchanged"}
                     for i, a in enumerate(live.body.actions)]} for rid in ids])
