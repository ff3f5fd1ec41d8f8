"""An app file carries no secret of any kind: not a rule webhook's URL secret, not a
signing secret, not a connection's password, not a webhook subscription's secret. A new
app made from the file gets its own URL secret; the old URL does not reach it."""

from __future__ import annotations

import json
import re

from tests.connectors.webhooks.test_in import SECRET, order_rule
from tests.engines.rules.helpers import APP, publish_rule, setup_forms

PASSWORD = "smtp-Pa55word-9f8e7d"


def test_an_export_holds_no_secret_and_an_import_makes_its_own(api, client):
    setup_forms(api)
    assert publish_rule(api, order_rule(verify=False)).status_code == 200
    signing = api.post(f"{APP}/rules/order_in/webhook-secret").json()["secret"]
    made = api.post(f"{APP}/connections", json={"key": "mail", "connector": "email", "settings": {
        "host": "127.0.0.1", "port": 2525, "security": "none", "sender": "a@example.com", "username": "u",
        "password": PASSWORD}})
    assert made.status_code == 201, made.text
    assert client.post(f"/api/v1/hooks/crm/order_in/{SECRET}", json={"order": {}}).status_code == 202

    exported = api.get(f"{APP}:export")
    assert exported.status_code == 200
    text = exported.text
    for secret in (SECRET, signing, PASSWORD):
        assert secret not in text
    keys = set(re.findall(r'"([A-Za-z_]+)":', text))
    assert not keys & {"secret", "secrets", "password", "token", "old_secret"}

    document = json.loads(text)
    document["app"]["key"] = "crm2"
    imported = api.post("/api/v1/apps:import", json=document)
    assert imported.status_code == 201, imported.text
    live = api.get("/api/v1/apps/crm2/definitions/rule/order_in").json()
    fresh = json.dumps(live)
    assert SECRET not in fresh
    [new_secret] = re.findall(r'"secret": "([0-9a-f]{32})"', fresh)
    assert client.post(f"/api/v1/hooks/crm2/order_in/{SECRET}", json={"order": {}}).status_code == 404
    assert client.post(f"/api/v1/hooks/crm2/order_in/{new_secret}", json={"order": {}}).status_code == 202
