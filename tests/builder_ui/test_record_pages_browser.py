"""The record pages in a real Chromium: create with errors beside fields, a conflict between
two people, edit in place with its history, the recycle bin, a phone in Chinese."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.builder_ui.test_record_pages import BASE, DEAL, XSS
from tests.engines.form.helpers import publish, records

pytestmark = pytest.mark.browser

TEXT = {
    "en": {"save": "Save", "required": "This is required.", "taken": "This value is taken by another record.",
           "saved": "Saved.", "won": "Won", "over": "Save mine over theirs", "while": "while you were editing",
           "theirs": "Administrator changed this to: Won", "stage": "Stage", "name": "Name", "amount": "CN¥99.50"},
    "zh-CN": {"save": "保存", "required": "此项必填。", "taken": "这个值已被其他记录使用。",
              "saved": "已保存。", "won": "赢单", "over": "用我的覆盖对方的", "while": "在你编辑期间",
              "theirs": "管理员 已将此项改为：赢单", "stage": "阶段", "name": "名称", "amount": "¥99.50"},
}
SETUPS = [pytest.param("en", False, id="desktop-en"), pytest.param("zh-CN", True, id="phone-zh")]


@pytest.fixture
def deals(live_api):
    assert publish(live_api, DEAL).status_code == 200

    def add(**values):
        response = live_api.post(records("deal"), json={"name": "Acme", **values})
        assert response.status_code == 201, response.text
        return response.json()

    return add


def cell(page, key):
    return page.locator(f".record-cell[data-key={key}]")


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator(".record-actions button.primary").first.bounding_box()
    assert box["y"] + box["height"] <= 844  # the Save button sits in the bottom bar, in view


@pytest.mark.parametrize(("locale", "phone"), SETUPS)
def test_create_a_record_through_the_generated_form(signed_in, live_server, deals, shot, locale, phone):
    words = TEXT[locale]
    deals()  # "Acme" exists: the name is unique
    page = signed_in(locale=locale, phone=phone)
    page.goto(f"{live_server.url}{BASE}/records/new?stage=won")
    assert cell(page, "stage").locator("select").input_value() == "won"  # pre-filled from the link
    cell(page, "amount").locator("input:visible").fill("99.5")
    cell(page, "close").locator("input:visible").fill("2024-07-01")
    page.get_by_role("button", name=words["save"], exact=True).click()
    expect(cell(page, "name").locator(".field-error")).to_have_text(words["required"])
    assert cell(page, "amount").locator("input:visible").input_value() == "99.5"  # what was typed stays
    if phone:
        fits_the_phone(page)
    shot(page, "required")

    cell(page, "name").locator("input:visible").fill("acme")
    cell(page, "name").locator("input:visible").press("Control+Enter")
    expect(cell(page, "name").locator(".field-error")).to_have_text(words["taken"])
    assert cell(page, "close").locator("input:visible").input_value() == "2024-07-01"

    cell(page, "name").locator("input:visible").fill("Wayne")
    page.get_by_role("button", name=words["save"], exact=True).click()
    page.wait_for_url(re.compile(r"/records/\d+$"))
    assert page.get_by_test_id("notice").inner_text() == words["saved"]
    assert cell(page, "name").inner_text().endswith("Wayne")
    assert words["won"] in cell(page, "stage").inner_text()
    assert words["amount"] in cell(page, "amount").inner_text()
    shot(page, "saved")
    assert page.errors == []


@pytest.mark.parametrize(("locale", "phone"), SETUPS)
def test_a_conflict_keeps_what_i_typed_and_saves_mine_on_request(signed_in, live_server, live_api, deals, shot,
                                                                 locale, phone):
    words = TEXT[locale]
    deal = deals(stage="new")
    edit = f"{live_server.url}{BASE}/records/{deal['id']}/edit"
    first, second = signed_in(), signed_in(locale=locale, phone=phone)
    first.goto(edit)
    second.goto(edit)

    cell(first, "stage").locator("select").select_option("won")
    first.get_by_role("button", name="Save", exact=True).click()
    first.wait_for_url(re.compile(r"/records/\d+$"))

    cell(second, "name").locator("input:visible").fill("Mine, typed while they saved")
    second.get_by_role("button", name=words["save"], exact=True).click()
    expect(second.get_by_test_id("conflict")).to_contain_text(words["while"])
    assert cell(second, "name").locator("input:visible").input_value() == "Mine, typed while they saved"
    assert cell(second, "stage").get_by_test_id("theirs-stage").inner_text() == words["theirs"]
    if phone:
        assert second.evaluate("document.documentElement.scrollWidth") <= 390
    shot(second, "conflict")

    second.get_by_role("button", name=words["over"]).click()
    second.wait_for_url(re.compile(r"/records/\d+$"))
    record = live_api.get(f"{records('deal')}/{deal['id']}").json()
    assert (record["name"], record["stage"]) == ("Mine, typed while they saved", "won")
    assert first.errors == [] and second.errors == []


def test_edit_in_place_and_read_the_history(signed_in, live_server, deals, shot):
    deal = deals(stage="new")
    page = signed_in()
    page.goto(f"{live_server.url}{BASE}/records/{deal['id']}")
    value = cell(page, "stage").locator("[data-edit]")
    value.click()
    cell(page, "stage").locator("select").select_option("won")
    cell(page, "stage").locator("select").press("Escape")  # cancel: nothing changes
    expect(cell(page, "stage").locator("[data-edit]")).to_have_text("New")

    cell(page, "stage").locator("[data-edit]").focus()
    page.keyboard.press("Enter")
    cell(page, "stage").locator("select").select_option("won")
    cell(page, "stage").get_by_role("button", name="Save", exact=True).click()
    expect(cell(page, "stage").locator("[data-edit]")).to_have_text("Won")

    cell(page, "name").locator("[data-edit]").click()
    cell(page, "name").locator("input:visible").fill("Acme Ltd")
    cell(page, "name").locator("input:visible").press("Enter")
    expect(cell(page, "name").locator("[data-edit]")).to_have_text("Acme Ltd")
    history = page.get_by_test_id("history")
    assert "Name: Acme → Acme Ltd" in history.inner_text()
    assert "Stage: New → Won" in history.inner_text()
    assert "created the record" in history.inner_text()
    assert page.locator("time[data-relative]").first.inner_text().endswith("ago") or \
        "now" in page.locator("time[data-relative]").first.inner_text()
    shot(page, "history")
    assert page.errors == []


def test_delete_find_it_in_the_recycle_bin_and_restore(signed_in, live_server, live_api, deals, shot):
    deal = deals(name="Umbrella")
    page = signed_in()
    page.goto(f"{live_server.url}{BASE}/records/{deal['id']}")
    page.get_by_role("button", name="Delete", exact=True).click()
    page.get_by_role("button", name="Move to recycle bin").click()
    page.wait_for_url(re.compile(r"/trash\?deleted=\d+$"))
    row = page.get_by_test_id(f"trash-row-{deal['id']}")
    assert "Umbrella" in row.inner_text() and "Administrator" in row.inner_text()
    shot(page, "trash")
    row.get_by_role("link", name="Umbrella").click()
    assert page.get_by_test_id("in-bin").is_visible()
    page.get_by_role("button", name="Restore", exact=True).click()
    page.wait_for_url(re.compile(rf"/records/{deal['id']}$"))
    assert page.get_by_test_id("notice").inner_text() == "Restored from the recycle bin."
    assert live_api.get(f"{records('deal')}/{deal['id']}").status_code == 200
    assert page.errors == []


def test_markup_in_labels_and_values_is_only_text(signed_in, live_server, live_api, deals):
    deal = deals(name=XSS, notes=XSS)
    live_api.patch(f"{records('deal')}/{deal['id']}", json={"version": 1, "notes": XSS + "!"})
    page = signed_in()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in (f"{BASE}/records/new", f"{BASE}/records/{deal['id']}/edit", f"{BASE}/records/{deal['id']}"):
        page.goto(f"{live_server.url}{path}")
        assert f"Notes {XSS}" in page.content().replace("&lt;", "<").replace("&gt;", ">")
    assert page.get_by_test_id("record-title").inner_text() == XSS
    assert f"Notes {XSS}: {XSS} → {XSS}!" in page.get_by_test_id("history").inner_text()
    cell(page, "notes").locator("[data-edit]").click()
    expect(cell(page, "notes").locator("textarea")).to_have_value(XSS + "!")
    assert dialogs == [] and page.errors == []
