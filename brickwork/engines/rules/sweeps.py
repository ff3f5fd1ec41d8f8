"""Date-relative rules as set-based sweeps (engine-semantics §2.6, decisions 0023, 0036,
0051): a scheduled sweep compiles the rule's condition to SQL over the form's table, clears
in one statement the marks of records that no longer match or whose date moved (re-arming
the rule for them), then takes the unmarked matching records a batch at a time. A record's
mark is in its own row (the form engine's marks.py), so a rule that only sets constants
writes each batch's values and marks in one ``UPDATE`` and logs one run per batch (on
PostgreSQL, when nobody needs an event per record, UPDATE, marks, audit, event and run row
are ONE statement per batch); any other rule marks the batch and starts one run per record
marked. Never a job per record waiting for its day."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from brickwork.engines.form import many_sql, marks
from brickwork.engines.form.forms import Form, load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.storage import column_name
from brickwork.engines.rules.context import is_expression
from brickwork.engines.rules.engine import LiveRule, acting_as, live_rules, snapshot, start
from brickwork.engines.rules.triggers import for_topic
from brickwork.platform import clock
from brickwork.platform.db import utcnow
from brickwork.platform.errors import BrickworkError
from brickwork.platform.models import RuleRun

BATCH = 5000  # records per batch: 50,000 was no faster at 1M on PostgreSQL (PERFORMANCE.md)
DATES = ("date", "datetime")
AFTER = "sweep_after"  # the one-statement batch's parameter: the last id of the batch before


def sweep(session: Session, app: str, live: LiveRule, batch: int = BATCH) -> dict[str, int]:
    """Returns how many marks were cleared and how many records were marked (and run)."""
    rule = live.body
    form = load_form(session, app, rule.trigger.form)
    who = acting_as(session, live)
    service = RecordService(session, form, who)
    t, dialect = form.table, session.get_bind().dialect.name
    matching = t.c.deleted_at.is_(None)
    if rule.condition is not None:
        matching = matching & service.compile_condition(rule.condition, check_readable=False)
    yearly = _yearly(form, live)
    if yearly is not None:
        matching = matching & yearly
    window = _window(form, live)
    same = literal("") if window is None else window
    mark = marks.mark_of(t, rule.key)
    # Re-arm: the marks of records that no longer match, or whose date moved. A mark of ""
    # on a rule with a date comes from before marks were keyed by the date: it stands for
    # the record's date, whatever it is (it is cleared when the record stops matching).
    kept = matching & or_(mark == same, mark == "")
    cleared = session.execute(update(t).where(mark.is_not(None), case((kept, False), else_=True))
                              .values({marks.COLUMN: marks.unmarked(t, rule.key, dialect)})
                              .execution_options(synchronize_session=False)).rowcount
    unmarked = matching & marks.unmarked_by(t, rule.key, dialect)  # after the re-arming, every mark left is current
    marking = {marks.COLUMN: marks.marked(t, rule.key, same, dialect)}
    constants = set_wise_values(live)
    compact = constants is not None and not _listened(session, app, form.key)
    writer = RecordService(session, form, who)  # one for every batch: the form's graph is read once
    writer.source, writer.causation = "rule", {"rules": [rule.key], "depth": 1}
    moment = utcnow()
    whole = _batch_statement(app, live, writer, unmarked, marking, constants, moment, batch) \
        if compact and dialect == "postgresql" else None
    if whole is not None:  # PostgreSQL: one statement per batch, only counts come back
        return {"cleared": cleared, "marked": _run_batches(session, whole)}
    marked, after = 0, 0
    while True:
        # The batch: the next `batch` unmarked matching records by id. Bounded by their id
        # range, the batch is a range of the primary key, read in id order.
        ids = list(session.scalars(select(t.c.id).where(t.c.id > after, unmarked).order_by(t.c.id).limit(batch)))
        if not ids:
            break
        in_batch = (t.c.id > after) & (t.c.id <= ids[-1]) & unmarked
        after = ids[-1]
        if constants is not None:
            marked += _set_wise(session, app, live, writer, ids, in_batch, constants, marking, moment, compact)
            continue
        fired = sorted(session.execute(update(t).where(in_batch).values(marking).returning(t.c.id)
                                       .execution_options(synchronize_session=False)).scalars().all())
        marked += len(fired)
        for record_id in fired:
            seen = snapshot(session, form, record_id)
            start(session, app, live, f"match:{record_id}@{moment.isoformat()}", "date_relative", seen,
                  {"source": "sweep"}, who=who)
    return {"cleared": cleared, "marked": marked}


def _run_batches(session: Session, whole: Select) -> int:
    """Run the one-statement batch until no batch is left; how many records it marked."""
    marked, after = 0, 0
    while True:
        upto, found = session.execute(whole, {AFTER: after, many_sql.NOW: utcnow(),
                                              many_sql.EVENT_KEY: uuid.uuid4().hex}).one()
        if upto is None:
            return marked
        after, marked = upto, marked + found


def _batch_statement(app: str, live: LiveRule, writer: RecordService, unmarked: Any,
                     marking: dict[str, Any], values: dict[str, Any], moment: datetime, batch: int) -> Select | None:
    """A constant sweep's batch as ONE data-modifying ``WITH`` (PostgreSQL), built once per
    sweep and run with ``AFTER`` (the last id of the batch before): the next ``batch``
    unmarked matching records; the UPDATE of those it changes, with their marks, its audit
    entry and event (the record service's, many_sql.py); the marks of the rest (records
    holding the values already, in approval, or out of the rule's reach); the batch's run
    row. Each UPDATE checks again that the record is unmarked, so a concurrent sweep of the
    same rule marks it once. It answers the batch's last id (None: no batch left) and how
    many records it marked, nothing per record. PostgreSQL only (SQLite has no
    data-modifying ``WITH``). None: the write needs the batch-by-batch path (per-record
    values, a subscriber that wants the event, a refusal to log on each batch's run)."""
    rule, t = live.body, writer.table
    after = bindparam(AFTER, type_=BigInteger)
    ahead = select(t.c.id).where(t.c.id > after, unmarked).order_by(t.c.id).limit(batch).cte("ahead")
    bounds = select(func.max(ahead.c.id).label("upto"), func.count().label("found")).cte("bounds")
    # The batch's range holds no unmarked matching record but the batch's: no join with it.
    in_batch = (t.c.id > after) & (t.c.id <= select(bounds.c.upto).scalar_subquery()) & unmarked
    try:
        written = writer.set_many_within(in_batch, values, also=marking)
    except BrickworkError:
        return None
    if written is None:
        return None
    done = written.summary
    # Usually every record of the batch changed: a one-time check skips the second scan.
    rest = update(t).where(select(bounds.c.found).scalar_subquery() > select(done.c.n).scalar_subquery(),
                           in_batch, t.c.id.not_in(select(written.changed.c.id))) \
        .values(marking).returning(t.c.id).cte("marked_unchanged")
    both = union_all(select(written.changed.c.id), select(rest.c.id)).subquery()
    mk = select(func.count().label("n"), func.min(both.c.id).label("first"), func.max(both.c.id).label("last"),
                func.json_agg(aggregate_order_by(both.c.id, both.c.id), type_=JSON).label("ids")).cte("marked_ids")
    unchanged = select(func.coalesce(func.json_agg(aggregate_order_by(rest.c.id, rest.c.id), type_=JSON),
                                     literal([], JSON))).scalar_subquery()
    actions = func.json_build_array(*[many_sql.json_object({
        "index": i, "type": a.type, "settings": dict(a.model_extra or {}), "status": "succeeded",
        "output": many_sql.json_object({"records": done.c.n})}) for i, a in enumerate(rule.actions)], type_=JSON)
    run = insert(RuleRun.__table__).from_select(
        ["app", "rule", "rule_version", "event_key", "trigger", "form", "record_id", "depth", "status", "reason",
         "inputs", "error", "test", "started_at", "duration_ms", "actions"],
        select(literal(app), literal(rule.key), literal(live.version),
               func.concat("match:", mk.c.first, "-", mk.c.last, f"@{moment.isoformat()}"),
               literal("date_relative"), literal(writer.form.key), case((mk.c.n == 1, mk.c.first)),
               literal(0), literal("succeeded"), literal(None, String),
               many_sql.json_object({"source": "sweep", "records": mk.c.ids, "unchanged": unchanged}),
               literal(None, String), literal(False), literal(moment, DateTime), literal(0), actions)
        .select_from(mk.join(done, true())).where(mk.c.n > 0)).cte("run")
    return select(bounds.c.upto, mk.c.n).select_from(bounds.join(mk, true())).add_cte(*written.writes, rest, run)


def _window(form: Form, live: LiveRule) -> Any:
    """What a marker is keyed by besides the record: the value of the rule's date field (the
    trigger's ``field``, else the first date field its condition reads), so a record whose
    date changes is swept again ("N days after the contract's end": a renewed contract
    fires again). None: a rule over no date fires once per record until it stops matching."""
    key = (live.body.trigger.model_extra or {}).get("field") or next(
        (k for k in _refs(live.body.condition) if k in form.by_key and form.by_key[k].type in DATES), None)
    f = form.by_key.get(key) if isinstance(key, str) else None
    if f is None or f.type not in DATES:
        return None
    value = func.coalesce(cast(form.table.c[column_name(f.id)], String(40)), "")
    if (live.body.trigger.model_extra or {}).get("yearly") is True:  # the same date fires again next year
        return value + literal(f"@{clock.today().year}")
    return value


def _yearly(form: Form, live: LiveRule) -> Any:
    """``yearly: true``: the record matches on the day its date field's month and day come
    round again, every year (birthdays, anniversaries); 29 February on 28 February when the
    year has no 29th. The marker goes when the day has passed (the record stops matching), so
    next year's day fires again. None: the rule is not yearly."""
    settings = live.body.trigger.model_extra or {}
    key = settings.get("field")
    f = form.by_key.get(key) if settings.get("yearly") is True and isinstance(key, str) else None
    if f is None or f.type not in DATES:
        return None
    return func.substr(cast(form.table.c[column_name(f.id)], String(40)), 6, 5).in_(month_days(clock.today()))


def month_days(today: date) -> list[str]:
    """The "MM-DD" of the dates whose yearly day is ``today``."""
    days = [today.strftime("%m-%d")]
    if today.month == 2 and today.day == 28 and (today + timedelta(days=1)).month == 3:
        days.append("02-29")
    return days


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["ref"]] if isinstance(node.get("ref"), str) else []
        return found + [k for value in node.values() for k in _refs(value)]
    if isinstance(node, list):
        return [k for value in node for k in _refs(value)]
    return []


def _listened(session: Session, app: str, form: str) -> bool:
    """Does a live rule wait for this form's ``record.updated`` events? Then a sweep's writes
    keep their per-record events, so that rule sees each change (decision 0036)."""
    names = for_topic("record.updated")
    return any(r.body.enabled and r.body.trigger.type in names and r.body.trigger.form == form
               for r in live_rules(session, app))


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


def _set_wise(session: Session, app: str, live: LiveRule, service: RecordService, ids: list[int],
              in_batch: Any, values: dict[str, Any], marking: dict[str, Any], moment: datetime,
              compact: bool) -> int:
    """One batch of a constant-setting sweep: one UPDATE of the records it changes, with
    their marks, then the marks of the rest of the batch; one run row for the batch (the
    event it applies once is the batch's marking: its key names the batch, its inputs list
    the records). A refusal fails the batch's run, with the error, and writes no value (the
    batch is marked all the same: it fired, and failed). How many records it marked."""
    form, t = service.form, service.table
    savepoint = session.begin_nested()
    try:
        changed = service.set_many(in_batch, values, compact=compact, also=marking)
        status, error = "succeeded", None
        savepoint.commit()
    except BrickworkError as exc:
        savepoint.rollback()
        changed, status, error = [], "failed", str(exc)
    rest = session.execute(update(t).where(in_batch).values(marking)
                           .execution_options(synchronize_session=False)).rowcount
    session.execute(insert(RuleRun.__table__).values(
        app=app, rule=live.body.key, rule_version=live.version,
        event_key=f"match:{ids[0]}-{ids[-1]}@{moment.isoformat()}", trigger="date_relative", form=form.key,
        record_id=ids[0] if len(ids) == 1 else None, depth=0, status=status, reason=None,
        inputs={"source": "sweep", "records": ids, "unchanged": _unchanged(ids, changed)}, error=error, test=False,
        started_at=moment, duration_ms=0,
        actions=[{"index": i, "type": a.type, "settings": dict(a.model_extra or {}), "status": status,
                  "output": {"records": len(changed)}} for i, a in enumerate(live.body.actions)]))
    return len(changed) + rest


def _unchanged(ids: list[int], changed: list[int]) -> list[int]:
    """The marked records the batch did not write (they held the values already, or were in
    approval): usually none, so the run row does not list every id twice."""
    written = set(changed)
    return [i for i in ids if i not in written]
