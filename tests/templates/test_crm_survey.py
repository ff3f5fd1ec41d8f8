"""The CRM's satisfaction survey on close (issue 20): closing a ticket mails its contact a
link (aiosmtpd on loopback); the link's page lets them rate the service once, without an
account, through the form engine's checks; the ticket's history says it came via the link."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from tests.templates.crm import RECORDS

CONNECTIONS = "/api/v1/apps/crm/connections"


@pytest.fixture
def outsider(app):
    """Someone with no account, on a phone set to Chinese."""
    with TestClient(app, headers={"Accept-Language": "zh-CN,zh;q=0.9"}) as client:
        yield client


def closed_ticket(crm, api, smtp, drain) -> tuple[int, str]:
    """A ticket of a contact with an email, closed: its id and the link mailed to the contact."""
    made = api.post(CONNECTIONS, json={"key": "crm_mail", "connector": "email", "settings": {
        "host": "127.0.0.1", "port": smtp.port, "security": "none", "sender": "service@example.com"}})
    assert made.status_code == 201, made.text
    customer = crm.create("customers", name="杭州云帆")
    contact = crm.create("contacts", name="周敏", customer=customer["id"], email="zhou.min@example.com")
    ticket = crm.create("tickets", title="打印机离线", customer=customer["id"], contact=contact["id"])
    drain()
    assert smtp.inbox.messages == []  # only closing sends the survey
    crm.edit("tickets", ticket["id"], status="ts_closed")
    drain()
    [mail] = smtp.inbox.messages
    assert smtp.inbox.envelopes[0][1] == ["zhou.min@example.com"]
    assert "打印机离线" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    [link] = re.findall(r"/fill/[A-Za-z0-9_-]+", text)
    return ticket["id"], link


def test_closing_a_ticket_mails_the_contact_a_link_to_rate_the_service_once(crm, api, smtp, drain, outsider):
    ticket, link = closed_ticket(crm, api, smtp, drain)
    page = outsider.get(link)
    assert page.status_code == 200
    assert "满意度" in page.text and "评价意见" in page.text and "打印机离线" in page.text
    assert "问题描述" not in page.text  # only the link's fields
    assert outsider.get(link + "?lang=en").text.count("Comment") >= 1
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    sent = outsider.post(link, data={"csrf_token": token, "csat": "4", "csat_comment": "响应很快"})
    assert sent.status_code == 200 and 'data-testid="fill-done"' in sent.text
    record = crm.get("tickets", ticket)
    assert (record["csat"], record["csat_comment"]) == (4, "响应很快")
    history = api.get(f"{RECORDS.format('tickets')}/{ticket}/history").json()
    assert history[-1]["changes"]["_via"] == "link" and history[-1]["actor"] is None
    # the link is used up: the page and the API say so, and nothing changes
    again = outsider.post(link, data={"csrf_token": token, "csat": "1"})
    assert again.status_code == 410 and "已使用" in again.text
    assert outsider.post("/api/v1" + link, json={"csat": 1}).status_code == 410
    assert crm.get("tickets", ticket)["csat"] == 4


def test_an_expired_or_changed_link_is_refused_and_changes_nothing(crm, api, smtp, drain, outsider, clock):
    ticket, link = closed_ticket(crm, api, smtp, drain)
    tampered = link[:-1] + ("A" if link[-1] != "A" else "B")
    assert outsider.get(tampered).status_code == 404
    assert outsider.post("/api/v1" + tampered, json={"csat": 5}).status_code == 404
    clock(15)  # the link lasts 14 days
    page = outsider.get(link)
    assert page.status_code == 410 and "已过期" in page.text
    refused = outsider.post("/api/v1" + link, json={"csat": 5})
    assert refused.status_code == 410
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert crm.get("tickets", ticket)["csat"] is None


def test_a_bad_rating_is_refused_per_field_in_the_persons_language_and_the_link_still_works(
        crm, api, smtp, drain, outsider):
    ticket, link = closed_ticket(crm, api, smtp, drain)
    refused = outsider.post("/api/v1" + link, json={"csat": 9, "csat_comment": "差"})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    [error] = refused.json()["errors"]
    assert error["field"] == "csat" and re.search(r"[\u4e00-\u9fff]", error["message"])
    other = outsider.post("/api/v1" + link, json={"status": "ts_received"})  # not a field of the link
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "status"
    record = crm.get("tickets", ticket)
    assert (record["csat"], record["csat_comment"], record["status"]) == (None, None, "ts_closed")
    # the page shows the same message beside the field
    page = outsider.get(link)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    shown = outsider.post(link, data={"csrf_token": token, "csat": "9"})
    assert shown.status_code == 422 and error["message"] in shown.text
    assert outsider.post("/api/v1" + link, json={"csat": 5}).status_code == 200
    assert crm.get("tickets", ticket)["csat"] == 5
