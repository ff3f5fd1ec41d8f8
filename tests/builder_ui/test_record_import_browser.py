"""The import page in a real Chromium: a workbook matched, one column remapped, a bad row
found by the check and its report downloaded, the valid rows imported with progress and
shown in the table; a GBK csv dropped on a phone imports with the right characters."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from tests.builder_ui.test_record_views_browser import APP, BASE, RECORDS
from tests.engines.form.transfer.files import csv_bytes, read_xlsx

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAGES = [{"id": "new", "label": {"en": "New", "zh-CN": "新建"}},
          {"id": "won", "label": {"en": "Won", "zh-CN": "赢单"}}]


def setup_deals(live_api):
    assert live_api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    fields = [
        {"id": "f_name", "key": "name", "label": {"en": "Name", "zh-CN": "名称"}, "type": "text", "required": True},
        {"id": "f_stage", "key": "stage", "label": {"en": "Stage", "zh-CN": "阶段"}, "type": "select",
         "options": STAGES},
        {"id": "f_amount", "key": "amount", "label": {"en": "Amount", "zh-CN": "金额"}, "type": "number"},
        {"id": "f_city", "key": "city", "label": {"en": "City", "zh-CN": "城市"}, "type": "text"},
    ]
    definition = {"key": "deals", "label": {"en": "Deals", "zh-CN": "商机"}, "fields": fields}
    assert live_api.put(f"{APP}/forms/deals", json=definition).status_code == 200
    assert live_api.post(f"{APP}/forms/deals:publish").status_code == 200


def workbook(rows) -> bytes:
    """As Excel saves one (with the sheet's size recorded, which the progress bar uses)."""
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def all_records(live_api):
    return live_api.get(RECORDS, params={"limit": 100, "sort": "id"}).json()["items"]


def test_map_check_download_and_import_the_valid_rows(signed_in, live_server, live_api, shot, tmp_path):
    setup_deals(live_api)
    data = workbook([["Name", "Stage", "Amount", "Town"], ["Alpha", "Won", 500, "Shanghai"],
                     ["Beta", "New", "lots", "Beijing"], ["Gamma", "new", 20, "Hangzhou"], ["Delta", None, 7, None]])
    page = signed_in()
    page.goto(f"{live_server.url}{BASE}")
    page.get_by_test_id("import-link").click()
    page.wait_for_url(f"**{BASE}/import")
    page.locator("#file-input").set_input_files({"name": "deals.xlsx", "mimeType": XLSX, "buffer": data})

    mapping = page.locator("#mapping-rows")
    expect(mapping.locator("select[data-header='Name']")).to_have_value("name")
    expect(mapping.locator("select[data-header='Amount']")).to_have_value("amount")
    expect(mapping.locator("select[data-header='Town']")).to_have_value("")  # no field is called Town
    expect(page.get_by_test_id("file-kind")).to_have_text("XLSX file, 4 columns")
    expect(page.get_by_test_id("preview").locator("tbody tr")).to_have_count(4)
    expect(page.get_by_test_id("preview").locator("tbody tr").first).to_contain_text("Won")  # the option's label
    mapping.locator("select[data-header='Town']").select_option("city")
    shot(page, "mapped")

    page.get_by_test_id("check").click()
    expect(page.locator("#progress-label")).to_have_text("Rows checked: 4. Ready to import: 3. With problems: 1.")
    problems = page.get_by_test_id("problems")
    expect(problems.locator("tbody tr")).to_have_count(1)
    expect(problems.locator("tbody tr td")).to_have_text(["3", "Amount", "lots", "Expected a number."])
    expect(page.get_by_test_id("preview").locator("thead")).to_contain_text("City")
    shot(page, "checked")
    with page.expect_download() as download:
        page.get_by_test_id("download-report").click()
    saved = tmp_path / "problems.xlsx"
    download.value.save_as(saved)
    assert read_xlsx(saved.read_bytes()) == [["Row", "Column", "Value", "Problem"], [3, "Amount", "lots",
                                                                                      "Expected a number."]]
    assert all_records(live_api) == []  # checking writes nothing

    page.get_by_test_id("run").click()  # all or nothing, the default
    expect(page.get_by_test_id("result-text")).to_have_text(
        "Nothing was imported. Rows with problems: 1. Fix them, or import only the valid rows.")
    assert all_records(live_api) == []
    page.locator("input[name=mode][value=valid]").check()
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-text")).to_have_text("Import finished: 3 created, 0 updated, 1 failed.")
    progress = page.get_by_test_id("progress")
    assert progress.evaluate("bar => bar.value === bar.max && bar.max === 4")
    expect(page.get_by_test_id("progress-text")).to_have_text("4 of 4 rows")
    shot(page, "imported")

    page.locator("#back").click()
    page.wait_for_url(f"**{BASE}")
    expect(page.locator("#rows tr")).to_have_count(3)
    expect(page.locator("#rows")).to_contain_text("Hangzhou")
    made = {r["name"]: r for r in all_records(live_api)}
    assert sorted(made) == ["Alpha", "Delta", "Gamma"]
    assert (made["Alpha"]["city"], made["Alpha"]["stage"], made["Gamma"]["stage"]) == ("Shanghai", "won", "new")
    assert page.errors == []


def test_a_gbk_csv_dropped_on_a_phone_imports_with_the_right_characters(signed_in, live_server, live_api, shot):
    setup_deals(live_api)
    data = csv_bytes(["名称,阶段,金额,城市", "华为技术有限公司,赢单,100,深圳", "字节跳动,新建,,北京"], "gbk")
    page = signed_in(locale="zh-CN", phone=True)
    page.goto(f"{live_server.url}{BASE}/import")
    page.evaluate("""([name, bytes]) => {
        const files = new DataTransfer();
        files.items.add(new File([new Uint8Array(bytes)], name, {type: "text/csv"}));
        document.getElementById("dropzone").dispatchEvent(
            new DragEvent("drop", {dataTransfer: files, bubbles: true, cancelable: true}));
    }""", ["客户.csv", list(data)])
    expect(page.get_by_test_id("file-kind")).to_contain_text("GBK/GB18030")
    for header, key in (("名称", "name"), ("阶段", "stage"), ("金额", "amount"), ("城市", "city")):
        expect(page.locator(f"#mapping-rows select[data-header='{header}']")).to_have_value(key)
    expect(page.get_by_test_id("preview")).to_contain_text("华为技术有限公司")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # one column, no sideways
    shot(page, "phone-mapped")

    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-text")).to_be_visible()
    expect(page.get_by_test_id("problems")).to_be_hidden()
    expect(page.get_by_test_id("progress")).to_have_js_property("value", 2)
    shot(page, "phone-imported")
    made = {r["name"]: r for r in all_records(live_api)}
    assert set(made) == {"字节跳动", "华为技术有限公司"}
    assert (made["华为技术有限公司"]["city"], made["华为技术有限公司"]["stage"]) == ("深圳", "won")
    assert made["字节跳动"]["city"] == "北京"
    assert page.errors == []
