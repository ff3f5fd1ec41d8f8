"""The flow designer in a real Chromium against a real `brickwork serve`: the issue's expense
claim drawn by clicking (manager → amount > 5000: finance, otherwise the end → a CC to the
submitter's department head), published and read back through the API, its path previewed
for 8 000; and a refused publish marked on the node that lacks approvers."""

import pytest
from playwright.sync_api import expect

from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.identity.org import add_member, create_department, set_heads
from brickwork.platform.identity.users import create_user, get_user
from tests.engines.flow.design_helpers import EXPENSES
from tests.engines.form.helpers import publish

pytestmark = pytest.mark.browser

TEXT = {
    "en": {"approval": "Approver", "cc": "CC", "condition_group": "Condition branches", "publish": "Publish",
           "published": "Published version 1.", "who": "Choose who approves at this step."},
    "zh-CN": {"approval": "审批人", "cc": "抄送人", "condition_group": "条件分支", "publish": "发布",
              "published": "已发布第 1 版。", "who": "请选择这一步的审批人。"},
}


def org(database_url: str) -> dict[str, int]:
    """Mark manages the administrator, Fiona is finance, Hana heads the administrator's department."""
    engine = make_engine(database_url)
    with transaction(make_sessionmaker(engine)) as session:
        people = {name: create_user(session, name.lower(), "Long-enough-pw-42", display_name=name).id
                  for name in ("Mark", "Fiona", "Hana")}
        sales = create_department(session, "Sales")
        set_heads(session, sales.id, [people["Hana"]])
        admin = get_user(session, "admin")
        add_member(session, admin.id, sales.id, main=True)
        admin.manager_id = people["Mark"]
    engine.dispose()
    return people


def add_step(page, link: int, kind: str):
    """Open the n-th "+" of the canvas and add a step of the kind."""
    plus = page.get_by_test_id("add-step").nth(link)
    plus.click()
    plus.locator("xpath=..").locator(f"[data-add={kind}]").click()


def panel(page):
    return page.get_by_test_id("flow-panel")


def card(page, text: str):
    return page.get_by_test_id("node-card").filter(has_text=text)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_expense_claim_is_drawn_published_and_previewed(signed_in, live_server, live_api, database_url, shot,
                                                            locale):
    t = TEXT[locale]
    assert publish(live_api, EXPENSES).status_code == 200
    people = org(database_url)
    page = signed_in(locale=locale)
    page.goto(f"{live_server.url}/apps/crm")
    page.get_by_test_id("flows-link").click()
    page.locator("input[name=label_en]").fill("Expense claims")
    page.locator("[data-testid=new-flow] button[type=submit]").click()
    page.get_by_test_id("flow-canvas").wait_for()

    # The manager: the submitter's direct manager.
    add_step(page, 0, "approval")
    panel(page).get_by_test_id("node-label").fill("Manager")
    panel(page).get_by_test_id("add-approver").click()
    panel(page).get_by_test_id("spec-source").select_option("direct_manager")
    # The condition: amount > 5000 goes to finance, otherwise straight on.
    add_step(page, 1, "condition_group")
    page.get_by_test_id("branch-card").first.click()
    row = panel(page).locator(".filter-row")
    row.locator(".filter-field").select_option("e_amount")
    row.locator(".filter-op").select_option(">")
    row.locator(".filter-value-input").fill("5000")
    row.locator(".filter-value-input").press("Tab")
    expect(page.get_by_test_id("branch-card").first).to_contain_text("5000")
    add_step(page, 2, "approval")  # the first branch's "+"
    panel(page).get_by_test_id("node-label").fill("Finance")
    panel(page).get_by_test_id("add-approver").click()
    panel(page).get_by_test_id("person-search").fill("fio")
    panel(page).locator(f".fd-result[data-user='{people['Fiona']}']").click()
    expect(card(page, "Finance")).to_contain_text("Fiona")
    # The CC after the group: the head of the submitter's department.
    add_step(page, 5, "cc")  # after the group: past each branch's "+" and finance's
    panel(page).get_by_test_id("add-approver").click()
    panel(page).get_by_test_id("spec-source").select_option("dept_head")
    # The flow's settings are on the submitter's card: withdraw while running, Fiona administers.
    page.get_by_test_id("node-card").first.click()
    panel(page).get_by_test_id("flow-withdraw").select_option("while_running")
    panel(page).get_by_test_id("person-search").fill("fio")
    panel(page).locator(f".fd-result[data-user='{people['Fiona']}']").click()
    shot(page, f"drawn-{locale}")

    page.locator("[data-action=publish]").click()
    expect(page.get_by_test_id("save-status")).to_have_text(t["published"])
    assert not page.locator(".fd-invalid").count()
    stored = live_api.get("/api/v1/apps/crm/definitions/flow/expense_claims").json()["body"]
    manager = stored["root"]["next"]
    assert manager["label"] == {locale: "Manager"} and manager["approvers"] == [{"source": "direct_manager"}]
    group = manager["next"]
    big = group["branches"][0]
    assert big["condition"] == {"fn": ">", "args": [{"ref": "amount"}, {"lit": "5000", "type": "number"}]}
    assert big["node"]["approvers"] == [{"source": "users", "users": [people["Fiona"]]}]
    assert group["default"].get("node") is None
    assert group["next"]["type"] == "cc" and group["next"]["recipients"] == [{"source": "dept_head", "level": 1}]
    assert stored["settings"]["withdraw"] == "while_running" and stored["settings"]["admins"] == [people["Fiona"]]

    steps = live_api.post("/api/v1/apps/crm/flows/expense_claims:preview", json={"values": {"amount": 8000}}).json()
    assert [[p["name"] for p in s["people"]] for s in steps["steps"]] == [["Mark"], ["Fiona"], ["Hana"]]
    assert page.errors == []


