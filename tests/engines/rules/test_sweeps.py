"""Date-relative rules run as set-based sweeps: marks in the record's row, re-arming, one statement per batch."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import event, func, select, update

from brickwork.engines.form.forms import load_form
from brickwork.engines.rules.engine import pinned_rule
from brickwork.engines.rules.sweeps import sweep
from brickwork.platform.db import transaction
from brickwork.platform.models import AuditEntry, JobSchedule, OutboxEvent, RuleRun
from tests.engines.form.helpers import field, form, publish, records
from tests.engines.rules.helpers import publish_rule, rule

CUSTOMERS = form("customers", field("c_name", "text", "name"), field("c_last", "date", "last_followup"),
                 field("c_pool", "text", "pool"))
URL = records("customers")
STALE = {"fn": "<", "args": [{"ref": "last_followup"}, {"fn": "DATEADD", "args": [
    {"fn": "TODAY", "args": []}, {"lit": "-30", "type": "number"}, {"lit": "day", "type": "text"}]}]}
TO_POOL = rule("to_pool", {"type": "date_relative", "form": "customers", "cron": "0 9 * * *"},
               [{"type": "update_records", "values": {"pool": "public"}}], condition=STALE)


def days_ago(n: int) -> str:
    return (date.today() - timedelta(days=n)).isoformat()


def marks_of(sessions) -> dict[int, dict]:
    """The customers' marks, by record id (records with a mark only)."""
    with sessions() as s:
        t = load_form(s, "crm", "customers").table
        return {i: m for i, m in s.execute(select(t.c.id, t.c.rule_marks)).all() if m}


def run_sweep(sessions, batch: int = 5000) -> dict:
    with transaction(sessions) as s:
        return sweep(s, "crm", pinned_rule(s, "crm", "to_pool"), batch=batch)


def test_r8_a_sweep_marks_once_rearms_when_false_and_fires_again(api, sessions):
    assert publish(api, CUSTOMERS).status_code == 200
    assert publish_rule(api, TO_POOL).status_code == 200
    with sessions() as s:  # published: its schedule is in the jobs schedules table
        assert s.scalar(select(JobSchedule.cron).where(JobSchedule.key == "rule:crm:to_pool")) == "0 9 * * *"
    old = api.post(URL, json={"name": "old", "last_followup": days_ago(31)}).json()
    api.post(URL, json={"name": "fresh", "last_followup": days_ago(3)})
    assert run_sweep(sessions) == {"cleared": 0, "marked": 1}
    assert api.get(f"{URL}/{old['id']}").json()["pool"] == "public"
    assert run_sweep(sessions) == {"cleared": 0, "marked": 0}  # the marker: not again the next day
    current = api.get(f"{URL}/{old['id']}").json()
    api.patch(f"{URL}/{old['id']}", json={"last_followup": days_ago(0), "pool": "", "version": current["version"]})
    assert run_sweep(sessions) == {"cleared": 1, "marked": 0}  # followed up: re-armed
    current = api.get(f"{URL}/{old['id']}").json()
    api.patch(f"{URL}/{old['id']}", json={"last_followup": days_ago(31), "version": current["version"]})
    assert run_sweep(sessions) == {"cleared": 0, "marked": 1}
    with sessions() as s:
        done = list(s.scalars(select(RuleRun).where(RuleRun.rule == "to_pool")))
    assert [r.status for r in done] == ["succeeded", "succeeded"]


def test_a_sweep_over_many_records_marks_them_one_statement_per_batch(api, sessions, engine):
    assert publish(api, CUSTOMERS).status_code == 200
    assert publish_rule(api, TO_POOL).status_code == 200
    rows = [{"name": f"c{i}", "last_followup": days_ago(40 if i % 2 else 1)} for i in range(120)]
    assert api.post(f"{URL}:bulk", json={"records": rows}).status_code == 201
    marks = []

    def watch(_conn, _cursor, statement, *_args):
        if "INSERT INTO RULE_RUNS" in statement.upper():
            marks.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    try:
        assert run_sweep(sessions, batch=25) == {"cleared": 0, "marked": 60}
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    if engine.dialect.name == "postgresql":  # 25 + 25 + 10, then the statement that finds no batch left
        assert len(marks) == 4
        # each batch is ONE statement: records and their marks, audit entry, event and run row
        assert all(all(part in m for part in ("UPDATE r", "rule_marks", "INSERT INTO audit_log",
                                              "INSERT INTO outbox_events")) for m in marks)
    else:
        assert len(marks) == 3  # 25 + 25 + 10 (the next batch is found empty before any write)
    assert len(marks_of(sessions)) == 60
    public = [r for r in api.get(URL, params={"limit": 500}).json()["items"] if r["pool"] == "public"]
    assert len(public) == 60


