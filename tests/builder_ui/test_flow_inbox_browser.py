"""The flow pages in a real Chromium against a real `brickwork serve`, the issue's expense
claim: manager → (amount > 5,000: finance, otherwise the end) → a CC to the submitter's
department head, published through the API. The employee submits from the record page and
sees the path; the manager, on a phone in zh-CN, returns it from the inbox; the employee
edits the allowed field and resubmits; the manager and finance approve; the head finds it in
抄送我; a field the finance step hides is on neither finance's page nor finance's API."""

import httpx2
import pytest
from playwright.sync_api import expect

from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.identity.org import add_member, create_department, create_role, grant_role, set_heads
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import User
from tests.conftest import PHONE
from tests.engines.form.helpers import APP, field, form, publish, records

pytestmark = pytest.mark.browser

PASSWORD = "Long-enough-pw-42"
STAFF = {"role": "staff", "actions": ["create", "read", "update"], "scope": "own"}
EXPENSES = form("expenses", field("e_title", "text", "title"), field("e_amount", "number", "amount"),
                field("e_cost", "text", "cost_centre"), permissions=[STAFF])
CLAIMS = {
    "key": "claims", "label": {"en": "Expense claims", "zh-CN": "报销"}, "form": "expenses",
    "root": {"id": "start", "type": "start", "permissions": {"title": "read"},
             "next": {"id": "manager", "type": "approval", "label": {"en": "Manager", "zh-CN": "主管"},
                      "approvers": [{"source": "direct_manager"}],
                      "next": {"id": "by_amount", "type": "condition_group", "branches": [
                          {"id": "big", "condition": {"fn": ">", "args": [{"ref": "amount"},
                                                                         {"lit": "5000", "type": "number"}]},
                           "node": {"id": "finance", "type": "approval", "label": {"en": "Finance"},
                                    "approvers": [{"source": "users", "users": []}],
                                    "permissions": {"cost_centre": "hidden"}}}],
                          "default": {"id": "otherwise", "node": None},
                          "next": {"id": "head_cc", "type": "cc", "label": {"en": "Head"},
                                   "recipients": [{"source": "dept_head", "level": 1}],
                                   "permissions": {"title": "read", "amount": "read"}}}}}}


def org(database_url: str) -> tuple[dict[str, int], dict[str, str]]:
    """Emma (Sales) reports to Mark; Fiona is finance; Hana heads Sales."""
    engine = make_engine(database_url)
    with transaction(make_sessionmaker(engine)) as session:
        people = {name: create_user(session, name.lower(), PASSWORD, display_name=name).id
                  for name in ("Emma", "Mark", "Fiona", "Hana")}
        sales = create_department(session, "Sales")
        set_heads(session, sales.id, [people["Hana"]])
        create_role(session, "staff", {"en": "Staff"})
        for uid in people.values():
            add_member(session, uid, sales.id, main=True)
            grant_role(session, uid, "staff")
        session.get(User, people["Emma"]).manager_id = people["Mark"]
        tokens = {name: create_token(session, name.lower(), "tests")[1] for name in ("Emma", "Fiona")}
    engine.dispose()
    return people, tokens


