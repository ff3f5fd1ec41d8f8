"""In a real Chromium: a subscriber keeps failing, retries with backoff and lands in the dead
letters; the administrator finds it on the run log page, fixes the cause and retries it from
there, and the event is applied once."""

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from brickwork.platform.db import make_engine
from tests.engines.form.helpers import field, form, publish, records
from tests.live_server import LiveServer, Worker
from tests.platform.jobs.seen import SEEN, seen_meta
from tests.support.databases import PG_URL
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser


@pytest.fixture
def fixed(tmp_path):
    return tmp_path / "fixed"


@pytest.fixture
def live_server(tmp_path, database_url, fixed):
    """`brickwork serve` with the flaky subscriber; on PostgreSQL a `brickwork worker` beside it."""
    env = {"BRICKWORK_PLUGINS": "tests.builder_ui.runs_plugin", "BRICKWORK_TEST_FIXED": str(fixed)}
    server = LiveServer(tmp_path / "data", database_url, extra_env=env)
    worker = Worker(tmp_path / "data", database_url, "worker", extra_env=env) if PG_URL else None
    engine = make_engine(database_url)
    seen_meta.create_all(engine)
    engine.dispose()
    yield server
    if worker:
        worker.stop()
    server.stop()



def test_a_dead_letter_is_retried_from_the_run_log(signed_in, live_server, live_api, database_url, fixed, shot):
    assert publish(live_api, form("orders", field("o_title", "text", "title"))).status_code == 200
    assert live_api.post(records("orders"), json={"title": "Order 1"}).status_code == 201

    def dead() -> bool:
        runs = live_api.get("/api/v1/runs", params={"outcome": "failed"}).json()["items"]
        return any(r["task"] == "tests.flaky" for r in runs)
    wait_for(dead, what="the worker did not get there")
    attempts = live_api.get("/api/v1/runs", params={"app": "crm"}).json()["items"]
    assert [r["outcome"] for r in attempts if r["task"] == "tests.flaky"] == ["failed", "retrying"]

    page = signed_in()
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Run log").click()
    page.get_by_label("Outcome").select_option("failed")
    page.get_by_role("button", name="Show").click()
    failed = page.locator("tr[data-outcome=failed]")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("the receiving system refused the connection")
    expect(failed).to_contain_text("Dead letter")
    shot(page, "dead-letter")

    fixed.touch()  # the administrator fixes the receiving system
    failed.get_by_role("button", name="Retry").click()
    expect(page.get_by_test_id("retried")).to_be_visible()
    expect(page.get_by_label("Outcome")).to_have_value("failed")  # the filters stay

    engine = make_engine(database_url)
    try:
        def applied() -> int:
            with engine.connect() as conn:
                return conn.scalar(select(func.count()).select_from(SEEN).where(SEEN.c.subscriber == "tests.flaky"))
        wait_for(lambda: applied() == 1, what="the worker did not get there")
        page.get_by_label("Outcome").select_option("succeeded")
        page.get_by_role("button", name="Show").click()
        expect(page.locator("tr[data-outcome=succeeded]", has_text="tests.flaky")).to_have_count(1)
        shot(page, "retried")
        time.sleep(1)
        assert applied() == 1  # once, not once per attempt
    finally:
        engine.dispose()
    assert not page.errors


def test_the_run_log_speaks_chinese_on_a_phone(signed_in, live_server, live_api):
    page = signed_in("zh-CN", phone=True)
    page.goto(f"{live_server.url}/admin/runs")
    expect(page.locator("h1")).to_have_text("运行日志")
    expect(page.get_by_test_id("no-runs")).to_be_visible()
    expect(page.get_by_test_id("runs-filter")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    assert not page.errors
