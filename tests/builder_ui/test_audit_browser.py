"""The audit log in a real Chromium: an administrator narrows the log to one record's
changes with the filters, reads its before and after by field label, and exports exactly
those entries to xlsx (opened here with openpyxl). Then the page in Chinese on a phone."""

from __future__ import annotations

import openpyxl
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
APP = "/api/v1/apps/crm"


def crm_with_changes(live_api) -> dict:
    assert live_api.post("/api/v1/templates/crm:install", json={}).status_code == 201
    made = {}
    for name in ("Acme", "Globex"):
        answer = live_api.post(f"{APP}/forms/customers/records", json={"name": name, "size": 10, "owner": None})
        assert answer.status_code == 201, answer.text
        made[name] = answer.json()
    acme = made["Acme"]
    changed = live_api.patch(f"{APP}/forms/customers/records/{acme['id']}",
                             json={"version": acme["version"], "name": "Acme Holdings", "size": 25})
    assert changed.status_code == 200, changed.text
    return made


def test_an_administrator_filters_one_records_changes_and_exports_them(signed_in, live_server, live_api, tmp_path):
    acme = crm_with_changes(live_api)["Acme"]
    page = signed_in("en")
    page.goto(f"{live_server.url}/")
    page.locator(".topnav").get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/admin/audit")
    page.locator("select[name=app]").select_option("crm")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("select[name=form]")).to_be_visible()  # an app chosen, its forms to choose from
    page.locator("select[name=form]").select_option("customers")
    page.get_by_label("Record number").fill(str(acme["id"]))
    page.get_by_role("button", name="Show").click()
    entries = page.get_by_test_id("audit-entries").locator("li")
    expect(entries).to_have_count(2)
    changed = entries.first
    expect(changed.locator(".audit-head")).to_contain_text("Changed")
    name_row = changed.get_by_test_id("audit-diff").locator("tr", has=page.locator("th", has_text="Name")).first
    expect(name_row.locator("td.before")).to_have_text("Acme")
    expect(name_row.locator("td.after")).to_have_text("Acme Holdings")
    size_row = changed.get_by_test_id("audit-diff").locator("tr", has=page.locator("th", has_text="Employees"))
    expect(size_row.locator("td")).to_have_text(["10", "25"])
    assert "Globex" not in page.get_by_test_id("audit-entries").inner_text()

    with page.expect_download() as download:
        page.get_by_test_id("audit-export").click()
    path = tmp_path / "audit.xlsx"
    download.value.save_as(path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0] == ("When", "Who", "What", "Action", "App", "Subject", "Field", "Before", "After")
    body = rows[1:]
    assert {r[3] for r in body} == {"Created", "Changed"} and {r[4] for r in body} == {"crm"}
    changes = {(r[6], r[7], r[8]) for r in body if r[3] == "Changed"}
    assert {("Name", "Acme", "Acme Holdings"), ("Employees", "10", "25")} <= changes
    assert all("Globex" not in " ".join(str(c) for c in r) for r in body)
    assert page.errors == []


def test_the_audit_page_fits_a_phone_in_chinese(signed_in, live_server, live_api, shot):
    crm_with_changes(live_api)
    page = signed_in("zh-CN", phone=True)
    page.goto(f"{live_server.url}/apps/crm/audit?form=customers")
    expect(page.get_by_test_id("audit-entries").locator("li").first).to_contain_text("已修改")
    expect(page.get_by_test_id("audit-diff").first).to_contain_text("客户名称")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.errors == []
    shot(page, "audit-phone")
