"""Incoming webhooks of rules: a signing secret (Standard Webhooks, signed here with the
reference library), the body mapped to record fields with formulas, 202 only once queued,
and a delivery sent twice with the same id making one record."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from standardwebhooks.webhooks import Webhook

from tests.engines.rules.helpers import APP, INVOICES_URL, count, publish_rule, rule, setup_forms

SECRET = "abcdefghijklmnopqrstuvwxyz123456"
HOOK = f"/api/v1/hooks/crm/order_in/{SECRET}"
ORDER = {"customer": {"name": "华东贸易"}, "order": {"no": "SO-7", "total": 1250.5}}


def signed(secret: str, body: dict, msg_id: str, at: datetime | None = None) -> tuple[bytes, dict]:
    raw = json.dumps(body, ensure_ascii=False).encode()
    at = at or datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id, at, raw.decode())
    return raw, {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
                 "webhook-signature": signature, "content-type": "application/json"}


def order_rule(verify: bool = True) -> dict:
    return rule("order_in", {"type": "webhook", "secret": SECRET, "verify": verify}, [
        {"type": "create_record", "form": "invoices", "values": {
            "deal": {"formula": '{body.customer.name} & " " & {body.order.no}'},
            "amount": {"formula": "{body.order.total} * 2"}}}])


def test_a_signed_delivery_sent_twice_makes_one_record_from_its_mapped_body(api, client, drain):
    setup_forms(api)
    assert publish_rule(api, order_rule()).status_code == 200
    made = api.post(f"{APP}/rules/order_in/webhook-secret")
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    secret = made.json()["secret"]
    # Kept out of the rule and of the app file.
    assert secret not in api.get(f"{APP}:export").text

    raw, headers = signed(secret, ORDER, "msg_order_1")
    first = client.post(HOOK, content=raw, headers=headers)
    again = client.post(HOOK, content=raw, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json() == {"accepted": first.json()["accepted"], "duplicate": True}
    drain()
    [invoice] = api.get(INVOICES_URL).json()["items"]
    assert invoice["deal"] == "华东贸易 SO-7" and float(invoice["amount"]) == 2501


def test_bad_missing_or_stale_signatures_are_refused_with_401(api, client, drain):
    setup_forms(api)
    assert publish_rule(api, order_rule()).status_code == 200
    raw, headers = signed("whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", ORDER, "msg_1")
    no_secret_yet = client.post(HOOK, content=raw, headers=headers)
    assert no_secret_yet.status_code == 401
    secret = api.post(f"{APP}/rules/order_in/webhook-secret").json()["secret"]
    wrong = client.post(HOOK, content=raw, headers=headers)
    assert wrong.status_code == 401 and wrong.headers["content-type"] == "application/problem+json"
    assert "signature" in wrong.json()["title"]
    unsigned = client.post(HOOK, json=ORDER)
    assert unsigned.status_code == 401
    raw, headers = signed(secret, ORDER, "msg_2", datetime.now(UTC) - timedelta(minutes=10))
    assert client.post(HOOK, content=raw, headers=headers).status_code == 401
    raw, headers = signed(secret, ORDER, "msg_3")
    tampered = raw.replace(b"SO-7", b"SO-8")
    assert client.post(HOOK, content=tampered, headers=headers).status_code == 401
    drain()
    assert count(api, INVOICES_URL) == 0


def test_without_verify_the_url_secret_is_enough_and_x_delivery_id_deduplicates(api, client, drain):
    setup_forms(api)
    assert publish_rule(api, order_rule(verify=False)).status_code == 200
    for _ in range(2):
        assert client.post(HOOK, json=ORDER, headers={"X-Delivery-Id": "d-1"}).status_code == 202
    assert client.post(HOOK, json=ORDER).status_code == 202  # no id: each delivery counts
    drain()
    assert count(api, INVOICES_URL) == 2


def test_a_bad_verify_setting_is_refused_at_save(api):
    setup_forms(api)
    body = order_rule()
    body["trigger"]["verify"] = "yes"
    saved = api.put(f"{APP}/definitions/rule/order_in", json=body)
    published = api.post(f"{APP}/definitions/rule/order_in:publish")
    assert saved.status_code == 422 or published.status_code == 422
