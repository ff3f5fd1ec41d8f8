"""The form designer in a real Chromium against a real `brickwork serve`: build a form by
dragging, publish it, change a type with data in it, on a desktop and on a phone."""

import pytest

from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.identity.users import create_user

pytestmark = pytest.mark.browser

XSS = "<script>alert(1)</script>"
WORDS = {
    "en": {"app_name": "Name (English)", "key": "Key", "create": "Create", "new_form": "Create and design",
           "publish": "Publish", "required": "Required", "unique": "Unique: no two records may have the same value",
           "label_en": "Name (English)", "type": "Type", "text": "Single-line text", "published": "Published.",
           "beside": "Place beside the row above", "up": "Move up"},
    "zh-CN": {"app_name": "名称（英文）", "key": "标识", "create": "创建", "new_form": "创建并设计",
              "publish": "发布", "required": "必填", "unique": "唯一：任意两条记录的值不能相同",
              "label_en": "名称（英文）", "type": "类型", "text": "单行文本", "published": "已发布。",
              "beside": "与上一行并排", "up": "上移"},
}
FIELDS = [("text", "Customer"), ("number", "Amount"), ("select", "Stage"), ("date", "Due"), ("phone", "Mobile"),
          ("money", "Budget")]


def drag(page, source, target, dx=0.5, dy=0.5, until=None):
    """A pointer drag as SortableJS (forceFallback) sees it: down, small moves, up.

    With `until` (a locator), the pointer is held over the target, nudged a pixel at a time,
    until SortableJS has put the dragged item where `until` finds it; only then is it
    released. A loaded machine can leave Sortable's animation behind the last move, and a
    drop released before the list has moved lands where the item was."""
    start, end = source.bounding_box(), target.bounding_box()
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    x1, y1 = end["x"] + end["width"] * dx, end["y"] + end["height"] * dy
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 5, y0 + 5, steps=3)
    page.mouse.move(x1, y1, steps=15)
    page.mouse.move(x1, y1 + 1, steps=2)
    if until is not None:
        for nudge in range(40):
            if until.count():
                break
            page.wait_for_timeout(100)
            page.mouse.move(x1, y1 + 1 + (nudge % 3), steps=2)
    page.mouse.up()


def canvas_keys(page):
    return page.locator("[data-testid=canvas] .dz-row").evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('.dz-cell')].map(c => c.querySelector('.dz-cell-meta')"
        ".textContent.split(' · ').pop()))")


def cell(page, key):
    return page.locator(".dz-cell", has_text=f"· {key}")


def props(page):
    return page.get_by_test_id("properties")


def name_field(page, words, label):
    box = props(page)
    box.get_by_label(words["label_en"], exact=True).fill(label)


def create_app_and_form(page, live_server, words, shot):
    page.get_by_label(words["app_name"]).fill(f"Sales {XSS}")
    page.get_by_label(words["key"]).fill("crm")
    page.get_by_role("button", name=words["create"], exact=True).click()
    page.wait_for_url(f"{live_server.url}/apps/crm")  # a new app opens
    assert XSS in page.get_by_test_id("app-name").inner_text()
    page.locator("[data-new-form]").get_by_label(words["app_name"]).fill("Leads")
    assert page.locator("[data-new-form] input[name=key]").input_value() == "leads"
    shot(page, "app-page")
    page.get_by_role("button", name=words["new_form"]).click()
    page.wait_for_url(f"{live_server.url}/apps/crm/forms/leads/design")


def wait_added(page, n):
    """The n-th field is on the canvas and selected."""
    page.wait_for_function(f"() => document.querySelectorAll('.dz-cell').length === {n} && "
                           f"document.querySelectorAll('.dz-cell')[{n - 1}].classList.contains('selected')")


def wait_saved(page):
    page.wait_for_function("() => !document.querySelector('[data-testid=save-status]')"
                           ".textContent.match(/…|Unsaved|未保存|保存中/)")


def publish_and_check(page, live_api, words, shot):
    wait_saved(page)
    page.locator("[data-action=publish]").click()
    confirm = page.get_by_test_id("confirm-publish")
    confirm.wait_for()
    shot(page, "publish-dialog")
    confirm.click()
    page.wait_for_url("**/design")
    page.get_by_test_id("save-status").filter(has_text=words["published"]).wait_for()
    body = live_api.get("/api/v1/apps/crm/forms/leads").json()
    assert body["state"] == "published"
    return body["body"]