def test_a_sweep_whose_actions_read_the_record_runs_record_by_record(api, sessions):
    assert publish(api, CUSTOMERS).status_code == 200
    follow_up = rule("to_pool", {"type": "date_relative", "form": "customers"},
                     [{"type": "update_records", "values": {"pool": {"fn": "&", "args": [
                         {"lit": "pool of ", "type": "text"}, {"ref": "name"}]}}}], condition=STALE)
    assert publish_rule(api, follow_up).status_code == 200
    with sessions() as s:  # no cron given: the daily sweep at 09:00
        assert s.scalar(select(JobSchedule.cron).where(JobSchedule.key == "rule:crm:to_pool")) == "0 9 * * *"
    made = api.post(URL, json={"name": "old", "last_followup": days_ago(45)}).json()
    assert run_sweep(sessions) == {"cleared": 0, "marked": 1}
    assert api.get(f"{URL}/{made['id']}").json()["pool"] == "pool of old"
    with sessions() as s:
        assert [r.status for r in s.scalars(select(RuleRun))] == ["succeeded"]


def test_a_constant_sweep_logs_one_audit_entry_one_event_and_one_run_per_batch(api, sessions):
    assert publish(api, CUSTOMERS).status_code == 200
    assert publish_rule(api, TO_POOL).status_code == 200
    rows = [{"name": f"c{i}", "last_followup": days_ago(40 if i % 2 else 1)} for i in range(120)]
    assert api.post(f"{URL}:bulk", json={"records": rows}).status_code == 201
    with sessions() as s:
        before = s.scalar(select(func.max(OutboxEvent.id)))
    assert run_sweep(sessions, batch=25) == {"cleared": 0, "marked": 60}
    with sessions() as s:
        audit = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "record.updated_many")))
        events = list(s.scalars(select(OutboxEvent).where(OutboxEvent.id > before)))
        runs = list(s.scalars(select(RuleRun).order_by(RuleRun.id)))
    stale = sorted(r["id"] for r in api.get(URL, params={"limit": 500}).json()["items"] if r["pool"] == "public")
    assert len(stale) == 60
    assert [len(a.changes["ids"]) for a in audit] == [25, 25, 10]
    assert sorted(i for a in audit for i in a.changes["ids"]) == stale
    assert [e.topic for e in events] == ["record.updated_many"] * 3
    assert events[0].payload["after"] == {"pool": "public"} and events[0].payload["source"] == "rule"
    assert [(r.status, len(r.inputs["records"])) for r in runs] == [("succeeded", 25), ("succeeded", 25),
                                                                    ("succeeded", 10)]
    later = [{"name": f"d{i}", "last_followup": days_ago(50)} for i in range(5)]
    assert api.post(f"{URL}:bulk", json={"records": later}).status_code == 201
    assert run_sweep(sessions, batch=25) == {"cleared": 0, "marked": 5}  # past batches all marked before


def test_a_rule_waiting_for_updates_still_sees_each_swept_record(api, sessions, drain):
    assert publish(api, CUSTOMERS).status_code == 200
    assert publish_rule(api, TO_POOL).status_code == 200
    rename = rule("rename", {"type": "record.updated", "form": "customers", "fields": ["pool"]},
                  [{"type": "update_records", "values": {"name": "pooled"}}])
    assert publish_rule(api, rename).status_code == 200
    made = [api.post(URL, json={"name": f"c{i}", "last_followup": days_ago(40)}).json()["id"] for i in range(3)]
    assert run_sweep(sessions) == {"cleared": 0, "marked": 3}
    drain()
    for record_id in made:
        assert api.get(f"{URL}/{record_id}").json()["name"] == "pooled"


