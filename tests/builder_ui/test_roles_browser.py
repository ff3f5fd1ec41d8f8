"""App roles in a real Chromium: an administrator recreates the CRM's `service` role on the
roles page with the Support department as its member (so its Desk team below is covered)
and a menu of two forms; a person of the Desk team signs in and sees only those two forms.
Then the roles page in Chinese on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.platform.test_org_api import department, invite

pytestmark = pytest.mark.browser
APP = "/api/v1/apps/crm"


def pick(card, which: str, text: str) -> None:
    """Type in a member picker, take the suggestion the page offers, and add it."""
    field = card.locator(f"input[data-pick={which}]")
    field.fill(text)
    listed = card.page.locator(f"#{'role-people' if which == 'user' else 'role-departments'} option")
    expect(listed).not_to_have_count(0)
    field.fill(listed.first.get_attribute("value"))
    card.locator(f"button[data-add={which}]").click()


def test_a_role_with_a_department_and_a_menu_is_what_its_members_see(signed_in, live_server, live_api, browser,
                                                                     shot):
    assert live_api.post("/api/v1/templates/crm:install", json={}).status_code == 201
    support = department(live_api, "Support")
    desk = department(live_api, "Desk", support["id"])
    invite(live_api, "mei", display_name="Mei", password="password-123", departments=[desk["id"]])
    invite(live_api, "bo", display_name="Bo", password="password-123")

    page = signed_in("en")
    page.goto(f"{live_server.url}/apps/crm")
    page.get_by_test_id("app-roles").click()
    page.wait_for_url("**/apps/crm/roles")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-role=service] [data-action=delete]").click()
    expect(page.locator("[data-role=service]")).to_have_count(0)

    new = page.get_by_test_id("new-role")
    new.get_by_label("Key").fill("service")
    new.get_by_label("Name (English)").fill("Help desk")
    new.get_by_role("button", name="Create the role").click()
    card = page.locator("[data-role=service]")
    expect(card.locator("h2")).to_have_text("Help desk (service)")

    pick(card, "department", "Support")
    expect(card.get_by_test_id("members")).to_contain_text("Support (and below)")
    pick(card, "user", "Bo")
    expect(card.get_by_test_id("members").locator("li")).to_have_count(2)
    card.locator("li[data-user] button[data-remove]").click()
    expect(card.get_by_test_id("members").locator("li")).to_have_count(1)
    for form in ("knowledge", "tickets"):
        card.locator(f"input[data-entry='form:{form}:']").check()
    card.locator("[data-action=save]").click()
    expect(page.get_by_test_id("roles-status")).to_have_text("Saved.")
    assert page.errors == []

    role = live_api.get(f"{APP}/roles/service").json()
    assert role["label"] == {"en": "Help desk"} and not role["admin"]
    assert role["menu"] == [{"type": "form", "form": "knowledge"}, {"type": "form", "form": "tickets"}]
    assert role["members"] == [{"department": support["id"], "name": "Support"}]

    context = browser.new_context(locale="en")
    try:
        mine = context.new_page()
        mine.goto(f"{live_server.url}/login")
        mine.locator("input[name=username]").fill("mei")
        mine.locator("input[name=password]").fill("password-123")
        mine.locator("form[action='/login'] button[type=submit]").click()
        mine.wait_for_url(f"{live_server.url}/")
        mine.goto(f"{live_server.url}/apps/crm")
        forms = mine.get_by_test_id("forms").locator("[data-form]")
        expect(forms).to_have_count(2)
        assert [forms.nth(i).get_attribute("data-form") for i in range(2)] == ["knowledge", "tickets"]
        assert mine.get_by_test_id("app-roles").count() == 0
    finally:
        context.close()


def test_the_roles_page_fits_a_phone_in_chinese(signed_in, live_server, live_api, shot):
    assert live_api.post("/api/v1/templates/crm:install", json={}).status_code == 201
    sales = department(live_api, "销售部（华东与华北大区）")
    assert live_api.post(f"{APP}/roles/sales/members", json={"department": sales["id"]}).status_code == 201
    page = signed_in("zh-CN", phone=True)
    page.goto(f"{live_server.url}/apps/crm/roles")
    expect(page.locator("[data-role=sales] h2")).to_have_text("销售 (sales)")
    expect(page.locator("[data-role=sales]").get_by_test_id("members")).to_contain_text("及下级")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.errors == []
    shot(page, "roles-phone")
