"""The app's webhooks page in a real Chromium: add a webhook (its secret shown once), see
its deliveries arrive, replay one with its button."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.engines.form.helpers import field, form
from tests.live_server import LiveServer, Worker
from tests.support.databases import PG_URL
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser

APP = "/api/v1/apps/crm"
TICKETS = form("tickets", field("t_title", "text", "title"))


@pytest.fixture
def live_server(tmp_path, database_url):
    """`brickwork serve`; on PostgreSQL a `brickwork worker` beside it (one data folder: one key)."""
    server = LiveServer(tmp_path / "data", database_url)
    worker = Worker(tmp_path / "data", database_url, "worker") if PG_URL else None
    yield server
    if worker:
        worker.stop()
    server.stop()


def test_add_a_webhook_watch_it_deliver_and_replay(signed_in, live_api, live_server, receiver, shot):
    assert live_api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    assert live_api.put(f"{APP}/forms/tickets", json=TICKETS).status_code == 200
    assert live_api.post(f"{APP}/forms/tickets:publish").status_code == 200
    page = signed_in("zh-CN")
    page.goto(f"{live_server.url}/apps/crm")
    page.get_by_test_id("webhooks-link").click()
    new = page.get_by_test_id("webhook-new")
    new.locator("input[name=url]").fill(receiver.url)
    new.locator("input[name=form]").fill("tickets")
    new.locator("button[type=submit]").click()
    secret = page.get_by_test_id("webhook-secret").locator("code").inner_text()
    assert secret.startswith("whsec_")
    receiver.secrets.append(secret)

    live_api.post(f"{APP}/forms/tickets/records", json={"title": "网络故障"})
    wait_for(lambda: receiver.unique(), 30, "nothing delivered")
    page.goto(f"{live_server.url}/apps/crm/webhooks")
    assert secret not in page.content()  # shown once only
    row = page.locator("[data-testid=deliveries] tr[data-status=delivered]")
    expect(row).to_have_count(1)
    shot(page, "deliveries")
    row.get_by_role("button").click()
    expect(page.get_by_test_id("replayed")).to_be_visible()
    wait_for(lambda: len(receiver.messages) >= 2, 30, "the replay did not arrive")
    first, again = receiver.messages[:2]
    assert first["id"] == again["id"] and again["body"]["data"]["after"]["title"] == "网络故障"
    assert not page.errors, page.errors