def test_a_date_rule_fires_again_when_the_date_changes_not_when_it_stays(api, sessions):
    assert publish(api, CUSTOMERS).status_code == 200
    assert publish_rule(api, TO_POOL).status_code == 200
    made = api.post(URL, json={"name": "old", "last_followup": days_ago(40)}).json()
    assert run_sweep(sessions) == {"cleared": 0, "marked": 1}
    current = api.get(f"{URL}/{made['id']}").json()
    api.patch(f"{URL}/{made['id']}", json={"pool": "", "version": current["version"]})
    assert run_sweep(sessions) == {"cleared": 0, "marked": 0}  # the same date: done for it
    assert not api.get(f"{URL}/{made['id']}").json()["pool"]
    current = api.get(f"{URL}/{made['id']}").json()  # another stale date (a newer contact, still old)
    api.patch(f"{URL}/{made['id']}", json={"last_followup": days_ago(35), "version": current["version"]})
    assert run_sweep(sessions) == {"cleared": 1, "marked": 1}
    assert api.get(f"{URL}/{made['id']}").json()["pool"] == "public"
    assert marks_of(sessions) == {made["id"]: {"to_pool": days_ago(35)}}


def test_marks_from_before_the_date_key_hold_until_the_record_stops_matching(api, sessions):
    assert publish(api, CUSTOMERS).status_code == 200
    assert publish_rule(api, TO_POOL).status_code == 200
    made = api.post(URL, json={"name": "old", "last_followup": days_ago(40)}).json()
    with transaction(sessions) as s:  # as migration 0020 moves a marker written before marks had a date
        t = load_form(s, "crm", "customers").table
        s.execute(update(t).where(t.c.id == made["id"]).values(rule_marks={"to_pool": ""}))
    assert run_sweep(sessions) == {"cleared": 0, "marked": 0}
    assert not api.get(f"{URL}/{made['id']}").json()["pool"]
    current = api.get(f"{URL}/{made['id']}").json()
    api.patch(f"{URL}/{made['id']}", json={"last_followup": days_ago(1), "version": current["version"]})
    assert run_sweep(sessions) == {"cleared": 1, "marked": 0}
    assert marks_of(sessions) == {}


def test_a_mark_is_no_change_to_the_record(api, sessions):
    assert publish(api, CUSTOMERS).status_code == 200
    assert publish_rule(api, TO_POOL).status_code == 200
    made = api.post(URL, json={"name": "pooled", "last_followup": days_ago(40), "pool": "public"}).json()
    assert run_sweep(sessions) == {"cleared": 0, "marked": 1}
    after = api.get(f"{URL}/{made['id']}").json()
    assert after["version"] == made["version"]  # no new version: nobody changed it
    assert "rule_marks" not in after and all("rule_marks" not in r for r in api.get(URL).json()["items"])
    assert marks_of(sessions) == {made["id"]: {"to_pool": days_ago(40)}}
    with sessions() as s:
        assert [r.inputs["unchanged"] for r in s.scalars(select(RuleRun))] == [[made["id"]]]


def _written_after(sessions, audit_id: int, event_id: int) -> tuple[list[AuditEntry], list[OutboxEvent]]:
    with sessions() as s:
        return (list(s.scalars(select(AuditEntry).where(AuditEntry.id > audit_id).order_by(AuditEntry.id))),
                list(s.scalars(select(OutboxEvent).where(OutboxEvent.id > event_id).order_by(OutboxEvent.id))))


def _last_ids(sessions) -> tuple[int, int]:
    with sessions() as s:
        return s.scalar(select(func.max(AuditEntry.id))) or 0, s.scalar(select(func.max(OutboxEvent.id))) or 0


