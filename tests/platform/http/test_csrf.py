import re

from tests.conftest import ADMIN_PASSWORD

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def form_token(client, path="/login") -> str:
    return TOKEN.search(client.get(path).text).group(1)


def sign_in(client) -> None:
    token = form_token(client)
    response = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                           "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303


def test_a_form_post_without_the_csrf_token_is_403_and_signs_nobody_in(client, admin):
    client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "bw_session" not in client.cookies


def test_a_browser_gets_a_readable_403_page(client, admin):
    client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD},
                           headers={"Accept": "text/html", "Accept-Language": "zh-CN"})
    assert response.status_code == 403 and "请刷新页面后重试" in response.text


def test_a_token_from_another_browser_is_refused(client, admin, app):
    from starlette.testclient import TestClient

    with TestClient(app) as other:
        foreign = form_token(other)
    client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                           "csrf_token": foreign})
    assert response.status_code == 403


def test_cookie_authenticated_api_writes_need_the_header(client, admin):
    sign_in(client)
    token = form_token(client, "/")
    body = {"key": "crm", "label": {"en": "CRM"}}
    assert client.post("/api/v1/apps", json=body).status_code == 403
    assert client.post("/api/v1/apps", json=body, headers={"X-CSRF-Token": token}).status_code == 201


def test_the_token_changes_with_the_session(client, admin):
    before = form_token(client)
    sign_in(client)
    assert form_token(client, "/") != before


def test_bearer_requests_need_no_csrf_token(api):
    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201


def test_a_large_form_body_is_not_read_into_memory_for_its_token(client, admin):
    """Big uploads from pages carry the token in the X-CSRF-Token header; without it they
    are refused instead of being buffered whole."""
    sign_in(client)
    token = form_token(client, "/")
    big = b"x" * (2 * 1024 * 1024)
    refused = client.post("/api/v1/files", files={"file": ("big.bin", big)}, data={"csrf_token": token})
    assert refused.status_code == 403
    accepted = client.post("/api/v1/files", files={"file": ("big.bin", big)}, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 201 and accepted.json()["size"] == len(big)


def test_an_api_write_with_no_credential_at_all_is_401_not_a_csrf_failure(client, admin):
    client.get("/login")  # a CSRF cookie, but no session and no token
    response = client.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"
    # A session cookie is an ambient credential: without the token that stays a 403.
    sign_in(client)
    response = client.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
