"""Outgoing webhooks: subscriptions through the API, deliveries signed per Standard Webhooks
(checked by the reference library on a loopback receiver), in order per record, retried,
logged, replayed, and turned off with a notice after persistent failure."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from brickwork.platform import secretbox
from brickwork.platform.models import JobRun, Notification, WebhookSubscription
from tests.engines.form.helpers import APP, field, form, publish, records

TICKETS = form("tickets", field("t_title", "text", "title"), field("t_priority", "text", "priority"),
               field("t_note", "text", "note"))
URL = records("tickets")
HOOKS = f"{APP}/webhooks"


def subscribe(api, receiver, **settings) -> dict:
    made = api.post(HOOKS, json={"url": receiver.url, "events": ["record.*"], **settings})
    assert made.status_code == 201, made.text
    receiver.secrets.append(made.json()["secret"])
    return made.json()


def test_changes_arrive_signed_in_order_with_the_chosen_fields_only(api, drain, receiver, sessions):
    assert publish(api, TICKETS).status_code == 200
    hook = subscribe(api, receiver, form="tickets", fields=["title", "priority"])
    assert hook["secret"].startswith("whsec_")
    # The secret is shown once: never in a later answer, and not stored in the clear.
    for answer in (api.get(HOOKS), api.get(f"{HOOKS}/{hook['id']}")):
        assert answer.status_code == 200 and hook["secret"] not in answer.text and "secret" not in answer.text
    with sessions() as s:
        assert hook["secret"] not in s.get(WebhookSubscription, hook["id"]).secret

    made = [api.post(URL, json={"title": f"工单 {i}", "priority": "P2", "note": "secret note"}).json()
            for i in range(5)]
    for item in made:
        version = item["version"]
        for p in ("P1", "P3"):
            answer = api.patch(f"{URL}/{item['id']}", json={"priority": p, "version": version})
            version = answer.json()["version"]
        api.patch(f"{URL}/{item['id']}", json={"note": "only the note", "version": version})
    drain()

    got = receiver.unique()
    assert receiver.refused == 0 and len(got) == 15  # the note-only changes are not sent
    per_record = defaultdict(list)
    for m in got:
        body = m["body"]
        assert body["type"].startswith("record.") and body["data"]["form"] == "tickets"
        assert "note" not in body["data"]["after"] and "causation" not in body["data"]
        per_record[body["data"]["id"]].append(body["data"]["after"].get("priority"))
    assert all(seen == ["P2", "P1", "P3"] for seen in per_record.values())
    # In order per record, not across records: each record's first message carries its title.
    firsts: dict[int, str] = {}
    for m in got:
        if m["body"]["data"]["id"] not in firsts:  # its creation: the later ones carry what changed
            firsts[m["body"]["data"]["id"]] = m["body"]["data"]["after"]["title"]
    assert firsts == {item["id"]: f"工单 {i}" for i, item in enumerate(made)}

    log = api.get(f"{HOOKS}/{hook['id']}/deliveries").json()["items"]
    assert len(log) == 15 and {d["status"] for d in log} == {"delivered"}
    assert {d["response_status"] for d in log} == {204}


def test_a_failing_receiver_is_retried_with_backoff_and_the_log_shows_it(api, drain, receiver, sessions,
                                                                         quick_retries):
    assert publish(api, TICKETS).status_code == 200
    hook = subscribe(api, receiver)
    receiver.fail_next = 2
    api.post(URL, json={"title": "retry me"})
    drain()
    got = receiver.unique()
    assert len(got) == 1 and got[0]["body"]["data"]["after"]["title"] == "retry me"
    [entry] = api.get(f"{HOOKS}/{hook['id']}/deliveries").json()["items"]
    assert entry["status"] == "delivered" and entry["attempts"] == 3
    with sessions() as s:
        outcomes = [r.outcome for r in s.scalars(select(JobRun).where(JobRun.task == "webhooks.deliver")
                                                 .order_by(JobRun.id))]
        errors = [r.error for r in s.scalars(select(JobRun).where(JobRun.outcome == "retrying"))]
    assert outcomes == ["retrying", "retrying", "succeeded"]
    assert all("503" in e for e in errors)


def test_persistent_failure_turns_the_webhook_off_tells_the_admin_and_replay_sends_it(api, drain, receiver,
                                                                                      sessions, quick_retries):
    assert publish(api, TICKETS).status_code == 200
    hook = subscribe(api, receiver)
    receiver.failing = True
    first = api.post(URL, json={"title": "lost?"}).json()
    api.patch(f"{URL}/{first['id']}", json={"title": "later", "version": first["version"]})
    drain()
    state = api.get(f"{HOOKS}/{hook['id']}").json()
    assert state["enabled"] is False and "503" in state["disabled_reason"]
    log = api.get(f"{HOOKS}/{hook['id']}/deliveries").json()["items"]
    assert [d["status"] for d in log] == ["skipped", "failed"]  # newest first
    assert "503" in log[1]["error"]
    with sessions() as s:
        [notice] = s.scalars(select(Notification)).all()
    assert receiver.url in notice.text and notice.source == f"webhook:{hook['id']}"
    bell = api.get("/api/v1/notifications").json()
    assert bell["unread"] == 1

    # Replay is refused while it is off; on again, both messages go, in their order.
    refused = api.post(f"{HOOKS}/{hook['id']}/deliveries/{log[1]['id']}:replay")
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    receiver.failing = False
    assert api.patch(f"{HOOKS}/{hook['id']}", json={"enabled": True}).json()["disabled_reason"] is None
    for entry in reversed(log):
        assert api.post(f"{HOOKS}/{hook['id']}/deliveries/{entry['id']}:replay").status_code == 202
    drain()
    got = receiver.unique()
    assert [m["body"]["data"]["after"]["title"] for m in got] == ["lost?", "later"]
    assert [m["id"] for m in got] == [log[1]["msg_id"], log[0]["msg_id"]]  # the same webhook-id as before
    log = api.get(f"{HOOKS}/{hook['id']}/deliveries").json()["items"]
    assert {d["status"] for d in log} == {"delivered"} and {d["replays"] for d in log} == {1}


def test_rotation_signs_with_both_secrets_for_a_day(api, drain, receiver):
    assert publish(api, TICKETS).status_code == 200
    hook = subscribe(api, receiver)
    old = receiver.secrets[0]
    rotated = api.post(f"{HOOKS}/{hook['id']}:rotate").json()
    assert rotated["secret"] != old and rotated["rotating_until"]
    receiver.secrets[:] = [rotated["secret"]]  # a receiver that switched already
    api.post(URL, json={"title": "a"})
    drain()
    receiver.secrets[:] = [old]  # and one that did not yet
    api.post(URL, json={"title": "b"})
    drain()
    assert [m["body"]["data"]["after"]["title"] for m in receiver.unique()] == ["a", "b"]
    assert all(len(m["signatures"].split(" ")) == 2 for m in receiver.messages)


def test_send_a_test_and_bad_settings(api, receiver):
    assert publish(api, TICKETS).status_code == 200
    hook = subscribe(api, receiver)
    assert api.post(f"{HOOKS}/{hook['id']}:test").json() == {"status": 204}
    assert receiver.unique()[0]["body"]["type"] == "webhook.test"
    bad = api.post(HOOKS, json={"url": "ftp://example.com", "events": ["order.*"], "form": "nope"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in bad.json()["errors"]} == {"url", "events"}
    unknown = api.post(HOOKS, json={"url": receiver.url, "events": ["record.*"], "form": "tickets",
                                    "fields": ["title", "ghost"]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "fields"
    receiver.failing = True
    failed = api.post(f"{HOOKS}/{hook['id']}:test")
    assert failed.status_code == 422 and "503" in failed.json()["detail"]


def test_apps_without_webhooks_make_no_delivery_jobs(api, drain, sessions):
    assert publish(api, TICKETS).status_code == 200
    api.post(URL, json={"title": "quiet"})
    drain()
    with sessions() as s:
        assert s.scalars(select(JobRun).where(JobRun.task.like("webhooks%"))).all() == []


def test_a_changed_installation_key_turns_the_webhook_off_at_once(api, drain, receiver, settings):

    assert publish(api, TICKETS).status_code == 200
    hook = subscribe(api, receiver)
    secretbox.configure("another installation key")  # as if BRICKWORK_SECRET_KEY had been changed
    try:
        api.post(URL, json={"title": "x"})
        drain()
        state = api.get(f"{HOOKS}/{hook['id']}").json()
        assert state["enabled"] is False and "another installation key" in state["disabled_reason"]
        refused = api.post(f"{HOOKS}/{hook['id']}:test")
        assert refused.status_code == 409
        # A new secret under the new key; the old one, unreadable now, no longer signs.
        rotated = api.post(f"{HOOKS}/{hook['id']}:rotate").json()
        receiver.secrets[:] = [rotated["secret"]]
        assert api.post(f"{HOOKS}/{hook['id']}:test").json() == {"status": 204}
        assert len(receiver.messages[-1]["signatures"].split(" ")) == 1
    finally:
        secretbox.configure(settings.secret_key)
    assert [m["body"]["type"] for m in receiver.unique()] == ["webhook.test"]


def test_internal_addresses_are_refused_at_save_unless_allowed(api, monkeypatch):
    monkeypatch.setenv("BRICKWORK_HTTP_ALLOW_HOSTS", "")
    from brickwork.connectors import config

    monkeypatch.setattr(config.settings(), "http_allow_hosts", "")
    assert publish(api, TICKETS).status_code == 200
    for url in ("http://127.0.0.1:9/hook", "http://169.254.169.254/latest/meta-data", "https://10.0.0.1/hook",
                "http://localhost:8080/"):
        refused = api.post(f"{APP}/webhooks", json={"url": url, "events": ["record.*"]})
        assert refused.status_code == 422, url
        assert refused.json()["errors"][0]["field"] == "url"
    monkeypatch.setattr(config.settings(), "http_allow_hosts", "127.0.0.1")
    allowed = api.post(f"{APP}/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["record.*"]})
    assert allowed.status_code == 201


def test_an_address_that_turned_internal_is_refused_at_delivery(api, drain, receiver, monkeypatch,
                                                                 quick_retries):
    from brickwork.connectors import config

    assert publish(api, TICKETS).status_code == 200
    made = api.post(f"{APP}/webhooks", json={"url": receiver.url, "events": ["record.*"]})
    assert made.status_code == 201, made.text
    monkeypatch.setattr(config.settings(), "http_allow_hosts", "")  # the allow-list changed since
    api.post(URL, json={"title": "x"})
    drain()
    assert receiver.unique() == []
    seen = api.get(f"{APP}/webhooks/{made.json()['id']}/deliveries").json()["items"]
    assert seen[0]["status"] == "failed" and "inside this network" in seen[0]["error"]


def test_a_rule_sweeps_batch_arrives_as_one_message_listing_its_records(api, drain, receiver, sessions):
    from tests.engines.rules.helpers import publish_rule
    from tests.engines.rules.test_sweeps import CUSTOMERS, TO_POOL, days_ago, run_sweep
    from tests.engines.rules.test_sweeps import URL as CUSTOMERS_URL

    assert publish(api, CUSTOMERS).status_code == 200
    assert publish_rule(api, TO_POOL).status_code == 200
    subscribe(api, receiver, form="customers")
    made = [api.post(CUSTOMERS_URL, json={"name": f"c{i}", "last_followup": days_ago(40)}).json()
            for i in range(5)]
    drain()
    created = len(receiver.unique())
    assert run_sweep(sessions, batch=3) == {"cleared": 0, "marked": 5}
    drain()
    got = [m["body"] for m in receiver.unique()[created:]]
    assert sorted(b["type"] for b in got) == ["record.updated_many"] * 2  # batches of 3 and 2
    assert sorted(len(b["data"]["ids"]) for b in got) == [2, 3]
    assert sorted(i for b in got for i in b["data"]["ids"]) == sorted(r["id"] for r in made)
    assert all(b["data"]["after"] == {"pool": "public"} and "causation" not in b["data"] for b in got)
