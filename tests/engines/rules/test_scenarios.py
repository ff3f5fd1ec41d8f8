"""The reference's rule scenarios (engine-semantics §2.10) on the real queue and database."""

from __future__ import annotations

from sqlalchemy import select

from brickwork.platform.models import RuleRun
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

CREATE_INVOICE = {"type": "create_record", "form": "invoices",
                  "values": {"deal": {"ref": "name"}, "amount": {"ref": "amount"}}}


def runs(sessions, key: str) -> list[RuleRun]:
    with sessions() as s:
        return list(s.scalars(select(RuleRun).where(RuleRun.rule == key).order_by(RuleRun.id)))


def test_r1_became_true_creates_one_invoice_per_win(api, drain, sessions):
    setup_forms(api)
    published = publish_rule(api, rule("won_invoice", {"type": "record.updated", "form": "deals"},
                                       [CREATE_INVOICE], condition=eq("stage", "Won")))
    assert published.status_code == 200, published.text
    deal = api.post(DEALS_URL, json={"name": "ACME", "stage": "Lead", "amount": 500}).json()
    drain()
    edit(api, deal["id"], stage="Won")
    drain()
    assert count(api, INVOICES_URL) == 1
    edit(api, deal["id"], phone="555")
    drain()
    assert count(api, INVOICES_URL) == 1
    edit(api, deal["id"], stage="Lost")
    edit(api, deal["id"], stage="Won")
    drain()
    invoices = api.get(INVOICES_URL).json()["items"]
    assert len(invoices) == 2
    assert {i["deal"] for i in invoices} == {"ACME"}
    statuses = [r.status for r in runs(sessions, "won_invoice")]
    assert statuses.count("succeeded") == 2


def test_r3_a_rule_watching_one_field_runs_only_when_it_changes(api, drain, sessions):
    setup_forms(api)
    publish_rule(api, rule("owner_moved", {"type": "record.updated", "form": "deals", "fields": ["stage"],
                                           "from": "A", "to": "B"},
                           [{"type": "update_records", "values": {"touched": {"ref": "phone"}}}]))
    deal = api.post(DEALS_URL, json={"name": "ACME", "stage": "A", "phone": "1"}).json()
    edit(api, deal["id"], phone="2")
    drain()
    assert runs(sessions, "owner_moved") == []
    edit(api, deal["id"], stage="B")
    drain()
    done = runs(sessions, "owner_moved")
    assert [r.status for r in done] == ["succeeded"]
    assert done[0].inputs["before"] == {"stage": "A"} and done[0].inputs["after"] == {"stage": "B"}
    assert api.get(f"{DEALS_URL}/{deal['id']}").json()["touched"] == "2"


def test_r4_a_rule_updating_its_own_record_runs_once(api, drain, sessions):
    setup_forms(api)
    publish_rule(api, rule("touch", {"type": "record.updated", "form": "deals"},
                           [{"type": "update_records", "values": {"touched": "yes"}}]))
    deal = api.post(DEALS_URL, json={"name": "ACME"}).json()
    edit(api, deal["id"], name="ACME Ltd")
    drain()
    done = runs(sessions, "touch")
    assert [r.status for r in done] == ["succeeded", "stopped"]
    assert done[1].reason == "loop" and done[1].depth == 1
    assert api.get(f"{DEALS_URL}/{deal['id']}").json()["touched"] == "yes"


def test_r5_rules_writing_each_other_stop_and_nothing_fails(api, drain, sessions):
    setup_forms(api)
    # A: a deal's change writes its n + 1; B: n changing touches the deal again (a chain A→B→A...).
    publish_rule(api, rule("a_bump", {"type": "record.updated", "form": "deals", "fields": ["name"]},
                           [{"type": "update_records", "values": {"n": {"fn": "+", "args": [
                               {"ref": "n"}, {"lit": "1", "type": "number"}]}}}]))
    publish_rule(api, rule("b_rename", {"type": "record.updated", "form": "deals", "fields": ["n"]},
                           [{"type": "update_records", "values": {"name": {"fn": "&", "args": [
                               {"ref": "name"}, {"lit": "!", "type": "text"}]}}}]))
    deal = api.post(DEALS_URL, json={"name": "x", "n": 0}).json()
    edit(api, deal["id"], name="y")
    drain()
    with sessions() as s:
        every = list(s.scalars(select(RuleRun).order_by(RuleRun.id)))
    assert [(r.rule, r.status) for r in every] == [("a_bump", "succeeded"), ("b_rename", "succeeded"),
                                                  ("a_bump", "stopped")]
    assert every[-1].reason == "loop" and max(r.depth for r in every) < 8
    assert api.get(f"{DEALS_URL}/{deal['id']}").json()["name"] == "y!"


def test_the_depth_limit_stops_a_chain_and_says_so(api, drain, sessions):
    setup_forms(api)
    # Eight different rules, each triggered by the previous one's write: the ninth level stops.
    for i in range(9):
        publish_rule(api, rule(f"step{i}", {"type": "record.updated", "form": "deals", "fields": ["n"]},
                               [{"type": "update_records", "values": {"n": {"fn": "+", "args": [
                                   {"ref": "n"}, {"lit": "1", "type": "number"}]}}}],
                               condition={"fn": "=", "args": [{"ref": "n"}, {"lit": str(i + 1), "type": "number"}]}))
    deal = api.post(DEALS_URL, json={"name": "x", "n": 0}).json()
    edit(api, deal["id"], n=1)
    drain()
    with sessions() as s:
        acted = list(s.scalars(select(RuleRun).where(RuleRun.status != "skipped").order_by(RuleRun.id)))
    assert [r.status for r in acted][:8] == ["succeeded"] * 8
    assert acted[-1].status == "stopped" and acted[-1].reason == "depth_limit" and acted[-1].depth == 8
    assert api.get(f"{DEALS_URL}/{deal['id']}").json()["n"] == "9"
