"""Flows in rules: a rule fires on a flow's outcome with the instance's record, and a rule
starts a flow on the record that triggered it; a rule that would start itself again stops."""

from __future__ import annotations

from tests.engines.flow.conftest import org  # noqa: F401  (the reference org, a fixture)
from tests.engines.flow.helpers import EXPENSES, EXPENSES_URL, approval, flow, publish_flow, users
from tests.engines.form.helpers import APP, field, publish
from tests.engines.rules.helpers import DEALS, DEALS_URL, publish_rule, rule

PAID = {**EXPENSES, "fields": [*EXPENSES["fields"], field("e_paid", "text", "paid")]}


def runs(api, key: str) -> list[dict]:
    found = api.get(f"{APP}/rules/{key}/runs")
    assert found.status_code == 200, found.text
    return found.json()["items"]


def test_when_an_expense_is_approved_it_is_set_paid(org, drain):  # noqa: F811
    assert publish(org.api, PAID).status_code == 200
    publish_flow(org.api, flow("claim", approval("mgr", users(org["a"]))))
    done = publish_rule(org.api, rule("pay", {"type": "flow", "form": "expenses", "flow": "claim",
                                              "events": ["flow.instance.approved"]},
                                      [{"type": "update_records", "values": {"paid": "yes"}}]))
    assert done.status_code == 200, done.text
    approved, rejected = org.record("u", amount=50, note="Taxi"), org.record("u", amount=70, note="Dinner")
    first = org.submit("u", "claim", approved["id"])
    second = org.submit("u", "claim", rejected["id"])
    drain()
    assert org.api.get(f"{EXPENSES_URL}/{approved['id']}").json().get("paid") in (None, "")
    org.act("a", first["id"], "approve")
    org.act("a", second["id"], "reject", comment="No receipt")
    drain()
    assert org.api.get(f"{EXPENSES_URL}/{approved['id']}").json()["paid"] == "yes"
    assert org.api.get(f"{EXPENSES_URL}/{rejected['id']}").json().get("paid") in (None, "")


def test_when_a_deal_over_100k_is_created_the_approval_flow_starts(org, drain):  # noqa: F811
    assert publish(org.api, DEALS).status_code == 200
    publish_flow(org.api, {**flow("big_deal", approval("mgr", users(org["a"]))), "form": "deals"})
    done = publish_rule(org.api, rule(
        "approve_big", {"type": "record.created", "form": "deals"},
        [{"type": "start_flow", "flow": "big_deal"}],
        condition={"fn": ">", "args": [{"ref": "amount"}, {"lit": 100000, "type": "number"}]}))
    assert done.status_code == 200, done.text
    big = org.api.post(DEALS_URL, json={"name": "Acme", "amount": 250000}).json()
    small = org.api.post(DEALS_URL, json={"name": "Corner shop", "amount": 900}).json()
    drain()
    assert org.api.get(f"{DEALS_URL}/{big['id']}").json()["_meta"]["flow_state"] == "running"
    assert org.api.get(f"{DEALS_URL}/{small['id']}").json()["_meta"].get("flow_state") is None
    inbox = org.clients["a"].get("/api/v1/flow-tasks")
    assert inbox.status_code == 200, inbox.text
    assert [t["record_id"] for t in inbox.json()["items"]] == [big["id"]]
    assert [r["status"] for r in runs(org.api, "approve_big") if r["record"] == big["id"]] == ["succeeded"]


def test_a_flow_a_rule_started_carries_the_rules_chain_so_loop_protection_sees_it(org, drain):  # noqa: F811
    assert publish(org.api, DEALS).status_code == 200
    publish_flow(org.api, {**flow("big_deal", approval("mgr", users(org["a"]))), "form": "deals"})
    assert publish_rule(org.api, rule("start", {"type": "record.created", "form": "deals"},
                                      [{"type": "start_flow", "flow": "big_deal"}])).status_code == 200
    assert publish_rule(org.api, rule("again", {"type": "flow", "form": "deals", "events": ["flow.instance.submitted"]},
                                      [{"type": "start_flow", "flow": "big_deal"}])).status_code == 200
    org.api.post(DEALS_URL, json={"name": "Acme", "amount": 5})
    drain()
    [started] = runs(org.api, "start")
    [again] = runs(org.api, "again")
    assert started["status"] == "succeeded" and started["depth"] == 0
    # the submit's event came from the rule "start", one level deep; the second submit is
    # refused (the record is in approval already) and nothing runs after it
    assert again["depth"] == 1 and again["inputs"]["causation"] == {"rules": ["start"], "depth": 1}
    assert again["status"] == "failed"


def test_a_flow_trigger_names_known_events(org):  # noqa: F811
    bad = org.api.put(f"{APP}/definitions/rule/x", json=rule(
        "x", {"type": "flow", "form": "expenses", "events": ["flow.lunch"]}, [{"type": "notify", "text": "hi"}]))
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["field"] == "$.trigger.events"

