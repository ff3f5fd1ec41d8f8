"""The audit log pages as served: readable diffs (field labels, names instead of ids), the
filters, the xlsx export of exactly the filtered entries, and who may open which page."""

from __future__ import annotations

import io

import openpyxl
from starlette.testclient import TestClient

from tests.platform.http.test_csrf import sign_in
from tests.platform.test_audit_api import customer, rename
from tests.platform.test_org_api import department, invite, sign_in_with


def test_an_administrator_reads_a_records_changes_with_labels_and_exports_them(api, app):
    assert api.post("/api/v1/templates/crm:install", json={}).status_code == 201
    acme = customer(api, "Acme")
    rename(api, acme, "Acme <Ltd>")
    customer(api, "Globex")
    with TestClient(app, headers={"Accept-Language": "zh-CN"}) as browser:
        sign_in(browser)
        assert 'href="/admin/audit"' in browser.get("/").text
        query = {"app": "crm", "form": "customers", "record": str(acme["id"])}
        page = browser.get("/admin/audit", params=query)
        assert page.status_code == 200
        assert page.text.count('class="card audit-entry"') == 2  # created, then renamed
        assert "客户名称" in page.text and "Acme &lt;Ltd&gt;" in page.text and "Globex" not in page.text
        export = browser.get("/admin/audit.xlsx", params=query)
        assert export.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][6:] == ("字段", "修改前", "修改后")
    renamed = [r for r in rows[1:] if r[7] == "Acme"]
    assert len(renamed) == 1 and renamed[0][6] == "客户名称" and renamed[0][8] == "Acme <Ltd>"
    assert all("Globex" not in (r[8] or "") for r in rows[1:])


def test_people_changes_name_departments_not_ids(api, app):
    sales = department(api, "Sales")
    person = invite(api, "li", display_name="Li Xiaolong", password="password-123")
    changed = api.patch(f"/api/v1/users/{person['id']}",
                        json={"departments": [sales["id"]], "version": person["version"]})
    assert changed.status_code == 200, changed.text
    with TestClient(app, headers={"Accept-Language": "en"}) as browser:
        sign_in(browser)
        page = browser.get("/admin/audit", params={"kind": "user", "action": "user.update"})
        assert page.status_code == 200 and "Departments" in page.text and "<td class=\"after\">Sales</td>" in page.text
        assert "Li Xiaolong" in page.text  # the person changed, by name


def test_only_designers_open_an_apps_audit_and_only_administrators_the_whole(api, app):
    assert api.post("/api/v1/templates/crm:install", json={}).status_code == 201
    designer = invite(api, "designer", password="password-123")
    invite(api, "plain", password="password-123")
    assert api.post("/api/v1/apps/crm/roles", json={"key": "builders", "label": {"en": "B"}, "admin": True}
                    ).status_code == 201
    assert api.post("/api/v1/apps/crm/roles/builders/members", json={"user": designer["id"]}).status_code == 201
    with TestClient(app) as browser:
        sign_in_with(browser, "designer", "password-123")
        assert browser.get("/apps/crm/audit").status_code == 200
        assert 'href="/apps/crm/audit"' in browser.get("/apps/crm").text
        assert browser.get("/admin/audit").status_code == 403
        assert browser.get("/apps/crm/audit.xlsx").status_code == 200
    with TestClient(app) as browser:
        sign_in_with(browser, "plain", "password-123")
        for url in ("/apps/crm/audit", "/apps/crm/audit.xlsx", "/admin/audit", "/admin/audit.xlsx"):
            assert browser.get(url).status_code == 403, url
