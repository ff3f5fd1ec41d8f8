from datetime import timedelta

import pytest
from sqlalchemy import update

from brickwork.platform.db import transaction, utcnow
from brickwork.platform.errors import TooManyRequests
from brickwork.platform.identity.login import login, logout, session_principal
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import UserSession


@pytest.fixture
def user(sessions):
    with transaction(sessions) as s:
        return create_user(s, "chen", "password-1")


def attempt(sessions, settings, password, ip="10.0.0.1"):
    with transaction(sessions) as s:
        return login(s, settings, "chen", password, ip=ip)


def test_a_session_identifies_the_user_until_logout(sessions, settings, user):
    _user, token = attempt(sessions, settings, "password-1")
    with transaction(sessions) as s:
        assert session_principal(s, token).username == "chen"
        logout(s, token)
    with transaction(sessions) as s:
        assert session_principal(s, token) is None


def test_an_expired_session_is_not_accepted(sessions, settings, user):
    _user, token = attempt(sessions, settings, "password-1")
    with transaction(sessions) as s:
        s.execute(update(UserSession).values(expires_at=utcnow() - timedelta(minutes=1)))
    with transaction(sessions) as s:
        assert session_principal(s, token) is None


def test_too_many_failures_lock_out_even_the_right_password(sessions, settings, user):
    for _ in range(settings.login_max_failures):
        assert attempt(sessions, settings, "guess") is None
    with pytest.raises(TooManyRequests):
        attempt(sessions, settings, "password-1")
    # Another address is not punished for this one's guesses.
    assert attempt(sessions, settings, "password-1", ip="10.0.0.2") is not None


def test_a_success_clears_earlier_failures(sessions, settings, user):
    for _ in range(settings.login_max_failures - 1):
        attempt(sessions, settings, "guess")
    assert attempt(sessions, settings, "password-1") is not None
    for _ in range(settings.login_max_failures - 1):
        attempt(sessions, settings, "guess")
    assert attempt(sessions, settings, "password-1") is not None


def test_parallel_wrong_guesses_reach_the_password_check_at_most_the_limit(client, settings, admin):
    """30 browsers guess at once; only the allowed number of guesses is checked, the rest
    get 429 (on PostgreSQL they all used to count the same 0 failures)."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.platform.http.test_csrf import form_token

    token = form_token(client)

    def guess(n: int) -> int:
        return client.post("/login", data={"username": "admin", "password": f"guess-{n}",
                                           "csrf_token": token}, follow_redirects=False).status_code

    with ThreadPoolExecutor(max_workers=30) as pool:
        codes = list(pool.map(guess, range(30)))
    assert codes.count(401) == settings.login_max_failures
    assert codes.count(429) == 30 - settings.login_max_failures
