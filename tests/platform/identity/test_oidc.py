"""Single sign-on against a real OpenID Connect provider on loopback (npm's oidc-provider):
the code flow with PKCE, the ID token checked, people linked, created or refused."""

import re
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from brickwork.app import create_app
from brickwork.platform.db import transaction
from brickwork.platform.identity import org
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import Membership, User, UserIdentity
from brickwork.platform.settings import load_settings
from tests.support.oidc import OidcProvider

CALLBACK = "http://testserver/login/oidc/callback"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    idp = OidcProvider(tmp_path_factory.mktemp("oidc") / "provider.log").start(CALLBACK)
    yield idp
    idp.stop()


@pytest.fixture
def sso(provider, tmp_path, database_url, engine):
    """``sso(**settings)``: a Brickwork client whose sign-in page offers the provider."""
    clients = []

    def make(**overrides):
        settings = load_settings(data_dir=tmp_path / "data", database_url=database_url, worker=False,
                                 oidc_issuer=provider.issuer, oidc_client_id="brickwork-test",
                                 oidc_client_secret="brickwork-test-secret-0123456789abcdef",
                                 oidc_name="Test SSO", **overrides)
        client = TestClient(create_app(settings), headers={"Accept-Language": "en"})
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def at_provider(client: TestClient, account: str, next_path: str = "/") -> str:
    """Start at Brickwork, sign in at the provider's own login page as ``account``; returns
    the callback address the provider sends the browser back to."""
    start = client.get("/login/oidc", params={"next": next_path}, follow_redirects=False)
    assert start.status_code == 303
    url = start.headers["location"]
    assert "code_challenge_method=S256" in url and "nonce=" in url
    with httpx.Client(timeout=10) as browser:
        answer = browser.get(url)
        while answer.status_code in (302, 303):
            answer = browser.get(urljoin(url, answer.headers["location"]))
        action = re.search(r'action="([^"]+)"', answer.text).group(1)
        answer = browser.post(urljoin(url, action), data={"prompt": "login", "login": account, "password": "any"})
        while answer.status_code in (302, 303):
            target = urljoin(url, answer.headers["location"])
            if target.startswith(CALLBACK):
                return target
            answer = browser.get(target)
    raise AssertionError(f"the provider did not send the browser back: {answer.status_code} {answer.text[:300]}")


def back(client: TestClient, callback: str):
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def test_a_person_with_the_same_email_is_signed_in_and_linked(sso, sessions):
    with transaction(sessions) as s:
        ann = create_user(s, "ann", "password-1", email="Ann@Example.com").id
    client = sso()
    assert 'data-testid="oidc-sign-in"' in client.get("/login").text
    answer = back(client, at_provider(client, "ann", "/me"))
    assert answer.status_code == 303 and answer.headers["location"] == "/me"
    assert client.get("/api/v1/me").json()["username"] == "ann"
    with transaction(sessions) as s:
        assert s.scalar(select(UserIdentity.user_id).where(UserIdentity.subject == "ann")) == ann
        # Linked for good: a later change of email here does not lose the account.
        s.get(User, ann).email = "ann@elsewhere.example"
    again = sso()
    assert back(again, at_provider(again, "ann")).status_code == 303


def test_an_unknown_person_is_refused_when_creation_is_off(sso, sessions):
    client = sso()
    answer = back(client, at_provider(client, "stranger"))
    assert answer.status_code == 403
    assert "No Brickwork account matches stranger@example.com" in answer.text
    assert "bw_session" not in client.cookies
    with transaction(sessions) as s:
        assert s.scalar(select(User.id).where(User.username == "stranger")) is None


def test_an_unknown_person_is_created_in_the_default_department(sso, sessions):
    with transaction(sessions) as s:
        sales = org.create_department(s, "Sales").id
        org.create_department(s, "East", parent_id=sales)
    client = sso(oidc_create_users=True, oidc_default_department="Sales/East")
    assert back(client, at_provider(client, "newbie")).status_code == 303
    with transaction(sessions) as s:
        user = s.scalar(select(User).where(User.username == "newbie"))
        assert user.email == "newbie@example.com" and user.password_hash is None and not user.is_admin
        main = s.scalar(select(Membership.department_id).where(Membership.user_id == user.id,
                                                               Membership.is_main.is_(True)))
        assert main != sales and main is not None


def test_matching_by_username_is_a_setting(sso, sessions):
    with transaction(sessions) as s:
        create_user(s, "bob", "password-1")  # no email here
    refused = sso()
    assert back(refused, at_provider(refused, "bob")).status_code == 403
    client = sso(oidc_match="email,username")
    assert back(client, at_provider(client, "bob")).status_code == 303


def test_a_callback_from_another_browser_or_a_made_up_state_is_refused(sso, sessions):
    with transaction(sessions) as s:
        create_user(s, "ann", "password-1", email="ann@example.com")
    victim, attacker = sso(), sso()
    callback = at_provider(attacker, "ann")
    answer = back(victim, callback)  # the attacker's code in the victim's browser
    assert answer.status_code == 422 and "bw_session" not in victim.cookies
    assert back(attacker, callback.replace("state=", "state=x")).status_code == 422


def test_a_deactivated_person_is_refused(sso, sessions):
    with transaction(sessions) as s:
        create_user(s, "ann", "password-1", email="ann@example.com").is_active = False
    client = sso()
    assert back(client, at_provider(client, "ann")).status_code == 403


def test_without_settings_there_is_no_button_and_no_route(client):
    assert 'data-testid="oidc-sign-in"' not in client.get("/login").text
    assert client.get("/login/oidc").status_code == 404


def test_a_provider_that_does_not_answer_is_a_clear_error_on_the_login_page(tmp_path, database_url, engine):
    from tests.live_server import free_port

    settings = load_settings(data_dir=tmp_path / "data", database_url=database_url, worker=False,
                             oidc_issuer=f"http://127.0.0.1:{free_port()}", oidc_client_id="x")
    with TestClient(create_app(settings), headers={"Accept-Language": "en"}) as client:
        answer = client.get("/login/oidc", follow_redirects=False)
    assert answer.status_code == 502
    assert "The sign-in provider cannot be reached." in answer.text and 'name="password"' in answer.text