def test_a_refused_publish_is_marked_on_the_node_without_approvers(signed_in, live_server, live_api, shot):
    t = TEXT["zh-CN"]
    assert publish(live_api, EXPENSES).status_code == 200
    page = signed_in(locale="zh-CN")
    page.goto(f"{live_server.url}/apps/crm/flows")
    page.locator("input[name=label_en]").fill("Claims")
    page.locator("[data-testid=new-flow] button[type=submit]").click()
    page.get_by_test_id("flow-canvas").wait_for()
    add_step(page, 0, "approval")
    add_step(page, 1, "cc")
    panel(page).get_by_test_id("add-approver").click()
    panel(page).get_by_test_id("spec-source").select_option("submitter")
    page.locator("[data-action=publish]").click()
    refused = page.locator(".fd-invalid")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text(t["approval"])
    expect(refused.get_by_test_id("node-errors")).to_have_text(t["who"])
    expect(page.get_by_test_id("designer-alert")).to_be_visible()
    shot(page, "refused")
    assert live_api.get("/api/v1/apps/crm/definitions/flow/claims").status_code == 404  # nothing published
    assert page.errors == []


def test_the_published_flow_reads_at_phone_width(signed_in, live_server, live_api, shot):
    assert publish(live_api, EXPENSES).status_code == 200
    body = {"key": "claims", "label": {"en": "Claims"}, "form": "expenses",
            "root": {"id": "start", "type": "start", "next": {"id": "boss", "type": "approval",
                                                                "approvers": [{"source": "direct_manager"}]}}}
    assert live_api.put("/api/v1/apps/crm/definitions/flow/claims", json=body).status_code == 200
    page = signed_in(locale="zh-CN", phone=True)
    page.goto(f"{live_server.url}/apps/crm/flows/claims/design")
    expect(page.get_by_test_id("node-card")).to_have_count(2)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot(page, "phone")
    assert page.errors == []


def test_condition_branches_are_added_and_reordered_by_priority(signed_in, live_server, live_api):
    assert publish(live_api, EXPENSES).status_code == 200
    body = {"key": "claims", "label": {"en": "Claims"}, "form": "expenses",
            "root": {"id": "start", "type": "start"}}
    assert live_api.put("/api/v1/apps/crm/definitions/flow/claims", json=body).status_code == 200
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/flows/claims/design")
    add_step(page, 0, "condition_group")
    page.get_by_test_id("add-branch").click()
    branches = page.get_by_test_id("branch-card")
    expect(branches).to_have_count(3)
    expect(branches.last).to_contain_text("Otherwise")  # the default stays last
    expect(branches.nth(0).get_by_test_id("branch-left")).to_have_count(0)
    branches.nth(1).get_by_test_id("branch-left").click()
    expect(branches.nth(0)).to_contain_text("Condition 2")
    page.locator("[data-action=save]").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Draft saved.")
    stored = live_api.get("/api/v1/apps/crm/definitions/flow/claims", params={"which": "draft"}).json()["body"]
    group = stored["root"]["next"]
    assert [b["label"]["en"] for b in group["branches"]] == ["Condition 2", "Condition 1"]
    assert group["default"]["label"]["en"] == "Otherwise"
    assert page.errors == []
