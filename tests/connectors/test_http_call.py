"""The HTTP call action: inside addresses refused by default (loopback, cloud metadata,
private networks, their IPv6 forms); with the administrator's allow-list the loopback
receiver gets the templated request and the answer fills the record's field."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from brickwork.connectors import outbound
from brickwork.platform.models import RuleRun
from tests.connectors.helpers import TICKETS_URL, connection, p1_rule, setup_tickets

INSIDE = ["http://127.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://172.16.5.4/",
          "http://192.168.1.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[fe80::1]/",
          "http://[fd00::1]/", "http://localhost/", "http://0.0.0.0/"]


@pytest.mark.parametrize("url", INSIDE)
def test_inside_addresses_are_refused_by_default(app, url):
    with pytest.raises(outbound.Refused):
        outbound.resolve(url)


def test_only_http_and_https(app):
    for url in ("file:///etc/passwd", "gopher://example.com/", "ftp://example.com/"):
        with pytest.raises(outbound.Refused):
            outbound.resolve(url)


CALL = {"type": "http_call", "method": "POST", "url": "{{ base }}/erp/tickets?title={{ record.title|urlencode }}",
        "headers": {"X-Source": "brickwork"},
        "body": '{"title": {{ raw.title|tojson }}, "priority": "{{ raw.priority }}"}',
        "response": {"answer": "ticket.number"}}


def _call(base: str) -> dict:
    return {**CALL, "url": CALL["url"].replace("{{ base }}", base)}


def test_a_call_to_loopback_is_refused_without_the_allow_list(api, sessions, drain):
    setup_tickets(api)
    p1_rule(api, "to_erp", [_call("http://127.0.0.1:9")])
    made = api.post(TICKETS_URL, json={"title": "退款", "priority": "P1"}).json()
    drain()
    with sessions() as session:
        run = session.scalar(select(RuleRun))
    assert run.status == "failed" and "127.0.0.1 is an address inside this network" in run.error
    assert api.get(f"{TICKETS_URL}/{made['id']}").json()["answer"] is None


def test_with_the_allow_list_the_answer_fills_the_field(api, sessions, drain, receiver):
    setup_tickets(api)
    p1_rule(api, "to_erp", [_call(receiver.base)])
    made = api.post(TICKETS_URL, json={"title": "退款 & 发票", "priority": "P1"}).json()
    drain()
    assert len(receiver.calls) == 1
    call = receiver.calls[0]
    assert call["method"] == "POST" and call["path"].startswith("/erp/tickets?title=%E9%80%80%E6%AC%BE")
    assert json.loads(call["body"]) == {"title": "退款 & 发票", "priority": "P1"}
    headers = {k.lower(): v for k, v in call["headers"].items()}
    assert headers["x-source"] == "brickwork" and headers["content-type"].startswith("application/json")
    assert headers["idempotency-key"].startswith("rule:crm:to_erp:")
    assert api.get(f"{TICKETS_URL}/{made['id']}").json()["answer"] == "ERP-42"


def test_a_connection_adds_its_sealed_authorization(api, sessions, drain, receiver):
    setup_tickets(api)
    connection(api, "erp", "http", {"base_url": receiver.base + "/erp/", "authorization": "Bearer erp-secret-77"})
    p1_rule(api, "to_erp", [{**CALL, "connection": "erp", "url": "tickets"}])
    api.post(TICKETS_URL, json={"title": "对账", "priority": "P1"})
    drain()
    headers = {k.lower(): v for k, v in receiver.calls[0]["headers"].items()}
    assert receiver.calls[0]["path"] == "/erp/tickets" and headers["authorization"] == "Bearer erp-secret-77"
    with sessions() as session:
        run = session.scalar(select(RuleRun))
    assert "erp-secret-77" not in json.dumps(run.actions)
