"""The app home, creating a form, the designer page and its preview, through TestClient."""

import json
import re

from brickwork.builder_ui.designer_data import form_key_from, palette
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.platform.db import transaction
from brickwork.platform.identity.org import create_role, grant_role
from brickwork.platform.identity.users import create_user, get_user
from tests.engines.form.helpers import APP, field, form, publish
from tests.platform.http.test_csrf import form_token, sign_in

XSS = "<script>alert(1)</script>"


def _state(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="designer-state">(.*?)</script>', html,
                                re.S).group(1))


def _csrf(client, path: str) -> str:
    return form_token(client, path)


def _sign_in_as(client, sessions, username: str, is_admin: bool = False) -> None:
    with transaction(sessions) as session:
        create_user(session, username, "password-for-tests-1", is_admin=is_admin)
    token = form_token(client)
    client.post("/login", data={"username": username, "password": "password-for-tests-1", "csrf_token": token})


def test_every_field_type_is_in_one_palette_group():
    grouped = [t["type"] for group in palette() for t in group["types"]]
    assert sorted(grouped) == sorted(REGISTRY) and len(grouped) == len(set(grouped))


def test_form_keys_come_from_the_english_name():
    assert form_key_from("Sales leads!", set()) == "sales_leads"
    assert form_key_from("Sales leads", {"sales_leads"}) == "sales_leads_2"
    assert form_key_from("", set()) == "form"
    assert form_key_from("2024 orders", set()) == "form_2024_orders"


