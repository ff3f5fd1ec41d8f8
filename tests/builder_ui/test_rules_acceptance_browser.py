"""The rules issue's acceptance in a real Chromium. An administrator builds, by clicks in the
rule designer, "when an opportunity becomes won with an amount over 100,000, create a
follow-up task for the owner's manager and notify them"; one win makes the task, assigned to
the manager, and the manager's own bell shows it; an import of 1,000 new opportunities of which
10 are won makes exactly 10 more tasks (the trigger "created or updated": a record created
matching counts as having become won), and re-importing them with 10 more won makes 10 more;
rules that keep updating their own record are stopped, and the rule's run log says why in words."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from brickwork.engines.form.forms import load_form
from brickwork.platform.db import make_engine, make_sessionmaker
from brickwork.platform.jobs.queue import pending_count
from brickwork.platform.models import Notification
from tests.engines.form.helpers import APP, field, form, publish, records
from tests.engines.form.transfer.files import csv_bytes
from tests.live_server import LiveServer, Worker
from tests.support.databases import PG_URL
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser

STAGES = [{"id": "lead", "label": {"en": "Lead", "zh-CN": "线索"}},
          {"id": "won", "label": {"en": "Won", "zh-CN": "赢单"}}]
OPPORTUNITIES = form("opportunities", field("o_name", "text", "name"),
                     field("o_stage", "select", "stage", options=STAGES),
                     field("o_amount", "number", "amount"), field("o_owner", "user", "owner"),
                     field("o_n", "number", "n"))
TASKS = form("tasks", field("t_title", "text", "title"), field("t_assignee", "user", "assignee"))
OPPS, TASKS_URL = records("opportunities"), records("tasks")
PASSWORD = "a-long-password-1"
IMPORTED = 1000


@pytest.fixture
def live_server(tmp_path, database_url):
    """`brickwork serve`; on PostgreSQL a `brickwork worker` beside it runs the rules."""
    server = LiveServer(tmp_path / "data", database_url)
    worker = Worker(tmp_path / "data", database_url, "worker") if PG_URL else None
    yield server
    if worker:
        worker.stop()
    server.stop()


class Database:
    """What the test reads beside the server: the jobs not yet finished, the tasks, the bell."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)

    def pending(self) -> int:
        with self.sessions() as s:
            return pending_count(s)

    def tasks(self) -> int:
        with self.sessions() as s:
            table = load_form(s, "crm", "tasks").table
            return s.scalar(select(func.count()).select_from(table).where(table.c.deleted_at.is_(None)))

    def told(self, user: int) -> list[str]:
        with self.sessions() as s:
            return list(s.scalars(select(Notification.text).where(Notification.user_id == user)))


@pytest.fixture
def db(database_url):
    found = Database(database_url)
    yield found
    found.engine.dispose()



def settled(db: Database) -> None:
    """Every job the writes so far queued has finished (rules included)."""
    wait_for(lambda: db.pending() == 0, 300, "the jobs did not finish")


def people(live_api) -> dict[str, int]:
    """Maria manages Rob (set on him in the organisation)."""
    maria = live_api.post("/api/v1/users", json={"username": "maria", "display_name": "Maria Manager",
                                                 "password": PASSWORD})
    assert maria.status_code == 201, maria.text
    rob = live_api.post("/api/v1/users", json={"username": "rob", "display_name": "Rob Rep", "password": PASSWORD,
                                               "manager": maria.json()["id"]})
    assert rob.status_code == 201, rob.text
    return {"maria": maria.json()["id"], "rob": rob.json()["id"]}


