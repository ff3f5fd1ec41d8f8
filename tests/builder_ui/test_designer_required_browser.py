"""Publishing a field turned required in the designer, in a real Chromium: the dialog counts
the records without a value and publishes only with a value to fill them with."""

import pytest

from tests.builder_ui.test_designer_browser import props, wait_saved

pytestmark = pytest.mark.browser

FORM = {"key": "leads", "label": {"en": "Leads"}, "fields": [
    {"id": "f_name", "key": "name", "label": {"en": "Name"}, "type": "text"},
    {"id": "f_city", "key": "city", "label": {"en": "City"}, "type": "text"}]}


def test_a_field_turned_required_is_filled_on_publish(signed_in, live_server, live_api, shot):
    live_api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    assert live_api.put("/api/v1/apps/crm/forms/leads", json=FORM).status_code == 200
    assert live_api.post("/api/v1/apps/crm/forms/leads:publish").status_code == 200
    for name, city in (("ACME", "Xi'an"), ("Beta", None), ("Gamma", None)):
        live_api.post("/api/v1/apps/crm/forms/leads/records", json={"name": name, "city": city})

    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/leads/design")
    page.locator(".dz-cell", has_text="City").click()
    props(page).get_by_label("Required").check()
    wait_saved(page)
    page.locator("[data-action=publish]").click()
    blank = page.locator("[data-report=required_blank]")
    blank.wait_for()
    assert "2 records have no value for this required field." in blank.inner_text()
    confirm = page.get_by_test_id("confirm-publish")
    assert confirm.is_disabled()
    shot(page, "required-fill")
    page.get_by_test_id("fill-city").fill("Unknown")
    confirm.click()
    page.wait_for_url("**/design")
    page.get_by_test_id("save-status").filter(has_text="Published.").wait_for()
    items = live_api.get("/api/v1/apps/crm/forms/leads/records", params={"sort": "id"}).json()["items"]
    assert [r["city"] for r in items] == ["Xi'an", "Unknown", "Unknown"]
    assert page.errors == []