def test_a_sweep_batch_writes_each_record_once_in_one_audit_entry_and_one_event_with_its_new_version(api, sessions):
    assert publish(api, CUSTOMERS).status_code == 200
    assert publish_rule(api, TO_POOL).status_code == 200
    made = []
    for i in range(12):  # every third one followed up yesterday; c1 is stale but in the pool already
        values = {"name": f"c{i}", "last_followup": days_ago(40 if i % 3 else 1)}
        if i == 1:
            values["pool"] = "public"
        made.append(api.post(URL, json=values).json())
    before = {r["id"]: r for r in made}
    stale = sorted(r["id"] for r in made if r["last_followup"] == days_ago(40))
    written = [i for i in stale if before[i]["pool"] != "public"]
    audit_id, event_id = _last_ids(sessions)
    assert run_sweep(sessions, batch=3) == {"cleared": 0, "marked": 8}
    now = {r["id"]: r for r in api.get(URL, params={"limit": 500}).json()["items"]}
    for record_id, record in now.items():
        assert record["pool"] == ("public" if record_id in stale else before[record_id]["pool"])
        assert record["version"] == before[record_id]["version"] + (record_id in written)
    audit, events = _written_after(sessions, audit_id, event_id)
    listed = [i for a in audit for i in a.changes["ids"]]
    assert sorted(listed) == written and len(set(listed)) == len(listed)  # each record in exactly one entry
    for a in audit:
        assert (a.action, a.subject_type, a.changes["after"]) == ("record.updated_many", "crm/customers",
                                                                   {"pool": "public"})
        assert a.subject_id == f"{a.changes['ids'][0]}-{a.changes['ids'][-1]}"
    sent = [i for e in events for i in e.payload["ids"]]
    assert sorted(sent) == written and len(set(sent)) == len(sent)  # each record in exactly one event
    for e, a in zip(events, audit, strict=True):  # one event per audit entry, the same records
        assert e.topic == "record.updated_many" and e.payload["ids"] == a.changes["ids"]
        assert {k: e.payload[k] for k in ("app", "form", "after", "changed", "source", "causation")} == {
            "app": "crm", "form": "customers", "after": {"pool": "public"}, "changed": ["pool"], "source": "rule",
            "causation": {"rules": ["to_pool"], "depth": 1}}
    with sessions() as s:
        runs = list(s.scalars(select(RuleRun).where(RuleRun.rule == "to_pool").order_by(RuleRun.id)))
    assert [i for r in runs for i in r.inputs["records"]] == stale  # batches of 3 marked records, in order
    assert [i for r in runs for i in r.inputs["unchanged"]] == [made[1]["id"]]
    for r in runs:
        ids = r.inputs["records"]
        assert (r.status, r.trigger, r.record_id) == ("succeeded", "date_relative", None)
        assert r.event_key.startswith(f"match:{ids[0]}-{ids[-1]}@")
        assert r.actions[0]["output"] == {"records": len(ids) - len(r.inputs["unchanged"])}
    assert run_sweep(sessions, batch=3) == {"cleared": 0, "marked": 0}  # again: nothing fires twice
    again = _written_after(sessions, audit_id, event_id)
    assert ([a.id for a in again[0]], [e.id for e in again[1]]) == ([a.id for a in audit], [e.id for e in events])
    assert {r["id"]: r["version"] for r in api.get(URL, params={"limit": 500}).json()["items"]} == {
        i: r["version"] for i, r in now.items()}


def test_a_listened_sweep_writes_one_audit_entry_and_one_event_per_record(api, sessions):
    assert publish(api, CUSTOMERS).status_code == 200
    assert publish_rule(api, TO_POOL).status_code == 200
    watcher = rule("watch", {"type": "record.updated", "form": "customers", "fields": ["name"]},
                   [{"type": "update_records", "values": {"name": "renamed"}}])
    assert publish_rule(api, watcher).status_code == 200  # listens to the form: per-record events
    made = [api.post(URL, json={"name": f"c{i}", "last_followup": days_ago(40)}).json() for i in range(4)]
    audit_id, event_id = _last_ids(sessions)
    assert run_sweep(sessions, batch=3) == {"cleared": 0, "marked": 4}
    audit, events = _written_after(sessions, audit_id, event_id)
    ids = sorted(r["id"] for r in made)
    assert sorted(int(a.subject_id) for a in audit) == ids
    assert all(a.action == "record.updated" and a.changes == {"pool": [None, "public"]} for a in audit)
    assert sorted(e.payload["id"] for e in events) == ids
    assert all(e.topic == "record.updated" and e.payload["after"] == {"pool": "public"} for e in events)
    for r in made:
        assert api.get(f"{URL}/{r['id']}").json()["version"] == r["version"] + 1
