"""The people and department pages as served: who may open them, and what they show."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.platform.http.test_csrf import sign_in
from tests.platform.test_org_api import department, invite, sign_in_with


def test_an_administrator_sees_people_departments_and_their_own_page(api, app):
    sales = department(api, "Sales <b>")
    department(api, "East", sales["id"])
    invite(api, "li", display_name="Li <script>", password="password-123", departments=[sales["id"]])
    with TestClient(app, headers={"Accept-Language": "zh-CN"}) as browser:
        sign_in(browser)
        people = browser.get("/admin/people")
        assert people.status_code == 200 and "Li &lt;script&gt;" in people.text and "邀请成员" in people.text
        assert 'href="/admin/people"' in browser.get("/").text  # the top bar links it for admins
        tree = browser.get("/admin/departments").text
        assert "Sales &lt;b&gt;" in tree and 'class="dept-tree"' in tree
        person = browser.get(f"/admin/people/{api.get('/api/v1/users', params={'q': 'li'}).json()['items'][0]['id']}")
        assert person.status_code == 200 and "Li &lt;script&gt;" in person.text
        me = browser.get("/me")
        assert me.status_code == 200 and "修改我的密码" in me.text


def test_people_pages_are_for_administrators_but_everyone_has_their_own(api, app):
    invite(api, "plain", password="password-123")
    with TestClient(app, headers={"Accept-Language": "en"}) as browser:
        sign_in_with(browser, "plain", "password-123")
        assert browser.get("/admin/people").status_code == 403
        assert browser.get("/admin/departments").status_code == 403
        assert 'href="/admin/people"' not in browser.get("/").text
        assert browser.get("/me").status_code == 200


def test_a_one_time_password_leads_to_the_own_page(api, app):
    person = invite(api, "newbie")
    with TestClient(app) as browser:
        answer = sign_in_with(browser, "newbie", person["one_time_password"])
        assert answer.headers["location"] == "/me"
        assert 'data-testid="must-change"' in browser.get("/me").text


def test_choosing_a_language_on_the_own_page_keeps_it(api, app):
    with TestClient(app) as browser:
        sign_in(browser)
        from tests.platform.http.test_csrf import form_token

        answer = browser.post("/me/language", data={"lang": "zh-CN", "csrf_token": form_token(browser, "/me")},
                              follow_redirects=False)
        assert answer.status_code == 303
        assert '<html lang="zh-CN">' in browser.get("/me").text
    assert api.get("/api/v1/users", params={"q": "admin"}).json()["items"][0]["locale"] == "zh-CN"
