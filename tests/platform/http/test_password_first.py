"""A session signed in with a one-time password may change the password, read /me and sign
out; every other API call is a 403 problem with the code ``password_change_required``, and
every other page sends the person to /me. Once replaced, everything works again."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.platform.test_org_api import csrf, invite, sign_in_with


def test_a_one_time_password_opens_only_the_password_change(api, app):
    person = invite(api, "newbie")
    with TestClient(app) as browser:
        assert sign_in_with(browser, "newbie", person["one_time_password"]).status_code == 303
        headers = csrf(browser, app)
        for method, url in (("GET", "/api/v1/apps"), ("GET", "/api/v1/users:pick"), ("GET", "/api/v1/me/tokens"),
                            ("POST", "/api/v1/me/tokens"), ("PATCH", "/api/v1/me")):
            answer = browser.request(method, url, headers=headers, json={"name": "x"} if method != "GET" else None)
            assert answer.status_code == 403, (method, url, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["code"] == "password_change_required"
        assert browser.get("/api/v1/me").status_code == 200
        assert browser.get("/", follow_redirects=False).headers["location"] == "/me"
        assert browser.get("/me").status_code == 200

        changed = browser.post("/api/v1/me/password", headers=headers, json={
            "current_password": person["one_time_password"], "new_password": "my-own-password"})
        assert changed.status_code == 204, changed.text
        assert browser.get("/api/v1/apps").status_code == 200
        assert browser.get("/", follow_redirects=False).status_code == 200


def test_signing_out_works_before_the_new_password(api, app):
    person = invite(api, "newbie")
    with TestClient(app) as browser:
        sign_in_with(browser, "newbie", person["one_time_password"])
        out = browser.post("/logout", headers=csrf(browser, app), follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert browser.get("/api/v1/me").status_code == 401
