"""The app's page renames it, gives it an icon and deletes it to the bin on the home page."""

from tests.engines.form.helpers import field, form, publish
from tests.platform.http.test_csrf import form_token, sign_in


def test_creating_an_app_opens_it(client, admin):
    sign_in(client)
    token = form_token(client, "/")
    created = client.post("/apps", data={"key": "sales", "label_en": "Sales", "icon": "money", "csrf_token": token},
                          follow_redirects=False)
    assert created.status_code == 303 and created.headers["location"] == "/apps/sales"
    assert "💴" in client.get("/").text


def test_the_app_page_renames_an_app_and_gives_it_an_icon(client, api, admin):
    publish(api, form("customers", field("c1", "text", "name")))
    token_header = api.headers.pop("Authorization")  # the same client: the page needs its session
    sign_in(client)
    token = form_token(client, "/apps/crm")
    saved = client.post("/apps/crm/settings", data={"label_zh": "销售", "label_en": "Selling", "icon": "sales",
                                                     "version": "1", "csrf_token": token}, follow_redirects=False)
    assert saved.status_code == 303
    page = client.get("/apps/crm").text
    assert "Selling" in page and "💰" in page
    stale = client.post("/apps/crm/settings", data={"label_en": "Old tab", "version": "1", "csrf_token": token})
    assert stale.status_code == 409 and "Someone else changed the app first." in stale.text
    assert 'value="Old tab"' in stale.text
    bad = client.post("/apps/crm/settings", data={"label_en": "", "icon": "<b>x</b>", "version": "2",
                                                   "csrf_token": token})
    assert bad.status_code == 422 and "<b>x</b>" not in bad.text
    assert "Choose one of the icons" in bad.text
    assert client.get("/api/v1/apps/crm", headers={"Authorization": token_header}).json()["name"] == "Selling"


def test_a_deleted_app_leaves_the_home_page_for_the_bin_and_is_restored(client, api, admin):
    publish(api, form("customers", field("c1", "text", "name")))
    api.headers.pop("Authorization")  # the same client: the page needs its session
    sign_in(client)
    token = form_token(client, "/apps/crm")
    assert client.post("/apps/crm/delete", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/apps/crm").status_code == 404
    assert client.get("/apps/crm/forms/customers").status_code == 404
    home = client.get("/").text
    assert 'data-testid="apps"' not in home and 'data-testid="app-bin"' in home
    restored = client.post("/apps/crm/restore", data={"csrf_token": token}, follow_redirects=False)
    assert restored.headers["location"] == "/apps/crm"
    assert client.get("/apps/crm/forms/customers").status_code == 200


def test_people_who_are_not_administrators_cannot_change_apps(client, api, sessions):
    from brickwork.platform.db import transaction
    from brickwork.platform.identity.users import create_user
    from tests.conftest import ADMIN_PASSWORD

    publish(api, form("customers", field("c1", "text", "name")))
    del api.headers["Authorization"]
    with transaction(sessions) as s:
        create_user(s, "staff", ADMIN_PASSWORD)
    token = form_token(client)
    client.post("/login", data={"username": "staff", "password": ADMIN_PASSWORD, "csrf_token": token})
    page = client.get("/apps/crm").text
    assert 'data-testid="app-settings"' not in page and "data-order" not in page
    assert client.post("/apps/crm/delete", data={"csrf_token": token}).status_code == 403


def test_the_table_kanban_and_calendar_offer_an_export_menu(client, api, admin):
    publish(api, form("deals", field("d1", "text", "name"), field("d2", "date", "due"),
                      field("d3", "select", "stage", options=[{"id": "a", "label": {"en": "A"}}])))
    api.headers.pop("Authorization")
    sign_in(client)
    for path in ("", "/kanban", "/calendar"):
        page = client.get(f"/apps/crm/forms/deals{path}")
        assert page.status_code == 200, page.text
        assert 'data-testid="export-menu"' in page.text
        assert 'data-url="/api/v1/apps/crm/forms/deals/records:export"' in page.text
