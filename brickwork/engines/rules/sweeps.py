"""Date-relative rules as set-based sweeps (engine-semantics §2.6): a scheduled sweep
compiles the rule's condition to SQL over the form's table, clears the markers of records
that no longer match (re-arming the rule for them) in one statement, then marks the newly
matching records one statement per batch and starts one run per record marked. Never a
job per record waiting for its day."""

from __future__ import annotations

from sqlalchemy import delete, exists, insert, literal, select
from sqlalchemy.orm import Session

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.rules.engine import LiveRule, acting_as, snapshot, start
from brickwork.platform.db import utcnow
from brickwork.platform.models import RuleMatch

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
        for record_id in ids:
            seen = snapshot(session, form, record_id)
            start(session, app, live, f"match:{record_id}@{moment.isoformat()}", "date_relative", seen,
                  {"source": "sweep"}, who=who)
    return {"cleared": cleared, "marked": marked}

