"""The designer's form-logic editors in a real Chromium against a real `brickwork serve`: a
visibility rule built with the filter builder (and honoured by the preview), a validation rule
typed as a formula, and linked data, each published and then used on the new-record page."""

import pytest
from playwright.sync_api import expect

from tests.builder_ui.test_designer_browser import props, wait_saved
from tests.builder_ui.test_form_logic_browser import choose
from tests.engines.form.helpers import publish, records
from tests.support.browser import wait_landed

pytestmark = pytest.mark.browser

DEALS = {"key": "deals", "label": {"en": "Deals", "zh-CN": "商机"}, "fields": [
    {"id": "f_stage", "key": "stage", "type": "select", "label": {"en": "Stage", "zh-CN": "阶段"},
     "options": [{"id": "won", "label": {"en": "Won", "zh-CN": "赢单"}},
                 {"id": "lost", "label": {"en": "Lost", "zh-CN": "输单"}}]},
    {"id": "f_reason", "key": "reason", "type": "text", "label": {"en": "Lost because", "zh-CN": "输单原因"}},
    {"id": "f_amount", "key": "amount", "type": "number", "label": {"en": "Amount", "zh-CN": "金额"}},
    {"id": "f_discount", "key": "discount", "type": "number", "label": {"en": "Discount", "zh-CN": "折扣"}},
], "sections": [{"id": "s_terms", "label": {"en": "Terms", "zh-CN": "条款"}}],
    "layout": [["f_stage"], ["f_reason"], ["s_terms"], ["f_amount"], ["f_discount"]]}
SAVE = {"en": "Save", "zh-CN": "保存"}
PUBLISHED = {"en": "Published.", "zh-CN": "已发布。"}


def open_designer(page, live_server, form):
    page.goto(f"{live_server.url}/apps/crm/forms/{form}/design")
    page.get_by_test_id("canvas").wait_for()


def cell(page, key):
    return page.locator(".dz-cell", has_text=f"· {key}")


def publish_in_designer(page, locale="en"):
    wait_saved(page)
    page.locator("[data-action=publish]").click()
    page.get_by_test_id("confirm-publish").click()
    page.wait_for_url("**/design")
    page.get_by_test_id("save-status").filter(has_text=PUBLISHED[locale]).wait_for()


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_field_shown_by_a_rule_built_with_the_filter_builder(signed_in, live_server, live_api, shot, locale):
    assert publish(live_api, DEALS).status_code == 200
    page = signed_in(locale=locale)
    open_designer(page, live_server, "deals")
    cell(page, "reason").click()
    editor = props(page).get_by_test_id("show-when")
    row = editor.locator(".filter-row")
    row.locator(".filter-field").select_option("f_stage")
    row.locator(".filter-op").select_option("=")
    row.locator(".filter-value-input").select_option("lost")
    wait_saved(page)
    editor.scroll_into_view_if_needed()
    shot(page, "show-when-built")
    draft = live_api.get("/api/v1/apps/crm/forms/deals").json()["body"]
    reason = next(f for f in draft["fields"] if f["key"] == "reason")
    assert reason["show_when"] == {"fn": "=", "args": [{"ref": "f_stage"}, {"lit": "lost", "type": "choice"}]}

    # A section: shown only for won deals.
    page.locator(".dz-section-cell[data-id=s_terms]").click()
    section_row = props(page).get_by_test_id("show-when").locator(".filter-row")
    section_row.locator(".filter-field").select_option("f_stage")
    section_row.locator(".filter-value-input").select_option("won")
    wait_saved(page)

    # The preview honours the draft's rule.
    page.locator("[data-action=preview]").click()
    preview = page.get_by_test_id("preview-form")
    preview_reason = preview.locator(".record-cell[data-key=reason]")
    expect(preview_reason).to_be_hidden()
    preview.locator("[name=stage]").select_option("lost")
    expect(preview_reason).to_be_visible()
    page.locator("[data-action=preview]").click()

    # Reopened, the rule is shown in the builder again; as a formula it reads as text.
    page.reload()
    cell(page, "reason").click()
    editor = props(page).get_by_test_id("show-when")
    expect(editor.locator(".filter-value-input")).to_have_value("lost")
    editor.locator("[data-mode=write]").click()
    expect(props(page).locator("textarea[data-prop=show_when]")).to_have_value('stage = "lost"')

    publish_in_designer(page, locale)
    page.goto(f"{live_server.url}/apps/crm/forms/deals/records/new")
    field = page.locator(".record-cell[data-key=reason]")
    terms = page.locator(".record-section[data-section=s_terms]")
    expect(field).to_be_hidden()
    expect(terms).to_be_hidden()
    page.locator("[name=stage]").select_option("lost")
    expect(field).to_be_visible()
    shot(page, "reason-shown")
    page.locator("[name=stage]").select_option("won")
    expect(field).to_be_hidden()
    expect(terms).to_be_visible()
    expect(page.locator(".record-cell[data-key=amount]")).to_be_visible()
    assert page.errors == []


