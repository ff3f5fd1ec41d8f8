"""In a real Chromium: a business user builds "when a deal's stage becomes Won with an amount
over 100,000, create a follow-up task for its sales rep and notify them" in the rule
designer, publishes it, wins a deal on its record page, and finds the task and the bell's
count risen; a publish the engine refuses shows its error on the action it names; the
Chinese designer fits a 390 px phone."""


import pytest
from playwright.sync_api import expect

from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.identity.org import create_role
from tests.engines.form.helpers import APP, field, form, publish, records
from tests.live_server import LiveServer, Worker
from tests.support.databases import PG_URL
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser

STAGES = [{"id": "lead", "label": {"en": "Lead", "zh-CN": "线索"}},
          {"id": "won", "label": {"en": "Won", "zh-CN": "赢单"}}]
DEALS = form("deals", field("d_name", "text", "name"), field("d_stage", "select", "stage", options=STAGES),
             field("d_amount", "number", "amount"), field("d_rep", "user", "rep"))
TASKS = form("tasks", field("t_title", "text", "title"), field("t_assignee", "user", "assignee"))


@pytest.fixture
def live_server(tmp_path, database_url):
    """`brickwork serve`; on PostgreSQL a `brickwork worker` beside it runs the rules."""
    server = LiveServer(tmp_path / "data", database_url)
    worker = Worker(tmp_path / "data", database_url, "worker") if PG_URL else None
    yield server
    if worker:
        worker.stop()
    server.stop()



def setup(live_api) -> tuple[int, int]:
    for definition in (DEALS, TASKS):
        assert publish(live_api, definition).status_code == 200
    me = live_api.get("/api/v1/me").json()["id"]
    big = live_api.post(records("deals"), json={"name": "Acme", "stage": "lead", "amount": 250000, "rep": me})
    small = live_api.post(records("deals"), json={"name": "Tiny", "stage": "lead", "amount": 500, "rep": me})
    assert big.status_code == small.status_code == 201, big.text
    return big.json()["id"], small.json()["id"]


def win(page, url: str, deal: int) -> None:
    page.goto(f"{url}/apps/crm/forms/deals/records/{deal}/edit")
    page.locator("select[name=stage]").select_option("won")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("record-title")).to_be_visible()


def test_a_business_user_builds_publishes_and_sees_the_rule_work(signed_in, live_server, live_api, shot):
    big, small = setup(live_api)
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm")
    page.get_by_test_id("rules-link").click()
    page.get_by_label("Name (English)").fill("Follow up a won deal")
    page.get_by_role("button", name="Create and design").click()
    expect(page.get_by_test_id("rule-designer")).to_be_visible()

    # When: a deal's stage changes to Won ...
    page.get_by_test_id("trigger-type").select_option("record.updated")
    page.get_by_test_id("trigger-form").select_option("deals")
    page.get_by_test_id("watched").get_by_label("Stage").check()
    page.get_by_test_id("to").select_option("won")
    # ... only when the amount is over 100,000 (the filter builder).
    page.get_by_test_id("add-condition").click()
    condition = page.get_by_test_id("part-condition")
    condition.locator(".filter-field").select_option(label="Amount")
    condition.locator(".filter-op").select_option(">")
    condition.locator(".filter-value-input").fill("100000")
    # Then: a task for the rep, and the bell.
    page.get_by_test_id("add-action").select_option("create_record")
    action = page.get_by_test_id("action").nth(0)
    action.get_by_test_id("action-form").select_option("tasks")
    action.get_by_test_id("add-value").click()
    action.get_by_test_id("add-value").click()
    rows = action.locator(".rd-value")
    rows.nth(0).locator("textarea").fill('CONCAT("Follow up ", {Name})')
    rows.nth(1).locator("textarea").fill("{Rep}")
    page.get_by_test_id("add-action").select_option("notify")
    notify = page.get_by_test_id("action").nth(1)
    notify.locator("textarea").first.fill('"A deal was won: " & {Name}')
    shot(page, "designer")
    page.locator("[data-action=publish]").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Published.")
    assert page.get_by_test_id("rule-alert").is_hidden()

    # A test run on the big deal says what would happen, and keeps nothing.
    page.get_by_test_id("test-record").fill(str(big))
    page.get_by_test_id("test").click()
    expect(page.get_by_test_id("test-action")).to_have_count(2)
    expect(page.get_by_test_id("test-result")).to_contain_text("Create a record")
    assert live_api.get(records("tasks")).json()["items"] == []

    bell = page.get_by_test_id("bell-count")
    expect(bell).to_be_hidden()
    win(page, live_server.url, small)  # too small: no task
    win(page, live_server.url, big)
    wait_for(lambda: len(live_api.get(records("tasks")).json()["items"]) == 1, what="the rule did not run")
    task = live_api.get(records("tasks")).json()["items"][0]
    assert task["title"] == "Follow up Acme"
    page.goto(f"{live_server.url}/apps/crm/forms/tasks")
    expect(page.get_by_text("Follow up Acme")).to_be_visible()
    expect(page.get_by_test_id("bell-count")).to_have_text("1")
    page.get_by_test_id("bell-button").click()
    expect(page.get_by_test_id("notification")).to_contain_text("A deal was won: Acme")
    shot(page, "bell")
    page.get_by_test_id("bell-read-all").click()
    expect(page.get_by_test_id("bell-count")).to_be_hidden()

    # The deal's page says which rules ran on it and how; the small deal's, that it was skipped.
    page.goto(f"{live_server.url}/apps/crm/forms/deals/records/{big}")
    expect(page.get_by_test_id("rules-ran").locator("li[data-status=succeeded]")).to_contain_text(
        "Follow up a won deal")
    page.goto(f"{live_server.url}/apps/crm/forms/deals/records/{small}")
    expect(page.get_by_test_id("rules-ran").locator("li[data-status=skipped]")).to_have_count(1)

    # The rules list shows how it last ran; the designer shows its run log.
    page.goto(f"{live_server.url}/apps/crm/rules")
    expect(page.get_by_test_id("last-run")).to_have_text("Succeeded")
    page.get_by_role("link", name="Follow up a won deal").click()
    expect(page.get_by_test_id("runs").locator("tr[data-status=succeeded]")).to_have_count(1)
    assert page.errors == []


