import re

from tests.conftest import ADMIN_PASSWORD
from tests.platform.http.test_csrf import form_token, sign_in


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/"


def test_login_page_speaks_the_browsers_language(client):
    zh = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-CN">' in zh.text and "登录" in zh.text and "用户名" in zh.text
    en = client.get("/login", headers={"Accept-Language": "en-US"})
    assert '<html lang="en">' in en.text and "Username" in en.text


def test_the_language_switch_wins_over_the_browser(client):
    token = form_token(client)
    response = client.post("/language", data={"lang": "zh-CN", "next": "/login", "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "登录" in client.get("/login", headers={"Accept-Language": "en"}).text


def test_sign_in_shows_the_apps_and_sign_out_ends_the_session(client, admin):
    sign_in(client)
    home = client.get("/")
    assert home.status_code == 200 and "There are no apps yet." in home.text
    token = form_token(client, "/")
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_wrong_password_says_so_and_keeps_the_username(client, admin):
    token = form_token(client)
    response = client.post("/login", data={"username": "admin", "password": "nope", "csrf_token": token})
    assert response.status_code == 401
    assert "Wrong username or password." in response.text and 'value="admin"' in response.text


def test_repeated_failures_are_throttled(client, admin, settings):
    token = form_token(client)
    for _ in range(settings.login_max_failures):
        client.post("/login", data={"username": "admin", "password": "nope", "csrf_token": token})
    response = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 429 and "Too many failed sign-ins" in response.text


def test_next_only_redirects_within_the_site(client, admin):
    token = form_token(client)
    response = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                           "csrf_token": token, "next": "//evil.example/x"},
                           follow_redirects=False)
    assert response.headers["location"] == "/"


def test_session_cookie_is_http_only_and_same_site(client, admin):
    token = form_token(client)
    response = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                           "csrf_token": token}, follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert "bw_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_an_app_label_with_markup_renders_as_text(client, admin):
    sign_in(client)
    token = form_token(client, "/")
    client.post("/apps", data={"key": "x", "label_en": "<script>alert(1)</script>", "csrf_token": token})
    html = client.get("/").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_creating_an_app_with_a_bad_key_shows_the_reason_and_creates_nothing(client, admin):
    sign_in(client)
    token = form_token(client, "/")
    response = client.post("/apps", data={"key": "Bad Key", "label_en": "CRM", "csrf_token": token})
    assert response.status_code == 422
    assert re.search(r'class="field-error">Does not match', response.text)
    assert "There are no apps yet." in response.text


def test_pages_do_not_accept_api_tokens(client, admin_token):
    """A token's scopes are checked by the API; pages are for people with a session."""
    response = client.post("/apps", data={"key": "crm", "label_en": "CRM"}, follow_redirects=False,
                           headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    client.headers["Authorization"] = f"Bearer {admin_token}"
    assert client.get("/api/v1/apps").json() == []


def test_an_unknown_address_is_a_page_for_browsers_and_problem_json_for_programs(client, admin):
    sign_in(client)
    page = client.get("/no/such/page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert 'data-testid="error-page"' in page.text and "This page does not exist." in page.text
    program = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert program.status_code == 404 and program.headers["content-type"] == "application/problem+json"
    api = client.get("/api/v1/nothing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
