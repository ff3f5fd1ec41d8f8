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