def fill_select_options(page):
    options = props(page).get_by_test_id("options").locator("li")
    options.nth(0).locator("input[lang=en]").fill("Hot")
    options.nth(1).locator("input[lang=en]").fill("Cold")


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_building_a_form_by_dragging_and_publishing_it(signed_in, live_server, live_api, shot, locale):
    words = WORDS[locale]
    page = signed_in(locale=locale)
    create_app_and_form(page, live_server, words, shot)
    canvas = page.get_by_test_id("canvas")
    for n, (type_, label) in enumerate(FIELDS, start=1):
        drag(page, page.locator(f".dz-type[data-type={type_}]"), canvas, dy=0.97)
        wait_added(page, n)
        name_field(page, words, label)
        if type_ == "select":
            fill_select_options(page)
    shot(page, "six-fields")
    assert canvas_keys(page) == [["customer"], ["amount"], ["stage"], ["due"], ["mobile"], ["budget"]]

    # Reorder: Mobile goes above Amount (dropped on Amount's row handle).
    rows = canvas.locator(".dz-row")
    drag(page, rows.nth(4).locator(".dz-cell"), rows.nth(1).locator(".dz-grip"), dy=0.2,
         until=page.locator("[data-testid=canvas] > :nth-child(2)", has_text="· mobile"))
    page.wait_for_function("() => document.querySelectorAll('[data-testid=canvas] .dz-row')[1]"
                           ".textContent.includes('· mobile')")
    assert canvas_keys(page) == [["customer"], ["mobile"], ["amount"], ["stage"], ["due"], ["budget"]]
    # Side by side: Budget dropped beside Amount.
    drag(page, rows.nth(5).locator(".dz-cell"), rows.nth(2).locator(".dz-beside"),
         until=page.locator("[data-testid=canvas] .dz-beside .dz-cell"))
    page.wait_for_function("() => document.querySelectorAll('[data-testid=canvas] .dz-row').length === 5")
    assert canvas_keys(page) == [["customer"], ["mobile"], ["amount", "budget"], ["stage"], ["due"]]
    shot(page, "arranged")

    cell(page, "customer").click()
    props(page).get_by_label(words["required"]).check()
    cell(page, "mobile").click()
    props(page).get_by_label(words["unique"]).check()
    shot(page, "properties")

    page.locator("[data-action=preview]").click()
    page.get_by_test_id("preview-form").wait_for()
    shot(page, "preview")
    page.locator("[data-action=phone]").click()
    assert page.locator(".dz-frame").bounding_box()["width"] <= 390
    shot(page, "preview-phone")
    page.locator("[data-action=preview]").click()

    body = publish_and_check(page, live_api, words, shot)
    by_key = {f["key"]: f for f in body["fields"]}
    assert [f["key"] for f in body["fields"]] == ["customer", "amount", "stage", "due", "mobile", "budget"]
    order = [[next(k for k, f in by_key.items() if f["id"] == i) for i in row] for row in body["layout"]]
    assert order == [["customer"], ["mobile"], ["amount", "budget"], ["stage"], ["due"]]
    assert by_key["customer"]["required"] and by_key["mobile"]["unique"]
    assert [o["label"]["en"] for o in by_key["stage"]["options"]] == ["Hot", "Cold"]
    assert {f["type"] for f in body["fields"]} == {t for t, _label in FIELDS}
    shot(page, "published")
    assert page.errors == []


def test_building_a_form_on_a_phone(signed_in, live_server, live_api, shot):
    words = WORDS["en"]
    page = signed_in(phone=True)
    create_app_and_form(page, live_server, words, shot)
    for n, (type_, label) in enumerate(FIELDS, start=1):
        page.get_by_test_id("palette-toggle").tap()  # the palette folds away on a phone
        page.locator(f".dz-type[data-type={type_}]").tap()
        wait_added(page, n)
        name_field(page, words, label)
        if type_ == "select":
            fill_select_options(page)
    # Each new field comes after the selected one.
    assert canvas_keys(page) == [["customer"], ["amount"], ["stage"], ["due"], ["mobile"], ["budget"]]
    cell(page, "mobile").tap()
    for _ in range(3):
        props(page).get_by_role("button", name=words["up"]).tap()
    cell(page, "budget").tap()
    for _ in range(2):
        props(page).get_by_role("button", name=words["up"]).tap()
    props(page).get_by_role("button", name=words["beside"]).tap()
    assert canvas_keys(page) == [["customer"], ["mobile"], ["amount", "budget"], ["stage"], ["due"]]
    cell(page, "customer").tap()
    props(page).get_by_label(words["required"]).check()
    cell(page, "mobile").tap()
    props(page).get_by_label(words["unique"]).check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "phone-designer")
    body = publish_and_check(page, live_api, words, shot)
    assert [f["key"] for f in body["fields"]] == ["customer", "amount", "stage", "due", "mobile", "budget"]
    assert len(body["layout"]) == 5 and len(body["layout"][2]) == 2
    assert page.errors == []


