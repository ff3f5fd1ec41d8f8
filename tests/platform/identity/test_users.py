import pytest
from sqlalchemy import select

from brickwork.platform.db import transaction
from brickwork.platform.errors import Conflict, Invalid, NotFound
from brickwork.platform.identity.users import create_user, set_password, verify_password
from brickwork.platform.models import User


def test_passwords_are_stored_as_argon2id_hashes(sessions):
    with transaction(sessions) as s:
        create_user(s, "  Zhang.Wei ", "correct horse")
    with transaction(sessions) as s:
        user = s.scalar(select(User))
        assert user.username == "zhang.wei"
        assert user.password_hash.startswith("$argon2id$")
        assert "correct horse" not in user.password_hash
        assert verify_password(s, "ZHANG.WEI", "correct horse").id == user.id
        assert verify_password(s, "zhang.wei", "wrong horse") is None
        assert verify_password(s, "nobody", "correct horse") is None


def test_a_deactivated_user_cannot_sign_in(sessions):
    with transaction(sessions) as s:
        create_user(s, "li", "password-1").is_active = False
    with transaction(sessions) as s:
        assert verify_password(s, "li", "password-1") is None


@pytest.mark.parametrize(("username", "password", "field"), [
    ("a", "long enough", "username"),
    ("has space", "long enough", "username"),
    ("<script>", "long enough", "username"),
    ("fine", "short", "password"),
])
def test_bad_usernames_and_weak_passwords_are_refused(sessions, username, password, field):
    with pytest.raises(Invalid) as caught, transaction(sessions) as s:
        create_user(s, username, password)
    assert caught.value.errors[0].field == field


def test_usernames_are_unique_whatever_the_case(sessions):
    with transaction(sessions) as s:
        create_user(s, "wang", "password-1")
    with pytest.raises(Conflict), transaction(sessions) as s:
        create_user(s, "WANG", "password-2")


def test_set_password_replaces_the_old_one(sessions):
    with transaction(sessions) as s:
        create_user(s, "zhao", "password-1")
        set_password(s, "zhao", "password-2")
        assert verify_password(s, "zhao", "password-1") is None
        assert verify_password(s, "zhao", "password-2") is not None
        with pytest.raises(NotFound):
            set_password(s, "nobody", "password-3")


def test_a_new_password_or_deactivation_signs_the_user_out_everywhere(sessions, settings):
    from brickwork.platform.identity.login import login, session_principal
    from brickwork.platform.identity.users import set_active

    with transaction(sessions) as s:
        create_user(s, "he", "password-1")
    with transaction(sessions) as s:
        _user, first = login(s, settings, "he", "password-1", ip="1.1.1.1")
    with transaction(sessions) as s:
        set_password(s, "he", "password-2")
    with transaction(sessions) as s:
        assert session_principal(s, first) is None
        _user, second = login(s, settings, "he", "password-2", ip="1.1.1.1")
    with transaction(sessions) as s:
        set_active(s, "he", False)
    with transaction(sessions) as s:
        assert session_principal(s, second) is None
        assert verify_password(s, "he", "password-2") is None
        set_active(s, "he", True)
        assert verify_password(s, "he", "password-2") is not None