def test_anonymous_visitors_are_sent_to_login(client):
    for path in ("/apps/crm", "/apps/crm/forms/leads/design"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/login?next={path}"


def test_the_app_page_lists_forms_with_their_state_and_escapes_labels(client, api, admin):
    publish(api, form("leads", field("f_name", "text", "name"), label={"en": f"Leads {XSS}"}))
    api.put(f"{APP}/forms/leads", json=form("leads", field("f_name", "text", "name"), field("f_x", "date", "x"),
                                             label={"en": f"Leads {XSS}"}))
    api.put(f"{APP}/forms/orders", json=form("orders"))
    del api.headers["Authorization"]
    sign_in(client)
    page = client.get("/apps/crm")
    assert page.status_code == 200
    assert XSS not in page.text and "Leads &lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'href="/apps/crm/forms/leads"' in page.text and 'href="/apps/crm/forms/leads/design"' in page.text
    assert "Published, with unpublished changes" in page.text and "Draft, not published yet" in page.text
    # A draft never published has no table to link to.
    assert 'href="/apps/crm/forms/orders"' not in page.text
    assert 'href="/apps/crm"' in client.get("/").text


def test_people_who_are_not_administrators_see_published_forms_only(client, api, sessions):
    publish(api, {**form("leads", field("f_name", "text", "name")),
                  "permissions": [{"role": "staff", "actions": ["read"], "scope": "all"}]})
    api.put(f"{APP}/forms/orders", json={**form("orders"),
                                         "permissions": [{"role": "staff", "actions": ["read"], "scope": "all"}]})
    del api.headers["Authorization"]
    _sign_in_as(client, sessions, "mei")
    with transaction(sessions) as session:  # the menu lists only forms mei may read
        create_role(session, "staff", {"en": "Staff"})
        grant_role(session, get_user(session, "mei").id, "staff")
    page = client.get("/apps/crm")
    assert "/apps/crm/forms/leads" in page.text and "orders" not in page.text
    assert "/forms/leads/design" not in page.text and "New form" not in page.text


def test_an_admin_creates_a_form_and_lands_in_the_designer(client, api, admin):
    api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    del api.headers["Authorization"]
    sign_in(client)
    response = client.post("/apps/crm/forms", data={"label_zh": "销售线索", "label_en": "Sales leads", "key": "",
                                                    "csrf_token": _csrf(client, "/apps/crm")},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/apps/crm/forms/sales_leads/design"
    designer = client.get("/apps/crm/forms/sales_leads/design")
    state = _state(designer.text)
    assert state["body"] == {"key": "sales_leads", "label": {"zh-CN": "销售线索", "en": "Sales leads"}, "fields": [],
                             "sections": [], "layout": [], "trash": [], "backups": [], "permissions": [],
                             "rules": []}
    assert state["revision"] == 1 and state["has_draft"] and state["live"] is None
    assert set(state["types"]) == set(REGISTRY) and state["types"]["number"]["settings"] == [
        "default", "max", "min", "scale", "unique"]
    # The same key again is refused beside the key input.
    again = client.post("/apps/crm/forms", data={"label_en": "Other", "key": "sales_leads",
                                                 "csrf_token": _csrf(client, "/apps/crm")})
    assert again.status_code == 409 and "This key is taken." in again.text


def test_a_bad_key_is_reported_beside_it(client, api, admin):
    api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    del api.headers["Authorization"]
    sign_in(client)
    response = client.post("/apps/crm/forms", data={"label_en": "X", "key": "Bad Key",
                                                    "csrf_token": _csrf(client, "/apps/crm")})
    assert response.status_code == 422 and "Does not match the required pattern" in response.text


def test_the_designer_shows_versions_and_the_live_fields(client, api, admin):
    publish(api, form("leads", field("f_name", "text", "name")))
    publish(api, form("leads", field("f_name", "text", "name"), field("f_n", "number", "n")))
    del api.headers["Authorization"]
    sign_in(client)
    state = _state(client.get("/apps/crm/forms/leads/design").text)
    assert [v["version"] for v in state["versions"]] == [2, 1] and state["versions"][0]["by"] == "admin"
    assert state["revision"] == 0 and not state["has_draft"] and [f["id"] for f in state["live"]["fields"]] == [
        "f_name", "f_n"]


def test_the_designer_is_for_administrators(client, api, sessions):
    publish(api, form("leads", field("f_name", "text", "name")))
    del api.headers["Authorization"]
    _sign_in_as(client, sessions, "mei")
    page = client.get("/apps/crm/forms/leads/design")
    assert page.status_code == 403 and "text/html" in page.headers["content-type"]
    assert "Only administrators of this app may do this." in page.text and "designer-state" not in page.text


def test_an_unknown_form_or_app_is_a_404_page(client, api, admin):
    api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    del api.headers["Authorization"]
    sign_in(client)
    assert client.get("/apps/crm/forms/nope/design").status_code == 404
    assert client.get("/apps/nope").status_code == 404


def test_the_preview_renders_the_draft_rows_escaped(client, api, admin):
    api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    del api.headers["Authorization"]
    sign_in(client)
    draft = form("leads", field("f_a", "text", "a", label={"en": XSS}), field("f_b", "number", "b"),
                 field("f_c", "select", "c", options=[{"id": "o1", "label": {"en": "Hot"}}]),
                 sections=[{"id": "s_1", "label": {"en": "More"}}], layout=[["f_a", "f_b"], ["s_1"], ["f_c"]])
    token = _csrf(client, "/")
    response = client.post("/apps/crm/forms/leads/design/preview", json=draft, headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    assert XSS not in response.text and "&lt;script&gt;" in response.text
    assert 'class="record-row cols-2"' in response.text and "More" in response.text and "Hot" in response.text


def test_an_invalid_preview_answers_with_json_paths(client, api, admin):
    api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    del api.headers["Authorization"]
    sign_in(client)
    draft = form("leads", field("f_a", "text", "a"), field("f_b", "text", "Bad"))
    response = client.post("/apps/crm/forms/leads/design/preview", json=draft,
                           headers={"X-CSRF-Token": _csrf(client, "/")})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["$.fields[1].key"]


def test_the_preview_is_for_administrators(client, api, sessions):
    api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    del api.headers["Authorization"]
    _sign_in_as(client, sessions, "mei")
    response = client.post("/apps/crm/forms/leads/design/preview", json=form("leads"),
                           headers={"X-CSRF-Token": _csrf(client, "/")})
    assert response.status_code == 403


def test_the_formula_editor_names_the_fields_of_linked_records_by_key(client, api, admin):
    """A formula summing over a relation is stored with ids; the designer shows it as typed."""
    from tests.engines.form.test_formula_aggregates import CUSTOMERS, DEALS

    assert publish(api, DEALS).status_code == 200
    assert publish(api, CUSTOMERS).status_code == 200
    del api.headers["Authorization"]
    sign_in(client)
    formulas = _state(client.get("/apps/crm/forms/customers/design").text)["formulas"]
    assert (formulas["c3"], formulas["c4"]) == ("SUM(opportunities.amount)", "COUNT(opportunities)")


def test_a_draft_that_does_not_validate_is_kept_with_its_problems(client, api, admin):
    """The designer's saves keep half-finished work; the problems come back, and again on reload."""
    publish(api, form("leads", field("f_a", "text", "a")))
    broken = form("leads", field("f_a", "text", "a"), field("f_b", "text", "Bad Key"))
    assert api.put(f"{APP}/forms/leads", json=broken).status_code == 422  # plain API clients: refused
    saved = api.put(f"{APP}/forms/leads?keep_invalid=true", json=broken)
    assert saved.status_code == 200, saved.text
    assert [e["field"] for e in saved.json()["problems"]] == ["$.fields[1].key"]
    assert api.get(f"{APP}/forms/leads").json()["problems"][0]["field"] == "$.fields[1].key"
    refused = api.post(f"{APP}/forms/leads:publish")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "$.fields[1].key"
    # A key that is not the form's is still refused: the draft would belong to no form.
    assert api.put(f"{APP}/forms/leads?keep_invalid=true", json={**broken, "key": "other"}).status_code == 422
    del api.headers["Authorization"]
    sign_in(client)
    state = _state(client.get("/apps/crm/forms/leads/design").text)
    assert [f["key"] for f in state["body"]["fields"]] == ["a", "Bad Key"]
    assert [e["field"] for e in state["problems"]] == ["$.fields[1].key"]
    assert "/apps/crm/forms/leads/design" in client.get("/apps/crm").text


def test_a_version_installed_from_the_command_line_names_the_system(client, api, admin, sessions):
    from brickwork.kinds import store
    from brickwork.platform.appfile import install_template
    from brickwork.templates import CATALOG

    with transaction(sessions) as session:
        install_template(session, store(), CATALOG.load("crm"), None)
    del api.headers["Authorization"]
    sign_in(client)
    state = _state(client.get("/apps/crm/forms/customers/design").text)
    assert state["versions"][-1]["version"] == 1 and state["versions"][-1]["by"] == "Installed by the system"
