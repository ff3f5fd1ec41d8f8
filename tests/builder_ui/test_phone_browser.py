"""Brickwork on a phone (390 × 844) in a real Chromium, in both languages: the designer, a
table, a record and the create page of a small app and of the CRM fit the screen (nothing
scrolls sideways), and every primary button (Publish, Save, New, Edit, the header's menu)
is in view without scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, PHONE

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = PHONE["viewport"]["width"], PHONE["viewport"]["height"]
TODO = {"key": "tasks", "label": {"en": "Tasks", "zh-CN": "任务"}, "fields": [
    {"id": "t_name", "key": "name", "label": {"en": "Name", "zh-CN": "名称"}, "type": "text", "required": True},
    {"id": "t_due", "key": "due", "label": {"en": "Due", "zh-CN": "截止日期"}, "type": "date"},
    {"id": "t_done", "key": "done", "label": {"en": "Done", "zh-CN": "完成"}, "type": "boolean"},
    {"id": "t_notes", "key": "notes", "label": {"en": "Notes", "zh-CN": "备注"}, "type": "textarea"},
], "title_field": "t_name"}
MENU = "[data-testid=menu]"


@pytest.fixture
def apps(live_api, signed_in, live_server):
    """A small app (todo/tasks) with one record, and the CRM as the gallery installs it (with
    a little demo data) plus a customer with a long name."""
    app = {"key": "todo", "label": {"en": "To do", "zh-CN": "待办"}}
    assert live_api.post("/api/v1/apps", json=app).status_code == 201
    assert live_api.put("/api/v1/apps/todo/forms/tasks", json=TODO).status_code == 200
    assert live_api.post("/api/v1/apps/todo/forms/tasks:publish").status_code == 200
    task = live_api.post("/api/v1/apps/todo/forms/tasks/records", json={"name": "Call the printer"})
    assert task.status_code == 201, task.text
    page = signed_in()
    page.goto(f"{live_server.url}/templates")
    page.locator("form[action='/templates/crm/install'] input[name=size]").fill("5")  # a little demo data
    page.locator("form[action='/templates/crm/install'] button[type=submit]").click()
    page.wait_for_load_state()
    customer = live_api.post("/api/v1/apps/crm/forms/customers/records",
                             json={"name": "Shanghai Lianhua Precision Machinery Co., Ltd."})
    assert customer.status_code == 201, customer.text
    page.context.close()
    return {"todo/tasks": task.json()["id"], "crm/customers": customer.json()["id"]}


def in_view(page, selector):
    box = page.locator(selector).first.bounding_box(timeout=5000)
    assert box is not None, f"{selector} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, f"{selector} is off the side: {box}"
    assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, f"{selector} is below the fold: {box}"


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("innerWidth")
    in_view(page, MENU)


PAGES = [
    ("designer", "/design", "[data-action=publish]"),
    ("table", "", ".views-actions a.primary"),
    ("record", "/records/{id}", ".record-head .record-actions .primary"),
    ("create", "/records/new", ".record-form .record-actions button.primary"),
]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_every_page_fits_a_phone(signed_in, live_server, apps, shot, locale):
    page = signed_in(locale=locale, phone=True)
    for form, record_id in apps.items():
        app, key = form.split("/")
        for name, suffix, primary in PAGES:
            page.goto(f"{live_server.url}/apps/{app}/forms/{key}{suffix.format(id=record_id)}")
            page.wait_for_load_state("networkidle")
            shot(page, f"{app}-{name}")
            if form == "todo/tasks" and name == "table":  # one record, not "1 records"
                expect(page.get_by_test_id("total")).to_have_text({"en": "1 record", "zh-CN": "1 条记录"}[locale])
            fits(page)
            in_view(page, primary)
            if name == "designer":
                in_view(page, "[data-action=save]")
                page.get_by_test_id("palette-toggle").tap()
                page.locator(".dz-type[data-type=text]").tap()
                in_view(page, "[data-testid=properties] input")  # the new field's properties, in the sheet
                shot(page, f"{app}-designer-added")
    page.locator(MENU).tap()
    in_view(page, "form[action='/logout'] button")
    page.screenshot(path=str(ARTIFACTS / f"phone-menu-{locale}.png"))  # the viewport, menu open
    assert page.errors == []


def test_signed_out_the_language_switch_is_at_hand(browser, live_server, shot):
    context = browser.new_context(locale="en", **PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    in_view(page, "button[name=lang][value=zh-CN]")  # no menu to open first
    assert page.locator(MENU).count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("innerWidth")
    shot(page, "login")
    context.close()
