"""The rules REST: publishing refusals, the button, the test run, webhooks, run logs."""

from __future__ import annotations

from tests.engines.rules.helpers import (
    DEALS_URL,
    INVOICES_URL,
    count,
    publish_rule,
    rule,
    setup_forms,
)

APP = "/api/v1/apps/crm"
CREATE_INVOICE = {"type": "create_record", "form": "invoices", "values": {"deal": {"ref": "name"}}}
SECRET = "s3cretS3cretS3cretS3cret42"


def test_a_rule_with_an_unknown_trigger_or_action_is_refused_by_path(api):
    setup_forms(api)
    saved = api.put(f"{APP}/definitions/rule/odd", json=rule("odd", {"type": "record.moved", "form": "deals"},
                                                             [{"type": "teleport"}]))
    assert saved.status_code == 422
    assert saved.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in saved.json()["errors"]}
    assert fields == {"$.trigger.type", "$.actions[0].type"}
    missing = rule("ghost", {"type": "record.created", "form": "ghosts"}, [CREATE_INVOICE])
    assert api.put(f"{APP}/definitions/rule/ghost", json=missing).status_code == 200
    refused = api.post(f"{APP}/definitions/rule/ghost:publish")
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "unknown_form"


def test_a_button_runs_now_and_the_record_shows_the_rules_that_ran(api):
    setup_forms(api)
    publish_rule(api, rule("invoice_now", {"type": "button", "form": "deals"}, [CREATE_INVOICE]))
    deal = api.post(DEALS_URL, json={"name": "ACME"}).json()
    pressed = api.post(f"{DEALS_URL}/{deal['id']}:run-rule/invoice_now")
    assert pressed.status_code == 200 and pressed.json()["status"] == "succeeded"
    assert count(api, INVOICES_URL) == 1
    shown = api.get(f"{DEALS_URL}/{deal['id']}/rule-runs").json()["items"]
    assert [(r["rule"], r["trigger"]) for r in shown] == [("invoice_now", "button")]
    wrong = api.post(f"{DEALS_URL}/{deal['id']}:run-rule/nothing")
    assert wrong.status_code == 404


def test_a_test_run_shows_what_would_happen_and_keeps_nothing(api):
    setup_forms(api)
    publish_rule(api, rule("invoice_now", {"type": "button", "form": "deals"}, [CREATE_INVOICE]))
    deal = api.post(DEALS_URL, json={"name": "ACME"}).json()
    tried = api.post(f"{APP}/rules/invoice_now:test", params={"record": deal["id"]})
    assert tried.status_code == 200, tried.text
    assert tried.json()["test"] is True and tried.json()["actions"][0]["output"]["form"] == "invoices"
    assert count(api, INVOICES_URL) == 0
    assert api.get(f"{APP}/rules/invoice_now/runs").json()["items"] == []


def test_a_webhook_with_its_secret_runs_once_per_delivery(api, client, drain):
    setup_forms(api)
    publish_rule(api, rule("hook", {"type": "webhook", "secret": SECRET}, [
        {"type": "create_record", "form": "invoices", "values": {"deal": "from the hook"}}]))
    url = f"/api/v1/hooks/crm/hook/{SECRET}"
    for _ in range(2):
        assert client.post(url, json={"order": 7}, headers={"X-Delivery-Id": "d1"}).status_code == 202
    assert client.post(f"/api/v1/hooks/crm/hook/{'x' * 26}", json={}).status_code == 404
    drain()
    assert count(api, INVOICES_URL) == 1
    runs = api.get(f"{APP}/rules/hook/runs").json()["items"]
    assert len(runs) == 1 and runs[0]["inputs"]["body"] == {"order": 7}


def test_the_storm_guard_stops_a_rule_running_too_often_on_one_record(api):
    setup_forms(api)
    publish_rule(api, rule("press", {"type": "button", "form": "deals"},
                           [{"type": "update_records", "values": {"touched": "x"}}]))
    deal = api.post(DEALS_URL, json={"name": "ACME"}).json()
    statuses = [api.post(f"{DEALS_URL}/{deal['id']}:run-rule/press").json()["status"] for _ in range(31)]
    assert statuses[:30] == ["succeeded"] * 30
    stopped = api.post(f"{DEALS_URL}/{deal['id']}:run-rule/press").json()
    assert (stopped["status"], stopped["reason"]) == ("stopped", "storm")
