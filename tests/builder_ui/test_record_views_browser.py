"""The record views in a real Chromium: filter builder and saved views, sort, columns, paging,
bulk actions, kanban drags (and a stale card), the calendar, a phone, and hostile text."""


import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

APP = "/api/v1/apps/crm"
BASE = "/apps/crm/forms/deals"
RECORDS = f"{APP}/forms/deals/records"
XSS = "<script>alert(1)</script>"
STAGES = [{"id": "new", "label": {"en": "New", "zh-CN": "新建"}},
          {"id": "won", "label": {"en": "Won", "zh-CN": "赢单"}},
          {"id": "lost", "label": {"en": "Lost", "zh-CN": "输单"}}]
DEALS = [
    {"name": "Alpha", "city": "Shanghai", "stage": "won", "amount": "500", "due": "2026-03-05"},
    {"name": "Beta", "city": "Shangrao", "stage": "new", "amount": "5000", "due": "2026-03-12"},
    {"name": "Gamma", "city": "Shanghai", "stage": "new", "amount": "20", "due": "2026-04-02"},
    {"name": "Delta", "city": "Beijing", "stage": "won", "amount": "9000"},
    {"name": "Epsilon", "city": "Hangzhou", "stage": "lost", "amount": "1"},
]


def setup_deals(live_api, extra=()):
    assert live_api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    fields = [
        {"id": "f_name", "key": "name", "label": {"en": f"Name {XSS}", "zh-CN": f"名称 {XSS}"}, "type": "text"},
        {"id": "f_city", "key": "city", "label": {"en": "City", "zh-CN": "城市"}, "type": "text"},
        {"id": "f_stage", "key": "stage", "label": {"en": "Stage", "zh-CN": "阶段"}, "type": "select",
         "options": STAGES},
        {"id": "f_amount", "key": "amount", "label": {"en": "Amount", "zh-CN": "金额"}, "type": "number"},
        {"id": "f_due", "key": "due", "label": {"en": "Due", "zh-CN": "到期"}, "type": "date"},
    ]
    definition = {"key": "deals", "label": {"en": "Deals", "zh-CN": "商机"}, "fields": fields}
    assert live_api.put(f"{APP}/forms/deals", json=definition).status_code == 200
    assert live_api.post(f"{APP}/forms/deals:publish").status_code == 200
    made = live_api.post(f"{RECORDS}:bulk", json={"records": [*DEALS, *extra]})
    assert made.status_code == 201, made.text
    return {r["name"]: r for r in made.json()["items"]}


def names(page):
    return page.locator("#rows tr td:nth-child(2)").all_inner_texts()


def record(live_api, record_id):
    return live_api.get(f"{RECORDS}/{record_id}").json()


def drag(page, source, target):
    """SortableJS drags with pointer events: press, move in steps, release."""
    source.scroll_into_view_if_needed()
    a, b = source.bounding_box(), target.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(a["x"] + a["width"] / 2 + 8, a["y"] + a["height"] / 2 + 8, steps=4)
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=20)
    page.mouse.up()


def build_the_filter(page, texts):
    """(stage = won OR amount > 1000) AND city contains "Shang"."""
    page.get_by_role("button", name=texts["filter"]).click()
    first = page.locator(".filter-row").first
    first.locator(".filter-field").select_option(label=texts["city"])
    first.locator(".filter-op").select_option("CONTAINS")
    first.locator(".filter-value-input").fill("Shang")
    page.locator(".filter-group[data-depth='0'] > .group-foot .add-group").click()
    nested = page.locator(".filter-group[data-depth='1']")
    nested.locator(".group-op").select_option("OR")
    stage = nested.locator(".filter-row").nth(0)
    stage.locator(".filter-field").select_option(label=texts["stage"])
    stage.locator(".filter-value-input").select_option("won")
    nested.locator(".add-condition").click()
    amount = nested.locator(".filter-row").nth(1)
    amount.locator(".filter-field").select_option(label=texts["amount"])
    amount.locator(".filter-op").select_option(">")
    amount.locator(".filter-value-input").fill("1000")
    page.locator("#filter-apply").click()


EN = {"filter": "Filter", "city": "City", "stage": "Stage", "amount": "Amount", "save_as": "Save as…",
      "save": "Save", "name": "Name"}
ZH = {"filter": "筛选", "city": "城市", "stage": "阶段", "amount": "金额", "save_as": "另存为…",
      "save": "保存", "name": "名称"}