def test_a_refused_publish_shows_its_error_on_the_action_it_names(signed_in, live_server, live_api, shot):
    setup(live_api)
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/rules")
    page.get_by_label("Name (English)").fill("Tell the rep")
    page.get_by_role("button", name="Create and design").click()
    page.get_by_test_id("trigger-form").select_option("deals")
    page.get_by_test_id("add-action").select_option("wait")
    page.get_by_test_id("add-action").select_option("notify")  # no message: the engine refuses it
    page.locator("[data-action=publish]").click()
    alert = page.get_by_test_id("rule-alert")
    expect(alert).to_be_visible()
    second = page.get_by_test_id("action").nth(1)
    expect(second.get_by_test_id("error")).to_have_count(1)
    expect(page.get_by_test_id("action").nth(0).get_by_test_id("error")).to_have_count(0)
    shot(page, "refused")
    # A formula that does not parse is marked on its own action too, and nothing is saved.
    second.locator("textarea").first.fill("{Name")
    page.locator("[data-action=publish]").click()
    expect(second.get_by_test_id("error")).to_have_count(1)
    assert live_api.get(f"{APP}/definitions/rule/tell_the_rep", params={"which": "draft"}).json()["body"][
        "actions"] == []
    second.locator("textarea").first.fill('"Look at " & {Name}')
    # Tell first, then wait: the order moves, the message goes with its action.
    second.get_by_role("button", name="Move up").click()
    expect(page.get_by_test_id("action").nth(0)).to_have_attribute("data-type", "notify")
    page.locator("[data-action=publish]").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Published.")
    live = live_api.get(f"{APP}/definitions/rule/tell_the_rep").json()["body"]
    assert [a["type"] for a in live["actions"]] == ["notify", "wait"]
    assert live["actions"][0]["text"]["fn"] == "&"
    assert page.errors == []


