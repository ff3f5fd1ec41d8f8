"""Storm pause: a rule the storm guard stops again and again is switched off, visibly,
with a bell for the app's administrators, until it is switched on again."""

from __future__ import annotations

from tests.engines.rules.helpers import DEALS_URL, publish_rule, rule, setup_forms

APP = "/api/v1/apps/crm"
PRESS = rule("press", {"type": "button", "form": "deals"}, [{"type": "update_records", "values": {"touched": "x"}}])


def test_a_rule_stopped_by_the_storm_guard_five_times_is_paused_until_switched_on(api):
    setup_forms(api)
    publish_rule(api, PRESS)
    deal = api.post(DEALS_URL, json={"name": "ACME"}).json()
    url = f"{DEALS_URL}/{deal['id']}:run-rule/press"
    assert [api.post(url).json()["status"] for _ in range(30)] == ["succeeded"] * 30
    storms = [api.post(url).json() for _ in range(5)]
    assert [(s["status"], s["reason"]) for s in storms] == [("stopped", "storm")] * 5
    assert not any(s["error"] for s in storms[:4])
    assert "paused" in storms[4]["error"]  # the run that paused it says so in the run log
    refused = api.post(url)
    assert refused.status_code == 409 and "paused" in refused.json()["title"]
    bell = api.get("/api/v1/notifications").json()["items"]
    assert any(n["source"] == "rule:press" and "paused" in n["text"] for n in bell)
    publish_rule(api, PRESS)  # switched on again (a new version): the pause is lifted, the count starts anew
    again = api.post(url)
    assert again.status_code == 200 and again.json()["reason"] == "storm" and not again.json()["error"]