@pytest.mark.parametrize(("locale", "phone", "texts"), [("en", False, EN), ("zh-CN", True, ZH)])
def test_filter_with_a_nested_group_save_the_view_and_reload(signed_in, live_server, live_api, shot,
                                                             locale, phone, texts):
    setup_deals(live_api)
    page = signed_in(locale=locale, phone=phone)
    page.goto(f"{live_server.url}{BASE}")
    expect(page.locator("#rows tr")).to_have_count(5)
    build_the_filter(page, texts)
    expect(page.locator("#rows tr")).to_have_count(2)
    assert sorted(names(page)) == ["Alpha", "Beta"]
    assert "filter=" in page.url  # an unsaved state lives in the URL
    shot(page, "filtered")

    page.get_by_role("button", name=texts["save_as"]).click()
    dialog = page.locator("#save-dialog")
    dialog.get_by_label(texts["name"]).fill(f"Shang deals {XSS}")
    dialog.get_by_role("button", name=texts["save"], exact=True).click()
    expect(page.locator("#view-switch option:checked")).to_have_text(f"Shang deals {XSS}")
    assert "view=" in page.url and "filter=" not in page.url
    views = live_api.get(f"{APP}/forms/deals/views").json()["items"]
    assert [v["title"] for v in views] == [f"Shang deals {XSS}"] and views[0]["shared"] is False

    page.reload()
    expect(page.locator("#rows tr")).to_have_count(2)
    assert sorted(names(page)) == ["Alpha", "Beta"]
    expect(page.locator("#view-switch option:checked")).to_have_text(f"Shang deals {XSS}")
    rows = page.locator(".filter-row")
    expect(rows).to_have_count(3)
    assert rows.nth(0).locator(".filter-value-input").input_value() == "Shang"
    assert page.locator(".filter-group[data-depth='1'] .group-op").input_value() == "OR"
    assert rows.nth(2).locator(".filter-op").input_value() == ">"
    assert rows.nth(2).locator(".filter-value-input").input_value() == "1000"
    assert page.locator("#filter-count").inner_text() == "3"
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        bar = page.locator("#views-actions").bounding_box()
        assert bar["y"] + bar["height"] >= 800  # the actions sit at the bottom of the phone
    shot(page, "reloaded")
    assert page.errors == []


def test_sort_by_header_hide_a_column_and_load_the_next_page(signed_in, live_server, live_api, shot):
    setup_deals(live_api, [{"name": f"Bulk {i:02d}", "amount": str(100 + i)} for i in range(50)])
    page = signed_in()
    page.goto(f"{live_server.url}{BASE}")
    expect(page.locator("#rows tr")).to_have_count(50)
    expect(page.get_by_test_id("total")).to_have_text("55 records")

    amount = page.locator("th[data-field=f_amount]")
    amount.get_by_role("button").click()
    expect(amount).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("#rows tr").first).to_contain_text("Epsilon")  # amount 1
    amount.get_by_role("button").click()
    expect(amount).to_have_attribute("aria-sort", "descending")
    expect(page.locator("#rows tr").first).to_contain_text("Delta")  # amount 9000

    page.get_by_text("Columns", exact=True).click()
    page.locator("#columns-list").get_by_label("City").uncheck()
    expect(page.locator("th[data-field=f_city]")).to_have_count(0)
    expect(page.locator("#rows tr").first.locator("td")).to_have_count(5)  # select, name, stage, amount, due
    assert "columns=" in page.url

    page.get_by_role("button", name="Load more").click()
    expect(page.locator("#rows tr")).to_have_count(55)
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()
    assert page.locator("#rows tr").last.locator("td").nth(3).inner_text() == "1"  # Epsilon, last by amount
    shot(page, "sorted")

    page.reload()  # the state stays in the URL
    expect(page.locator("th[data-field=f_amount]")).to_have_attribute("aria-sort", "descending")
    expect(page.locator("th[data-field=f_city]")).to_have_count(0)
    assert page.errors == []


def test_bulk_edit_two_rows_and_bulk_delete_one(signed_in, live_server, live_api, shot):
    made = setup_deals(live_api)
    page = signed_in()
    page.goto(f"{live_server.url}{BASE}?sort=f_name")
    expect(page.locator("#rows tr")).to_have_count(5)
    for name in ("Gamma", "Epsilon"):
        page.locator("#rows tr", has_text=name).locator(".row-select").check()
    expect(page.get_by_test_id("selected-count")).to_have_text("2 selected")

    page.get_by_role("button", name="Edit field").click()
    dialog = page.locator("#edit-dialog")
    dialog.get_by_label("Field").select_option(label="Amount")
    dialog.get_by_label("Value").fill("abc")
    dialog.get_by_role("button", name="Apply").click()
    expect(dialog.locator("[data-role=error]")).to_contain_text("Record")  # which record, and why
    dialog.get_by_label("Field").select_option(label="Stage")
    dialog.get_by_label("Value").select_option("won")
    dialog.get_by_role("button", name="Apply").click()
    expect(page.locator("#views-message")).to_have_text("2 records changed.")
    assert record(live_api, made["Gamma"]["id"])["stage"] == "won"
    assert record(live_api, made["Epsilon"]["id"])["stage"] == "won"
    expect(page.locator("#rows tr", has_text="Gamma")).to_contain_text("Won")

    page.locator("#rows tr", has_text="Beta").locator(".row-select").check()
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.locator("#confirm-text")).to_have_text("Move 1 record to the recycle bin?")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#rows tr")).to_have_count(4)
    expect(page.locator("#rows")).not_to_contain_text("Beta")
    binned = live_api.get(RECORDS, params={"deleted": True}).json()["items"]
    assert [r["name"] for r in binned] == ["Beta"]
    shot(page, "after-delete")
    assert page.errors == []