def sign_in_as(browser, live_server, username: str):
    context = browser.new_context(locale="en")
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def build_the_rule(page, url: str) -> None:
    """The rule, by clicks: trigger, condition on the filter builder, two actions."""
    page.goto(f"{url}/apps/crm/rules")
    page.get_by_label("Name (English)").fill("Big win follow-up")
    page.get_by_role("button", name="Create and design").click()
    expect(page.get_by_test_id("rule-designer")).to_be_visible()
    # "Created or updated", acting when the condition becomes true: a win by an edit, or an
    # opportunity that arrives won.
    page.get_by_test_id("trigger-type").select_option(label="A record is created or updated")
    page.get_by_test_id("trigger-form").select_option("opportunities")
    page.get_by_test_id("add-condition").click()
    condition = page.get_by_test_id("part-condition")
    condition.locator(".group-foot .add-condition").click()
    stage, amount = condition.locator(".filter-row").nth(0), condition.locator(".filter-row").nth(1)
    stage.locator(".filter-field").select_option(label="Stage")
    stage.locator(".filter-op").select_option("=")
    stage.locator(".filter-value-input").select_option("won")
    amount.locator(".filter-field").select_option(label="Amount")
    amount.locator(".filter-op").select_option(">")
    amount.locator(".filter-value-input").fill("100000")
    # A follow-up task, assigned to the manager of the opportunity's owner ...
    page.get_by_test_id("add-action").select_option("create_record")
    task = page.get_by_test_id("action").nth(0)
    task.get_by_test_id("action-form").select_option("tasks")
    task.get_by_test_id("add-value").click()
    task.get_by_test_id("add-value").click()
    rows = task.locator(".rd-value")
    rows.nth(0).locator("textarea").fill('CONCAT("Follow up ", {Name})')
    expect(rows.nth(1).get_by_test_id("value-field")).to_have_value("assignee")
    rows.nth(1).get_by_test_id("value-source").select_option(label="The manager of Owner")
    expect(rows.nth(1).locator("textarea")).to_have_count(0)  # a choice now, not a formula
    # ... and the bell for that manager (not for whoever owns the record in the system).
    page.get_by_test_id("add-action").select_option("notify")
    notify = page.get_by_test_id("action").nth(1)
    notify.locator("textarea").first.fill('"Won: " & {Name} & ", follow up"')
    notify.get_by_test_id("to-owner").uncheck()
    notify.get_by_test_id("manager-fields").get_by_label("Owner").check()
    page.locator("[data-action=publish]").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Published.")


def import_csv(live_api, rows: list[str], **form_data: str) -> dict:
    lines = ["name,stage,amount,owner", *rows]
    done = live_api.post(f"{OPPS}:import", files={"file": ("opportunities.csv", csv_bytes(lines))},
                         data=form_data, timeout=300)
    assert done.status_code == 200, done.text
    return done.json()


