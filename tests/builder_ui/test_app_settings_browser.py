"""In a real Chromium: rename an app and pick its icon, drag its forms into order, then export
a filtered, sorted table view to xlsx and read the downloaded file."""

import io
import json
from urllib.parse import urlencode

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.builder_ui.test_record_views_browser import APP, BASE, setup_deals
from tests.builder_ui.test_record_views_browser import drag as drag_between

pytestmark = pytest.mark.browser


def test_rename_reorder_and_export_the_filtered_table(signed_in, live_server, live_api, shot):
    setup_deals(live_api)
    contacts = {"key": "contacts", "label": {"en": "Contacts"},
                "fields": [{"id": "c_name", "key": "name", "label": {"en": "Name"}, "type": "text"}]}
    assert live_api.put(f"{APP}/forms/contacts", json=contacts).status_code == 200
    assert live_api.post(f"{APP}/forms/contacts:publish").status_code == 200
    page = signed_in()

    page.goto(f"{live_server.url}/apps/crm")
    settings = page.get_by_test_id("app-settings")
    settings.locator("input[name=label_en]").fill("Sales desk")
    settings.locator(".icon-choice", has=page.locator("input[value=sales]")).click()
    settings.locator("button[type=submit]").click()
    expect(page.get_by_test_id("app-name")).to_have_text("💰 Sales desk")

    items = page.locator("[data-testid=forms] [data-form]")
    expect(items.first).to_have_attribute("data-form", "contacts")
    drag_between(page, items.nth(1).locator(".order-grip"), items.first.locator(".order-grip"))
    expect(page.locator("[data-order-status]")).to_have_text("The order is saved.")
    assert live_api.get(APP).json()["order"] == {"form": ["deals", "contacts"]}
    page.reload()
    expect(items.first).to_have_attribute("data-form", "deals")
    page.locator("[data-form=contacts] [data-move='-1']").click()
    expect(page.locator("[data-order-status]")).to_have_text("The order is saved.")
    assert [f["key"] for f in live_api.get(f"{APP}/forms").json()] == ["contacts", "deals"]
    shot(page, "app-page")

    shang = {"fn": "CONTAINS", "args": [{"ref": "f_city"}, {"lit": "Shang", "type": "text"}]}
    state = urlencode({"filter": json.dumps(shang), "sort": "-f_amount", "columns": "f_name,f_amount"})
    page.goto(f"{live_server.url}{BASE}?{state}")
    expect(page.locator("#rows tr")).to_have_count(3)
    page.get_by_test_id("export-menu").locator("summary").click()
    with page.expect_download() as waiting:
        page.locator("[data-export-format=xlsx]").click()
    download = waiting.value
    assert download.suggested_filename.endswith(".xlsx")
    expect(page.get_by_test_id("export-status")).to_contain_text("Exported 3 records.")
    with open(download.path(), "rb") as stream:
        book = openpyxl.load_workbook(io.BytesIO(stream.read()), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0] == ["Name <script>alert(1)</script>", "Amount"]
    assert rows[1:] == [["Beta", 5000], ["Alpha", 500], ["Gamma", 20]]
    assert all(isinstance(amount, int | float) for _name, amount in rows[1:])
    assert page.errors == []