def sign_in(browser, live_server, who: str, locale: str = "en", phone: bool = False):
    context = browser.new_context(locale=locale, **(PHONE if phone else {}))
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(f"{live_server.url}/login")
    page.locator("input[name=username]").fill(who.lower())
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/**")
    return page


def act(page, action: str, comment: str | None = None, attach: str | None = None):
    page.get_by_test_id(f"approval-{action}").click()
    dialog = page.get_by_test_id("approval-dialog")
    if comment:
        dialog.get_by_test_id("approval-comment").fill(comment)
    if attach:
        dialog.get_by_test_id("approval-files").set_input_files(
            {"name": attach, "mimeType": "text/plain", "buffer": b"receipts"})
    with page.expect_navigation():
        dialog.get_by_test_id("approval-confirm").click()


def test_the_expense_claim_goes_through_the_inbox_on_a_phone(browser, live_server, live_api, database_url, shot):
    assert publish(live_api, EXPENSES).status_code == 200
    people, tokens = org(database_url)
    CLAIMS["root"]["next"]["next"]["branches"][0]["node"]["approvers"][0]["users"] = [people["Fiona"]]
    assert live_api.put(f"{APP}/definitions/flow/claims", json=CLAIMS).status_code == 200
    assert live_api.post(f"{APP}/definitions/flow/claims:publish").status_code == 200
    emma_api = httpx2.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {tokens['Emma']}"})
    claim = {"title": "Trip to Shanghai", "amount": 8000, "cost_centre": "CC-77"}
    made = emma_api.post(records("expenses"), json=claim)
    assert made.status_code == 201, made.text
    record_url = f"{live_server.url}/apps/crm/forms/expenses/records/{made.json()['id']}"

    # The employee submits from the record page; the path names the manager, finance and the head.
    emma = sign_in(browser, live_server, "Emma")
    emma.goto(record_url)
    emma.get_by_test_id("flow-submit").click()
    preview = emma.get_by_test_id("flow-preview")
    expect(preview.get_by_test_id("preview-step")).to_have_count(3)
    expect(preview).to_contain_text("Mark")
    expect(preview).to_contain_text("Fiona")
    expect(preview).to_contain_text("Hana")
    with emma.expect_navigation():
        emma.get_by_test_id("flow-submit-confirm").click()
    expect(emma.get_by_test_id("flow-state")).to_have_text("In approval")
    expect(emma.get_by_test_id("approval-current")).to_contain_text("Mark")
    shot(emma, "submitted")

    # The manager, on a phone in Chinese, returns it with a comment from the inbox.
    mark = sign_in(browser, live_server, "Mark", locale="zh-CN", phone=True)
    mark.goto(f"{live_server.url}/inbox")
    expect(mark.get_by_test_id("inbox-tab-todo")).to_contain_text("待办")
    expect(mark.get_by_test_id("inbox-count-todo")).to_have_text("1")
    assert mark.evaluate("document.documentElement.scrollWidth") <= 390
    mark.get_by_test_id("inbox-item").first.locator("a").click()
    expect(mark.get_by_test_id("approval-values")).to_contain_text("CC-77")
    assert mark.evaluate("document.documentElement.scrollWidth") <= 390
    shot(mark, "phone-approval")
    act(mark, "return", "请补充发票", attach="发票说明.txt")
    expect(mark.get_by_test_id("approval-state")).to_have_text("已退回")

    # The employee changes the amount (the start step allows it, not the title) and resubmits.
    emma.goto(record_url)
    expect(emma.get_by_test_id("approval-timeline")).to_contain_text("请补充发票")
    expect(emma.get_by_test_id("approval-attachment")).to_have_text("发票说明.txt")
    expect(emma.get_by_test_id("approval-edit-title")).to_have_count(0)
    emma.get_by_test_id("approval-edit-amount").fill("9000")
    act(emma, "resubmit")
    expect(emma.get_by_test_id("flow-state")).to_have_text("In approval")

    mark.goto(f"{live_server.url}/inbox")
    mark.get_by_test_id("inbox-item").first.locator("a").click()
    expect(mark.get_by_test_id("approval-values")).to_contain_text("9")
    act(mark, "approve")

    # Finance does not see the cost centre: neither on the page nor in the API.
    fiona = sign_in(browser, live_server, "Fiona")
    fiona.goto(f"{live_server.url}/inbox")
    fiona.get_by_test_id("inbox-item").first.locator("a").click()
    instance_id = int(fiona.url.rstrip("/").split("/")[-1])
    expect(fiona.get_by_test_id("approval-values")).to_contain_text("Trip to Shanghai")
    expect(fiona.get_by_test_id("approval-values")).not_to_contain_text("CC-77")
    expect(fiona.locator("[data-key=cost_centre]")).to_have_count(0)
    seen = httpx2.get(f"{live_server.url}/api/v1/flow-instances/{instance_id}",
                      headers={"Authorization": f"Bearer {tokens['Fiona']}"}).json()
    assert "cost_centre" not in seen["record"] and seen["record"]["title"] == "Trip to Shanghai"
    act(fiona, "approve")
    expect(fiona.get_by_test_id("approval-state")).to_have_text("Approved")

    # The head was copied; the record says approved, with the whole story.
    hana = sign_in(browser, live_server, "Hana")
    hana.goto(f"{live_server.url}/inbox?box=cc")
    expect(hana.get_by_test_id("inbox-count-cc")).to_have_text("1")
    expect(hana.get_by_test_id("inbox-item")).to_contain_text("Trip to Shanghai")
    emma.goto(record_url)
    expect(emma.get_by_test_id("flow-state")).to_have_text("Approved")
    timeline = emma.get_by_test_id("approval-timeline")
    for text in ("submitted for approval", "returned it to", "resubmitted", "Mark", "Fiona", "copied to Hana"):
        expect(timeline).to_contain_text(text)
    shot(emma, "approved")
    for page in (emma, mark, fiona, hana):
        assert page.errors == []
        page.context.close()
    emma_api.close()


def test_batch_approve_names_the_refused_one_and_delegation_is_set_on_me(browser, live_server, live_api,
                                                                        database_url):
    assert publish(live_api, EXPENSES).status_code == 200
    people, tokens = org(database_url)
    CLAIMS["root"]["next"]["next"]["branches"][0]["node"]["approvers"][0]["users"] = [people["Fiona"]]
    assert live_api.put(f"{APP}/definitions/flow/claims", json=CLAIMS).status_code == 200
    assert live_api.post(f"{APP}/definitions/flow/claims:publish").status_code == 200
    emma_api = httpx2.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {tokens['Emma']}"})
    for title in ("Lunch", "Taxi"):
        rid = emma_api.post(records("expenses"), json={"title": title, "amount": 50}).json()["id"]
        assert emma_api.post(f"{APP}/flows/claims:start", json={"record_id": rid}).status_code == 201
    mark = sign_in(browser, live_server, "Mark")
    mark.goto(f"{live_server.url}/inbox")
    expect(mark.get_by_test_id("inbox-link-count")).to_have_text("2")
    expect(mark.get_by_test_id("inbox-item")).to_have_count(2)
    for box in mark.locator("input[data-task]").all():
        box.check()
    # One of them is withdrawn meanwhile: the batch approves the other and says why not this one.
    withdrawn = mark.get_by_test_id("inbox-item").first.get_attribute("data-instance")
    assert emma_api.post(f"/api/v1/flow-instances/{withdrawn}:withdraw", json={}).status_code == 200
    mark.get_by_test_id("inbox-approve-selected").click()
    expect(mark.get_by_test_id("inbox-batch-result")).to_contain_text("Approved: 1")
    expect(mark.get_by_test_id("inbox-batch-result")).to_contain_text("Not approved:")
    mark.get_by_test_id("inbox-tab-done").click()
    expect(mark.get_by_test_id("inbox-count-done")).to_have_text("1")
    expect(mark.get_by_test_id("inbox-count-todo")).to_have_text("0")

    mark.goto(f"{live_server.url}/me")
    mark.get_by_test_id("away-delegate").select_option(label="Fiona")
    mark.get_by_test_id("away-from").fill("2030-01-01T09:00")
    mark.get_by_test_id("away-until").fill("2030-01-10T18:00")
    mark.get_by_test_id("away-save").click()
    expect(mark.get_by_test_id("away-done")).to_have_text("Saved.")
    mark.reload()
    expect(mark.get_by_test_id("away-delegate")).to_have_value(str(people["Fiona"]))
    expect(mark.get_by_test_id("away-from")).to_have_value("2030-01-01T09:00")
    assert mark.errors == []
    mark.context.close()
    emma_api.close()
