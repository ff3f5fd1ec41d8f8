"""Applied once per (rule, event), bulk writes and their option, delete triggers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from brickwork.engines.rules.engine import handle_event
from brickwork.platform.db import transaction, utcnow
from brickwork.platform.jobs.prune import prune
from brickwork.platform.models import Notification, OutboxEvent, RuleRun
from tests.engines.rules.helpers import (
    DEALS_URL,
    INVOICES_URL,
    count,
    edit,
    eq,
    publish_rule,
    rule,
    setup_forms,
)

CREATE_INVOICE = {"type": "create_record", "form": "invoices", "values": {"deal": {"ref": "name"}}}


def test_r6_a_redelivered_event_makes_no_second_invoice(api, drain, sessions):
    setup_forms(api)
    publish_rule(api, rule("won", {"type": "record.updated", "form": "deals"}, [CREATE_INVOICE],
                           condition=eq("stage", "Won")))
    deal = api.post(DEALS_URL, json={"name": "ACME", "stage": "Lead"}).json()
    edit(api, deal["id"], stage="Won")
    drain()
    assert count(api, INVOICES_URL) == 1
    with sessions() as s:
        won = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "record.updated")).one()
    # The worker crashed after its commit, before the queue heard of it: the event comes again.
    with transaction(sessions) as s:
        again = handle_event(s, won.topic, won.key, won.payload)
    assert [r.status for r in again] == ["succeeded"]  # the run it made the first time
    assert count(api, INVOICES_URL) == 1
    with sessions() as s:
        assert s.query(RuleRun).count() == 1


def test_r11_bulk_creates_run_rules_only_when_the_rule_says_so(api, drain, sessions):
    setup_forms(api)
    publish_rule(api, rule("quiet", {"type": "record.created", "form": "deals"}, [CREATE_INVOICE],
                           run_on_bulk=False))
    rows = [{"name": f"d{i}"} for i in range(30)]
    assert api.post(f"{DEALS_URL}:bulk", json={"records": rows}).status_code == 201
    drain()
    assert count(api, INVOICES_URL) == 0
    publish_rule(api, rule("quiet", {"type": "record.created", "form": "deals"}, [CREATE_INVOICE],
                           run_on_bulk=True))
    assert api.post(f"{DEALS_URL}:bulk", json={"records": rows}).status_code == 201
    drain()
    assert count(api, INVOICES_URL) == 30
    with sessions() as s:
        assert {r.inputs["source"] for r in s.scalars(select(RuleRun))} == {"bulk"}


def test_r13_a_delete_trigger_reads_the_record_before_and_skips_updating_it(api, drain, sessions, admin):
    setup_forms(api)
    publish_rule(api, rule("gone", {"type": "record.deleted", "form": "deals"}, [
        {"type": "notify", "owner": True, "text": {"fn": "&", "args": [
            {"lit": "Deleted: ", "type": "text"}, {"ref": "name"}]}},
        {"type": "update_records", "values": {"touched": "x"}}],
        condition={"fn": ">", "args": [{"ref": "amount"}, {"lit": "0", "type": "number"}]}))
    deal = api.post(DEALS_URL, json={"name": "ACME", "amount": 5}).json()
    assert api.delete(f"{DEALS_URL}/{deal['id']}").status_code in (200, 204)
    drain()
    with sessions() as s:
        run = s.scalars(select(RuleRun)).one()
        notes = list(s.scalars(select(Notification)))
    assert run.status == "succeeded"
    assert run.actions[1]["status"] == "skipped" and run.actions[1]["output"]["warning"] == "record_deleted"
    assert [(n.user_id, n.text) for n in notes] == [(admin.id, "Deleted: ACME")]
    bell = api.get("/api/v1/notifications").json()
    assert bell["unread"] == 1 and bell["items"][0]["text"] == "Deleted: ACME"
    assert api.post("/api/v1/notifications:read").json() == {"read": 1}
    assert api.get("/api/v1/notifications").json()["unread"] == 0


def test_a_refused_action_fails_the_run_keeps_nothing_and_can_be_retried(api, drain, sessions):
    setup_forms(api)
    publish_rule(api, rule("bad", {"type": "record.created", "form": "deals"}, [
        CREATE_INVOICE, {"type": "update_records", "values": {"amount": "not a number"}}]))
    api.post(DEALS_URL, json={"name": "ACME"})
    drain()
    assert count(api, INVOICES_URL) == 0  # the first action's invoice went with the refusal
    page = api.get("/api/v1/apps/crm/rules/bad/runs").json()
    failed = page["items"][0]
    assert failed["status"] == "failed" and "amount" in failed["error"]
    assert [a["status"] for a in failed["actions"]] == ["succeeded", "failed"]
    again = api.post(f"/api/v1/apps/crm/rules/bad/runs/{failed['id']}/retry")
    assert again.status_code == 201 and again.json()["status"] == "failed"
    assert again.json()["event"].endswith("#retry1")


def test_imports_start_rules_unless_the_import_turns_them_off(api, drain, sessions):
    setup_forms(api)
    publish_rule(api, rule("won", {"type": "record.created", "form": "deals"}, [CREATE_INVOICE],
                           condition=eq("stage", "Won")))
    lines = "name,stage\n" + "".join(f"d{i},{'Won' if i % 10 == 0 else 'Lead'}\n" for i in range(100))
    done = api.post(f"{DEALS_URL}:import", files={"file": ("deals.csv", lines.encode(), "text/csv")})
    assert done.status_code == 200, done.text
    drain()
    assert count(api, INVOICES_URL) == 10
    off = api.post(f"{DEALS_URL}:import", files={"file": ("deals.csv", lines.encode(), "text/csv")},
                   data={"run_rules": "false"})
    assert off.status_code == 200 and off.json()["created"] == 100
    drain()
    assert count(api, INVOICES_URL) == 10
    with sessions() as s:
        assert {r.inputs["source"] for r in s.scalars(select(RuleRun))} == {"import"}


def test_pruning_removes_old_rule_runs_and_read_notifications(sessions, admin):
    old = utcnow() - timedelta(days=40)
    with transaction(sessions) as s:
        for tag, when in (("old", old), ("new", utcnow())):
            s.add(RuleRun(app="crm", rule="r", rule_version=1, event_key=tag, trigger="button", status="succeeded",
                          depth=0, inputs={}, actions=[], test=False, started_at=when, duration_ms=0))
        s.add(Notification(user_id=admin.id, text="read long ago", read_at=old))
        s.add(Notification(user_id=admin.id, text="unread", created_at=old))
    with transaction(sessions) as s:
        gone = prune(s, events_days=30, runs_days=30)
    assert gone["rule_runs"] == 1 and gone["notifications"] == 1
    with sessions() as s:
        assert s.scalars(select(RuleRun.event_key)).all() == ["new"]
        assert s.scalars(select(Notification.text)).all() == ["unread"]


def test_writes_to_a_form_no_rule_is_triggered_on_make_no_delivery(api, drain, sessions):
    """A rule on deals: an invoice written makes no job for the rules engine (it would do
    nothing with it), a deal written does; publishing a rule on invoices changes that."""
    from brickwork.platform.jobs.queue import pending_count

    setup_forms(api)
    publish_rule(api, rule("won", {"type": "record.updated", "form": "deals"}, [CREATE_INVOICE],
                           condition=eq("stage", "Won")))
    drain()

    def queued() -> int:
        with sessions() as s:
            return pending_count(s)

    assert api.post(INVOICES_URL, json={"deal": "by hand"}).status_code == 201
    assert queued() == 0
    deal = api.post(DEALS_URL, json={"name": "ACME", "stage": "Lead"}).json()
    assert queued() == 1
    edit(api, deal["id"], stage="Won")
    drain()
    assert count(api, INVOICES_URL) == 2  # the rule still runs on its form
    publish_rule(api, rule("paid", {"type": "record.created", "form": "invoices"},
                           [{"type": "update_records", "values": {"amount": {"lit": "1", "type": "number"}}}]))
    assert api.post(INVOICES_URL, json={"deal": "again"}).status_code == 201
    assert queued() == 1