def test_changing_a_number_to_text_keeps_every_value(signed_in, live_server, live_api, shot):
    live_api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    definition = {"key": "leads", "label": {"en": "Leads"}, "fields": [
        {"id": "f_size", "key": "size", "label": {"en": "Size"}, "type": "number", "scale": 1}]}
    assert live_api.put("/api/v1/apps/crm/forms/leads", json=definition).status_code == 200
    assert live_api.post("/api/v1/apps/crm/forms/leads:publish").status_code == 200
    for value in ("12.5", "7", "-3.2"):
        assert live_api.post("/api/v1/apps/crm/forms/leads/records", json={"size": value}).status_code == 201

    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/leads/design")
    page.locator(".dz-cell", has_text="Size").click()
    props(page).get_by_label("Type").select_option("text")
    wait_saved(page)
    page.locator("[data-action=publish]").click()
    report = page.locator("[data-report=converted]")
    report.wait_for()
    assert "Number → Single-line text: 3 of 3 values convert." in report.inner_text()
    shot(page, "conversion")
    page.get_by_test_id("confirm-publish").click()
    page.wait_for_url("**/design")
    page.get_by_test_id("save-status").filter(has_text="Published.").wait_for()
    records = live_api.get("/api/v1/apps/crm/forms/leads/records").json()["items"]
    assert sorted(r["size"] for r in records) == ["-3.2", "12.5", "7.0"]
    assert page.errors == []


def test_labels_with_markup_stay_text(signed_in, live_server, live_api, shot):
    live_api.post("/api/v1/apps", json={"key": "crm", "label": {"en": f"CRM {XSS}"}})
    definition = {"key": "leads", "label": {"en": f"Leads {XSS}"}, "fields": [
        {"id": "f_a", "key": "a", "label": {"en": XSS}, "type": "text"},
        {"id": "f_b", "key": "b", "label": {"en": "Stage"}, "type": "select",
         "options": [{"id": "o1", "label": {"en": XSS}}]}]}
    live_api.put("/api/v1/apps/crm/forms/leads", json=definition)
    page = signed_in()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server.url}/apps/crm")
    assert XSS in page.get_by_test_id("app-name").inner_text()
    assert XSS in page.get_by_test_id("forms").inner_text()
    page.goto(f"{live_server.url}/apps/crm/forms/leads/design")
    cell = page.locator(".dz-cell").first
    assert XSS in cell.inner_text()
    cell.click()
    assert props(page).get_by_label("Name (English)", exact=True).input_value() == XSS
    page.locator(".dz-cell", has_text="Stage").click()
    assert props(page).get_by_test_id("options").locator("input[lang=en]").input_value() == XSS
    page.locator("[data-action=preview]").click()
    page.get_by_test_id("preview-form").wait_for()
    assert XSS in page.get_by_test_id("preview-form").inner_text()
    shot(page, "markup")
    assert dialogs == [] and page.errors == []


def test_only_administrators_design(browser, signed_in, live_server, live_api, database_url):
    live_api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    live_api.put("/api/v1/apps/crm/forms/leads", json={"key": "leads", "label": {"en": "Leads"}})
    engine = make_engine(database_url)
    with transaction(make_sessionmaker(engine)) as session:
        create_user(session, "mei", "password-for-mei-1")
    engine.dispose()
    url = f"{live_server.url}/apps/crm/forms/leads/design"

    anonymous = browser.new_context(locale="en").new_page()
    anonymous.goto(url)
    assert anonymous.url == f"{live_server.url}/login?next=/apps/crm/forms/leads/design"
    anonymous.get_by_label("Username").fill("mei")
    anonymous.get_by_label("Password").fill("password-for-mei-1")
    anonymous.get_by_role("button", name="Sign in", exact=True).click()
    anonymous.wait_for_url(url)
    assert "Only administrators of this app may do this." in anonymous.get_by_test_id("error-page").inner_text()
    anonymous.context.close()
