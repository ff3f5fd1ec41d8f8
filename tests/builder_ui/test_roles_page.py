"""The app roles page as served: designers open it with the app's roles, members and menu
entries; other people are refused; the app page and the permission designer link it."""

from __future__ import annotations

import json
import re

from starlette.testclient import TestClient

from tests.platform.http.test_csrf import sign_in
from tests.platform.test_org_api import department, invite, sign_in_with

APP = "/api/v1/apps/crm"


def _state(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="roles-state">(.*?)</script>', html, re.S)[1])


def test_a_designer_sees_roles_members_and_menu_entries(api, app):
    assert api.post("/api/v1/templates/crm:install", json={}).status_code == 201
    sales = department(api, "Sales <b>")
    assert api.post(f"{APP}/roles/sales/members", json={"department": sales["id"]}).status_code == 201
    with TestClient(app, headers={"Accept-Language": "zh-CN"}) as browser:
        sign_in(browser)
        home = browser.get("/apps/crm").text
        assert 'href="/apps/crm/roles"' in home
        assert 'href="/apps/crm/roles"' in browser.get("/apps/crm/forms/customers/permissions").text
        page = browser.get("/apps/crm/roles")
        assert page.status_code == 200 and "新建角色" in page.text
        state = _state(page.text)
        sales_role = next(r for r in state["roles"] if r["key"] == "sales")
        assert sales_role["members"] == [{"department": sales["id"], "name": "Sales <b>"}]
        assert {"type": "form", "form": "customers"} in [{k: e[k] for k in ("type", "form")} for e in state["entries"]]
        assert "<b>" not in page.text.split('id="roles-state">')[0]  # names reach the page only as JSON


def test_people_who_do_not_design_the_app_cannot_open_its_roles(api, app):
    assert api.post("/api/v1/templates/crm:install", json={}).status_code == 201
    invite(api, "plain", password="password-123")
    with TestClient(app) as browser:
        sign_in_with(browser, "plain", "password-123")
        assert browser.get("/apps/crm/roles").status_code == 403
        assert 'href="/apps/crm/roles"' not in browser.get("/apps/crm").text


def test_an_app_administrator_who_is_no_administrator_opens_the_roles_page(api, app):
    assert api.post("/api/v1/templates/crm:install", json={}).status_code == 201
    designer = invite(api, "designer", password="password-123")
    assert api.post(f"{APP}/roles", json={"key": "builders", "label": {"en": "Builders"}, "admin": True}
                    ).status_code == 201
    assert api.post(f"{APP}/roles/builders/members", json={"user": designer["id"]}).status_code == 201
    with TestClient(app) as browser:
        sign_in_with(browser, "designer", "password-123")
        page = browser.get("/apps/crm/roles")
        assert page.status_code == 200
        assert any(r["key"] == "builders" and r["admin"] for r in _state(page.text)["roles"])