def test_a_validation_rule_written_as_a_formula_refuses_the_save(signed_in, live_server, live_api, shot):
    assert publish(live_api, DEALS).status_code == 200
    page = signed_in()
    open_designer(page, live_server, "deals")
    page.get_by_test_id("rules-button").click()
    props(page).get_by_role("button", name="Add rule").click()
    rule = props(page).locator(".dz-rule").first
    rule.locator("[data-prop='message.en']").fill("The discount cannot exceed the amount.")
    rule.locator("[data-prop='message.zh-CN']").fill("折扣不能超过金额。")
    rule.locator("[data-prop=rule-field]").select_option(label="Discount")
    rule.locator("[data-mode=write]").click()
    # Function help: choosing a function inserts it and says how it is written.
    rule.get_by_label("Insert a function").select_option("ISBLANK")
    expect(rule.locator("textarea[data-prop=when]")).to_have_value("ISBLANK()")
    expect(rule.locator(".dz-function-help")).to_contain_text("ISBLANK(x)")
    rule.locator("textarea[data-prop=when]").fill("discount > amout")
    problem = props(page).locator(".dz-rule .field-error", has_text="amout")
    problem.wait_for()
    assert props(page).locator(".dz-rule .dz-formula-mark mark").inner_text() == "amout"
    shot(page, "rule-error")
    props(page).locator(".dz-rule textarea[data-prop=when]").fill("discount > amount")
    problem.wait_for(state="detached")
    publish_in_designer(page)
    saved = live_api.get("/api/v1/apps/crm/forms/deals").json()["body"]["rules"]
    assert saved[0]["when"]["fn"] == ">" and saved[0]["field"] == "f_discount"

    page.goto(f"{live_server.url}/apps/crm/forms/deals/records/new")
    page.locator("[name=amount]").fill("100")
    page.locator("[name=discount]").fill("150")
    page.get_by_role("button", name="Save").click()
    message = page.locator(".record-cell[data-key=discount] .field-error")
    expect(message).to_have_text("The discount cannot exceed the amount.")
    shot(page, "rule-refused")
    assert live_api.get(records("deals")).json()["items"] == []
    page.locator("[name=discount]").fill("10")
    page.get_by_role("button", name="Save").click()
    wait_landed(page, r"/records/\d+", "saved")
    assert page.errors == []


CUSTOMERS = {"key": "customers", "label": {"en": "Customers"}, "fields": [
    {"id": "cname", "key": "name", "type": "text", "label": {"en": "Name"}},
    {"id": "cphone", "key": "phone", "type": "text", "label": {"en": "Phone"}}]}
SALES = {"key": "sales", "label": {"en": "Sales"}, "fields": [
    {"id": "scustomer", "key": "customer", "type": "relation", "target": "customers", "label": {"en": "Customer"}},
    {"id": "sphone", "key": "customer_phone", "type": "text", "label": {"en": "Customer phone"}}]}


def test_linked_data_set_up_in_the_designer_fills_a_field(signed_in, live_server, live_api, shot):
    assert publish(live_api, CUSTOMERS).status_code == 200
    assert publish(live_api, SALES).status_code == 200
    live_api.post(records("customers"), json={"name": "Acme", "phone": "555-0100"})
    page = signed_in()
    open_designer(page, live_server, "sales")
    cell(page, "customer_phone").click()
    fill = props(page).get_by_test_id("fill-from")
    fill.locator("[data-prop=fill-form]").select_option("customers")
    fill.locator("[data-prop=fill-take]").select_option("cphone")
    fill.locator("[data-prop=equals]").select_option("id")
    fill.locator("[data-prop=match-field]").select_option("scustomer")
    wait_saved(page)
    fill.scroll_into_view_if_needed()
    shot(page, "fill-from")
    publish_in_designer(page)
    body = live_api.get("/api/v1/apps/crm/forms/sales").json()["body"]
    assert body["fields"][1]["fill_from"] == {"form": "customers", "match": [{"field": "scustomer", "equals": "id"}],
                                              "take": "cphone"}

    page.goto(f"{live_server.url}/apps/crm/forms/sales/records/new")
    choose(page, "Ac", "Acme")
    expect(page.get_by_label("Customer phone")).to_have_value("555-0100")
    assert page.errors == []
