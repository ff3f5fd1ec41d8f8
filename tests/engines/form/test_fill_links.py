"""Fill links (外链) for any form: a rule's ``request_fill`` makes a link to fill some fields
of the trigger's record and hands its address to the next action's template; the link fills
only those fields, once, through the form engine's checks, and its token is kept hashed."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from brickwork.engines.form import fill_links
from brickwork.engines.form.forms import load_form
from brickwork.platform.db import transaction
from brickwork.platform.models import FillLink, RuleRun
from tests.engines.form.helpers import APP, field, form, publish, records

ORDERS = form("orders", field("o_name", "text", "name"), field("o_score", "rating", "score", max=5),
              field("o_note", "textarea", "note"), field("o_total", "money", "total"))


@pytest.fixture
def outsider(app):
    with TestClient(app, headers={"Accept-Language": "en"}) as client:
        yield client


def rule(api, actions):
    body = {"key": "ask", "label": {"en": "ask"}, "trigger": {"type": "record.created", "form": "orders"},
            "actions": actions}
    saved = api.put(f"{APP}/definitions/rule/ask", json=body)
    assert saved.status_code == 200, saved.text
    return api.post(f"{APP}/definitions/rule/ask:publish")


def test_a_rule_makes_a_link_for_the_next_actions_template_and_keeps_only_its_hash(api, sessions, drain, outsider):
    publish(api, ORDERS)
    # the next action sees the address: here it writes it into the record's note
    done = rule(api, [{"type": "request_fill", "fields": ["score"], "days": 2},
                      {"type": "update_records", "values": {"note": {"formula": '"asked"'}}}])
    assert done.status_code == 200, done.text
    order = api.post(records("orders"), json={"name": "A-1", "total": "10"}).json()
    drain()
    with transaction(sessions) as s:
        [link] = s.scalars(select(FillLink)).all()
        [run] = s.scalars(select(RuleRun)).all()
        assert (link.form, link.record_id, link.fields) == ("orders", order["id"], ["score"])
        assert run.status == "succeeded", run.error
        assert "/fill/" not in str(run.actions)  # the run log keeps the link's id, never its token
        token, made = fill_links.create_link(s, load_form(s, "crm", "orders"), order["id"], ["score"])
        assert made.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in made.token_hash
    answer = outsider.get(f"/api/v1/fill/{token}")
    assert answer.status_code == 200
    assert [f["key"] for f in answer.json()["fields"]] == ["score"]
    assert "total" not in answer.text  # nothing else of the record


def test_the_link_fills_only_its_fields_once_as_the_form_engine_checks_them(api, sessions, outsider):
    publish(api, ORDERS)
    order = api.post(records("orders"), json={"name": "A-1", "total": "10"}).json()
    with transaction(sessions) as s:
        token, _ = fill_links.create_link(s, load_form(s, "crm", "orders"), order["id"], ["score", "note"])
    url = f"/api/v1/fill/{token}"
    wrong = outsider.post(url, json={"score": 7})
    assert wrong.status_code == 422
    same = api.patch(f"{records('orders')}/{order['id']}", json={"score": 7, "version": order["version"]})
    assert wrong.json()["errors"] == same.json()["errors"]  # the very message a user gets
    assert outsider.post(url, json={"total": "0"}).json()["errors"][0]["field"] == "total"
    assert outsider.post(url, json={"score": 3, "note": "fine"}).status_code == 200
    record = api.get(f"{records('orders')}/{order['id']}").json()
    assert (record["score"], record["note"], record["total"]) == (3, "fine", "10.00")
    assert outsider.post(url, json={"score": 1}).status_code == 410
    assert api.get(f"{records('orders')}/{order['id']}").json()["score"] == 3


def test_the_page_speaks_the_language_asked_for_and_a_deleted_record_is_404(api, sessions, outsider):
    publish(api, ORDERS)
    order = api.post(records("orders"), json={"name": "A-1"}).json()
    with transaction(sessions) as s:
        token, _ = fill_links.create_link(s, load_form(s, "crm", "orders"), order["id"], ["score"])
    zh = outsider.get(f"/fill/{token}?lang=zh-CN")
    assert zh.status_code == 200 and zh.headers["content-language"] == "zh-CN"
    assert re.search("提交|发送", zh.text)
    api.delete(f"{records('orders')}/{order['id']}")
    assert outsider.get(f"/fill/{token}").status_code == 404


def test_a_rule_that_names_no_field_to_fill_is_refused_at_save(api):
    publish(api, ORDERS)
    body = {"key": "ask", "label": {"en": "ask"}, "trigger": {"type": "record.created", "form": "orders"},
            "actions": [{"type": "request_fill", "fields": [], "days": 0}]}
    refused = api.put(f"{APP}/definitions/rule/ask", json=body)
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"$.actions[0].fields", "$.actions[0].days"}