def test_a_big_win_makes_a_task_for_the_owner_s_manager_and_an_import_makes_ten(
        signed_in, browser, live_server, live_api, db, shot):
    for definition in (OPPORTUNITIES, TASKS):
        assert publish(live_api, definition).status_code == 200
    who = people(live_api)
    acme = live_api.post(OPPS, json={"name": "Acme", "stage": "lead", "amount": 250000, "owner": who["rob"]})
    assert acme.status_code == 201, acme.text
    page = signed_in()
    build_the_rule(page, live_server.url)
    shot(page, "designer")
    live = live_api.get(f"{APP}/definitions/rule/big_win_follow_up").json()["body"]
    assert live["actions"][0]["values"]["assignee"] == {"manager_of": "owner"}
    assert live["actions"][1]["managers_of"] == ["owner"]
    # Opened again, the designer shows the choice as it was made.
    page.reload()
    expect(page.get_by_test_id("action").nth(0).locator(".rd-value").nth(1).get_by_test_id("value-source")) \
        .to_have_value("owner")

    # Win one on its record page.
    page.goto(f"{live_server.url}/apps/crm/forms/opportunities/records/{acme.json()['id']}/edit")
    page.locator("select[name=stage]").select_option("won")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("record-title")).to_be_visible()
    wait_for(lambda: len(live_api.get(TASKS_URL).json()["items"]) == 1, what="the rule did not run")
    task = live_api.get(TASKS_URL).json()["items"][0]
    assert (task["title"], task["assignee"]) == ("Follow up Acme", who["maria"])
    # Maria's bell, in her own browser: the count and the message.
    context, maria = sign_in_as(browser, live_server, "maria")
    expect(maria.get_by_test_id("bell-count")).to_have_text("1")
    maria.get_by_test_id("bell-button").click()
    expect(maria.get_by_test_id("notification")).to_contain_text("Won: Acme, follow up")
    shot(maria, "manager-bell")
    context.close()
    assert db.told(who["rob"]) == []  # the rep is not told; the manager is

    # 1,000 new opportunities arrive by import, 10 of them won: 10 tasks.
    won = set(range(5, IMPORTED, IMPORTED // 10))
    rows = [f"Deal {i:04},{'won' if i in won else 'lead'},{150000 + i},rob" for i in range(IMPORTED)]
    assert import_csv(live_api, rows)["created"] == IMPORTED
    settled(db)
    assert db.tasks() == 11
    # The refreshed sheet (the same rows, by name) has 10 more won: 10 more tasks, none again
    # for the 10 that stay won.
    more = set(range(7, IMPORTED, IMPORTED // 10))
    rows = [f"Deal {i:04},{'won' if i in won | more else 'lead'},{150000 + i},rob" for i in range(IMPORTED)]
    answer = import_csv(live_api, rows, upsert_key="name")
    assert answer["failed"] == 0
    settled(db)
    assert db.tasks() == 21
    titles = {t["title"] for t in live_api.get(TASKS_URL, params={"limit": 50}).json()["items"]}
    assert titles == {"Follow up Acme", *(f"Follow up Deal {i:04}" for i in won | more)}
    assert len(db.told(who["maria"])) == 21
    assert page.errors == []


def test_rules_updating_their_own_record_stop_and_the_run_log_says_why(signed_in, live_server, live_api, db):
    assert publish(live_api, OPPORTUNITIES).status_code == 200
    # Each step rule updates its own (the triggering) record, which starts the next one: the
    # ninth is 8 rules deep and the depth limit stops it.
    for i in range(9):
        body = {"key": f"step{i}", "label": {"en": f"Step {i}"},
                "trigger": {"type": "record.updated", "form": "opportunities", "fields": ["n"]},
                "condition": {"fn": "=", "args": [{"ref": "n"}, {"lit": str(i + 1), "type": "number"}]},
                "actions": [{"type": "update_records", "values": {"n": {"fn": "+", "args": [
                    {"ref": "n"}, {"lit": "1", "type": "number"}]}}}]}
        assert live_api.put(f"{APP}/definitions/rule/step{i}", json=body).status_code == 200
        assert live_api.post(f"{APP}/definitions/rule/step{i}:publish").status_code == 200
    made = live_api.post(OPPS, json={"name": "Loop", "n": 0}).json()
    done = live_api.patch(f"{OPPS}/{made['id']}", json={"n": 1, "version": made["version"]})
    assert done.status_code == 200, done.text
    settled(db)
    assert live_api.get(f"{OPPS}/{made['id']}").json()["n"] == "9"

    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/rules/step8")
    stopped = page.get_by_test_id("runs").locator("tr[data-status=stopped]")
    expect(stopped).to_have_count(1)
    expect(stopped.get_by_test_id("run-reason")).to_have_text(
        "Stopped at the depth limit: 8 rules in a row had changed records.")
    # The record's page says the same of the rule that was stopped there.
    page.goto(f"{live_server.url}/apps/crm/forms/opportunities/records/{made['id']}")
    expect(page.get_by_test_id("rules-ran").locator("li[data-status=stopped]")).to_contain_text(
        "Stopped at the depth limit")

    # One rule that rewrites its own record on every change: its own change does not start it
    # again, and its log says so in words.
    touch = {"key": "touch", "label": {"en": "Touch"}, "trigger": {"type": "record.updated", "form": "opportunities",
                                                                     "fields": ["name"]},
             "actions": [{"type": "update_records", "values": {"name": {"fn": "&", "args": [
                 {"ref": "name"}, {"lit": "!", "type": "text"}]}}}]}
    assert live_api.put(f"{APP}/definitions/rule/touch", json=touch).status_code == 200
    assert live_api.post(f"{APP}/definitions/rule/touch:publish").status_code == 200
    current = live_api.get(f"{OPPS}/{made['id']}").json()
    assert live_api.patch(f"{OPPS}/{made['id']}", json={"name": "Again", "version": current["version"]}) \
        .status_code == 200
    settled(db)
    assert live_api.get(f"{OPPS}/{made['id']}").json()["name"] == "Again!"
    page.goto(f"{live_server.url}/apps/crm/rules/touch")
    expect(page.get_by_test_id("runs").locator("tr[data-status=succeeded]")).to_have_count(1)
    expect(page.get_by_test_id("runs").locator("tr[data-status=stopped]").get_by_test_id("run-reason")).to_have_text(
        "Stopped: the rule's own change would have started it again.")
    assert page.errors == []
