"""/api/v1/me/2fa, the sign-in page's code step, an administrator's reset and the CLI's."""

import time

import pyotp
from starlette.testclient import TestClient

from brickwork.cli import main
from tests.conftest import ADMIN_PASSWORD
from tests.platform.http.test_csrf import form_token


def signed_in_browser(app) -> tuple[TestClient, dict]:
    browser = TestClient(app, headers={"Accept-Language": "en"})
    browser.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": form_token(browser)})
    return browser, {"X-CSRF-Token": form_token(browser, "/me")}


def turn_on(browser, csrf) -> tuple[pyotp.TOTP, list[str]]:
    enrolment = browser.post("/api/v1/me/2fa", headers=csrf)
    assert enrolment.status_code == 201, enrolment.text
    app = pyotp.TOTP(enrolment.json()["secret"])
    done = browser.post("/api/v1/me/2fa/confirm", json={"code": app.now()}, headers=csrf)
    assert done.status_code == 200
    return app, done.json()["recovery_codes"]


def test_enrolment_then_sign_in_asks_for_the_code(app, admin):
    browser, csrf = signed_in_browser(app)
    with browser:
        app_, codes = turn_on(browser, csrf)
        state = browser.get("/api/v1/me/2fa").json()
        assert state == {"enabled": True, "recovery_codes_left": 10}
        assert "secret" not in state  # never given out again
        assert browser.post("/api/v1/me/2fa", headers=csrf).status_code == 409
    with TestClient(app, headers={"Accept-Language": "en"}) as fresh:
        step = fresh.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                          "csrf_token": form_token(fresh)}, follow_redirects=False)
        assert step.status_code == 200 and 'name="challenge"' in step.text
        assert "bw_session" not in fresh.cookies
        challenge = step.text.split('name="challenge" value="')[1].split('"')[0]
        wrong = fresh.post("/login/code", data={"challenge": challenge, "code": "000000",
                                                "csrf_token": form_token(fresh)}, follow_redirects=False)
        assert wrong.status_code == 401 and "The code is wrong" in wrong.text
        right = fresh.post("/login/code", data={"challenge": challenge, "code": app_.at(time.time() + 30),
                                                "csrf_token": form_token(fresh)}, follow_redirects=False)
        assert right.status_code == 303 and "bw_session" in fresh.cookies


def test_tokens_cannot_change_sign_in_factors_and_are_not_asked_for_codes(app, admin, api):
    browser, csrf = signed_in_browser(app)
    with browser:
        turn_on(browser, csrf)
    assert api.get("/api/v1/me/2fa").json()["enabled"] is True  # the token still works
    refused = api.post("/api/v1/me/2fa/disable", json={"password": ADMIN_PASSWORD})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_wrong_code_to_turn_off_is_a_field_error(app, admin):
    browser, csrf = signed_in_browser(app)
    with browser:
        turn_on(browser, csrf)
        wrong = browser.post("/api/v1/me/2fa/disable", json={"code": "000000"}, headers=csrf)
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "code"
        assert browser.post("/api/v1/me/2fa/disable", json={"password": ADMIN_PASSWORD},
                            headers=csrf).status_code == 204
        assert browser.get("/api/v1/me/2fa").json()["enabled"] is False


def test_an_administrator_resets_a_persons_two_factor(app, admin, api):
    api.post("/api/v1/users", json={"username": "ann", "display_name": "Ann"})
    ann = api.get("/api/v1/users", params={"q": "ann"}).json()["items"][0]
    assert api.delete(f"/api/v1/users/{ann['id']}/2fa").status_code == 204
    assert api.delete("/api/v1/users/999999/2fa").status_code == 404


def test_the_cli_resets_two_factor(app, admin, monkeypatch, settings, capsys):
    browser, csrf = signed_in_browser(app)
    with browser:
        turn_on(browser, csrf)
    monkeypatch.setenv("BRICKWORK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BRICKWORK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert main(["users", "reset-2fa", "admin"]) == 0
    assert "is off" in capsys.readouterr().out
    assert main(["users", "reset-2fa", "nobody"]) == 2
    assert "nobody" in capsys.readouterr().err
    with TestClient(app) as fresh:
        step = fresh.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                          "csrf_token": form_token(fresh)}, follow_redirects=False)
        assert step.status_code == 303


def test_the_two_factor_pages_speak_chinese(app, admin):
    browser, csrf = signed_in_browser(app)
    with browser:
        assert "设置身份验证器应用" in browser.get("/me", headers={"Accept-Language": "zh-CN"}).text
        turn_on(browser, csrf)
    with TestClient(app, headers={"Accept-Language": "zh-CN"}) as fresh:
        step = fresh.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                          "csrf_token": form_token(fresh)})
        assert "输入验证码" in step.text


def test_an_administrator_who_must_use_it_sets_it_up_while_signing_in(settings, engine, admin):
    from brickwork.app import create_app

    strict = create_app(settings.model_copy(update={"totp_required_for_admins": True}))
    with TestClient(strict, headers={"Accept-Language": "en"}) as browser:
        step = browser.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                            "csrf_token": form_token(browser)})
        assert "Set up an authenticator app" in step.text and "bw_session" not in browser.cookies
        secret = step.text.split('data-testid="totp-secret">')[1].split("<")[0]
        challenge = step.text.split('name="challenge" value="')[1].split('"')[0]
        wrong = browser.post("/login/enrol", data={"challenge": challenge, "code": "000000",
                                                   "csrf_token": form_token(browser)})
        assert wrong.status_code == 401 and secret in wrong.text  # the same key, shown again
        done = browser.post("/login/enrol", data={"challenge": challenge, "code": pyotp.TOTP(secret).now(),
                                                  "csrf_token": form_token(browser)})
        assert done.status_code == 200 and done.text.count("<li><code>") == 10
        assert browser.get("/api/v1/me/2fa").json()["enabled"] is True


def test_the_persons_page_offers_the_reset_only_while_it_is_on(app, admin):
    browser, csrf = signed_in_browser(app)
    with browser:
        assert 'data-testid="reset-2fa"' not in browser.get(f"/admin/people/{admin.id}").text
        turn_on(browser, csrf)
        assert 'data-testid="reset-2fa"' in browser.get(f"/admin/people/{admin.id}").text