@pytest.mark.parametrize("phone", [False, True])
def test_drag_a_kanban_card_and_a_stale_card_snaps_back(signed_in, live_server, live_api, shot, phone):
    made = setup_deals(live_api)
    page = signed_in(locale="zh-CN" if phone else "en", phone=phone)
    page.goto(f"{live_server.url}{BASE}/kanban?by=stage")
    new, won = (page.locator(f".kanban-cards[data-option={o}]") for o in ("new", "won"))
    expect(new.locator(".kanban-card")).to_have_count(2)
    drag(page, new.locator(".kanban-card", has_text="Gamma"), won)
    expect(won.locator(".kanban-card", has_text="Gamma")).to_have_count(1)
    expect(page.locator(".kanban-column[data-option=won] .kanban-count")).to_have_text("3")
    page.wait_for_function("document.querySelector('.kanban-card.saving') === null")
    assert record(live_api, made["Gamma"]["id"])["stage"] == "won"

    # Beta is changed elsewhere after the board was drawn: its card is stale.
    beta = made["Beta"]
    assert live_api.patch(f"{RECORDS}/{beta['id']}", json={"version": beta["version"], "amount": "1"}).status_code \
        == 200
    drag(page, new.locator(".kanban-card", has_text="Beta"), won)
    message = "其他人已先修改了这条记录。" if phone else "Someone else changed this record first."
    expect(page.locator("#views-message")).to_contain_text(message)
    expect(new.locator(".kanban-card", has_text="Beta")).to_have_count(1)
    expect(won.locator(".kanban-card", has_text="Beta")).to_have_count(0)
    assert record(live_api, beta["id"])["stage"] == "new"
    shot(page, "kanban")
    assert page.errors == []


def test_the_calendar_shows_a_record_on_its_date_and_moves_by_month(signed_in, live_server, live_api, shot):
    setup_deals(live_api)
    page = signed_in()
    page.goto(f"{live_server.url}{BASE}/calendar?by=due&month=2026-03")
    expect(page.get_by_test_id("month")).to_have_text("March 2026")
    expect(page.locator("td[data-date='2026-03-05']")).to_contain_text("Alpha")
    expect(page.locator("td[data-date='2026-03-12']")).to_contain_text("Beta")
    page.get_by_role("link", name="Next ›").click()
    expect(page.get_by_test_id("month")).to_have_text("April 2026")
    expect(page.locator("td[data-date='2026-04-02']")).to_contain_text("Gamma")
    page.locator("td[data-date='2026-04-02']").get_by_role("link", name="Gamma").click()
    page.wait_for_url("**/records/*")
    shot(page, "calendar")


def test_the_calendar_is_an_agenda_on_a_phone(signed_in, live_server, live_api, shot):
    setup_deals(live_api)
    page = signed_in(locale="zh-CN", phone=True)
    page.goto(f"{live_server.url}{BASE}/calendar?by=due&month=2026-03")
    expect(page.get_by_test_id("month")).to_have_text("2026年3月")
    expect(page.get_by_test_id("calendar")).to_be_hidden()
    expect(page.get_by_test_id("agenda")).to_contain_text("Alpha")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "agenda")
    assert page.errors == []


def test_hostile_labels_and_values_are_text_everywhere(signed_in, live_server, live_api):
    setup_deals(live_api, [{"name": XSS, "stage": "new", "city": XSS}])
    page = signed_in()
    alerts = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    page.goto(f"{live_server.url}{BASE}")
    expect(page.locator("th[data-field=f_name]")).to_contain_text(f"Name {XSS}")
    expect(page.locator("#rows tr", has_text=XSS)).to_have_count(1)
    page.get_by_role("button", name="Filter").click()
    options = page.locator(".filter-row").first.locator(".filter-field option").all_inner_texts()
    assert f"Name {XSS}" in options
    page.goto(f"{live_server.url}{BASE}/kanban")
    expect(page.locator(".kanban-card .kanban-title", has_text=XSS)).to_have_count(1)
    expect(page.locator(".kanban-card dd", has_text=XSS)).to_have_count(1)
    assert alerts == [] and page.errors == []