def test_the_chinese_designer_and_bell_fit_a_phone(signed_in, live_server, live_api, shot):
    setup(live_api)
    page = signed_in(locale="zh-CN", phone=True)
    page.goto(f"{live_server.url}/apps/crm/rules")
    page.locator("input[name=label_zh]").fill("赢单跟进")
    page.locator("input[name=label_en]").fill("Won follow up")
    page.locator("form[action='/apps/crm/rules'] button[type=submit]").click()
    page.get_by_test_id("trigger-type").select_option("schedule")
    expect(page.get_by_test_id("schedule")).to_be_visible()
    page.get_by_test_id("add-action").select_option("notify")
    page.get_by_test_id("add-condition").click()
    page.get_by_test_id("bell-button").click()
    expect(page.get_by_test_id("bell-panel")).to_be_visible()
    shot(page, "phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    assert page.errors == []


def test_a_button_rule_runs_from_the_record_page(signed_in, live_server, live_api):
    big, _small = setup(live_api)
    button = {"key": "mark_won", "label": {"en": "Mark won"}, "trigger": {"type": "button", "form": "deals"},
              "actions": [{"type": "update_records", "values": {"stage": "won"}}]}
    assert live_api.put(f"{APP}/definitions/rule/mark_won", json=button).status_code == 200
    assert live_api.post(f"{APP}/definitions/rule/mark_won:publish").status_code == 200
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/deals/records/{big}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("rule-button").click()
    expect(page.locator("[data-testid=record-title]")).to_be_visible()
    wait_for(lambda: live_api.get(f"{records('deals')}/{big}").json()["stage"] == "won", what="the rule did not run")
    assert page.errors == []


def test_a_claim_with_a_cap_is_set_in_the_designer(signed_in, live_server, live_api):
    setup(live_api)
    claim = {"key": "claim", "label": {"en": "Claim"}, "trigger": {"type": "button", "form": "deals"},
             "actions": [{"type": "assign_owner", "field": "rep", "users": [1]}]}
    assert live_api.put(f"{APP}/definitions/rule/claim", json=claim).status_code == 200
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/rules/claim")
    action = page.get_by_test_id("action").nth(0)
    action.locator("select").nth(1).select_option("caller")  # the person field, then how
    action.get_by_test_id("assign-cap").fill("3")
    page.locator("[data-action=publish]").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Published.")
    live = live_api.get(f"{APP}/definitions/rule/claim").json()
    settings = live.get("body", live)["actions"][0]
    assert (settings["strategy"], settings["cap"], settings["field"]) == ("caller", 3, "rep")
    assert page.errors == []


def test_a_notification_to_the_holders_of_a_role_is_chosen_in_the_designer(signed_in, live_server, live_api,
                                                                           database_url):
    setup(live_api)
    engine = make_engine(database_url)
    with transaction(make_sessionmaker(engine)) as session:
        create_role(session, "duty", {"en": "On duty", "zh-CN": "值班"})
    engine.dispose()
    tell = {"key": "tell", "label": {"en": "Tell"}, "trigger": {"type": "record.created", "form": "deals"},
            "actions": [{"type": "notify", "text": "A new deal"}]}
    assert live_api.put(f"{APP}/definitions/rule/tell", json=tell).status_code == 200
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/rules/tell")
    page.get_by_test_id("action").nth(0).get_by_test_id("notify-roles").get_by_label("On duty").check()
    page.locator("[data-action=publish]").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Published.")
    live = live_api.get(f"{APP}/definitions/rule/tell").json()
    assert live.get("body", live)["actions"][0]["roles"] == ["duty"]
    assert page.errors == []


def test_a_message_is_written_per_language_in_the_designer(signed_in, live_server, live_api):
    setup(live_api)
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/rules")
    page.get_by_label("Name (English)").fill("Tell in two languages")
    page.get_by_role("button", name="Create and design").click()
    page.get_by_test_id("trigger-form").select_option("deals")
    page.get_by_test_id("add-action").select_option("notify")
    notify = page.get_by_test_id("action").nth(0)
    notify.locator("textarea").first.fill('"New deal: " & {Name}')
    notify.get_by_test_id("text-per-language").click()
    expect(notify.locator("textarea")).to_have_count(2)  # both start from the one message
    notify.locator("textarea").first.fill('"新商机：" & {Name}')
    page.locator("[data-action=publish]").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Published.")
    live = live_api.get(f"{APP}/definitions/rule/tell_in_two_languages").json()["body"]
    text = live["actions"][0]["text"]
    assert set(text) == {"zh-CN", "en"} and text["zh-CN"]["args"][0]["lit"] == "新商机："
    assert text["en"]["args"][0]["lit"] == "New deal: "
    page.reload()  # opened again: one formula per language
    expect(page.get_by_test_id("action").nth(0).locator("textarea")).to_have_count(2)
    assert page.errors == []
