"""Two-factor sign-in: enrolment, the code after the password, recovery codes, resets."""

import time

import pyotp
import pytest
from sqlalchemy import select

from brickwork.platform.db import transaction
from brickwork.platform.errors import Conflict, Invalid, TooManyRequests
from brickwork.platform.identity import totp
from brickwork.platform.identity.login import CodeNeeded, login, login_code, session_principal
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import AuditEntry, UserTotp


@pytest.fixture
def user_id(sessions):
    with transaction(sessions) as s:
        return create_user(s, "chen", "password-1").id


def enrol(sessions, settings, user_id) -> tuple[pyotp.TOTP, list[str]]:
    with transaction(sessions) as s:
        enrolment = totp.begin(s, settings.secret_key, user_id)
    app = pyotp.TOTP(enrolment.secret)
    with transaction(sessions) as s:
        codes = totp.confirm(s, settings.secret_key, user_id, app.now())
    return app, codes


def next_code(app: pyotp.TOTP) -> str:
    """A code not used yet: the confirmation used the current step, the next one is still valid."""
    return app.at(time.time() + app.interval)


def password_step(sessions, settings, password="password-1", ip="10.0.0.1"):
    with transaction(sessions) as s:
        return login(s, settings, "chen", password, ip=ip)


def code_step(sessions, settings, challenge, code, ip="10.0.0.1"):
    with transaction(sessions) as s:
        return login_code(s, settings, challenge, code, ip=ip)


def test_enrolment_shows_a_qr_code_and_keeps_the_secret_sealed(sessions, settings, user_id):
    with transaction(sessions) as s:
        enrolment = totp.begin(s, settings.secret_key, user_id)
    assert enrolment.uri.startswith("otpauth://totp/Brickwork:chen?secret=")
    assert enrolment.qr.startswith("data:image/svg+xml")
    with transaction(sessions) as s:
        stored = s.get(UserTotp, user_id).secret
        assert enrolment.secret not in stored
        # Not in force until a code confirms it: the password alone still signs in.
        assert not totp.is_enabled(s, user_id)
    assert isinstance(password_step(sessions, settings), tuple)


def test_a_wrong_code_does_not_turn_it_on(sessions, settings, user_id):
    with transaction(sessions) as s:
        totp.begin(s, settings.secret_key, user_id)
    with pytest.raises(Invalid) as wrong, transaction(sessions) as s:
        totp.confirm(s, settings.secret_key, user_id, "000000")
    assert wrong.value.errors[0].field == "code"


def test_with_two_factor_on_the_password_alone_opens_no_session(sessions, settings, user_id):
    app, codes = enrol(sessions, settings, user_id)
    assert len(codes) == 10 and len(set(codes)) == 10
    first = password_step(sessions, settings)
    assert isinstance(first, CodeNeeded)
    assert code_step(sessions, settings, first.challenge, "123456") is None
    _user, token = code_step(sessions, settings, first.challenge, next_code(app))
    with transaction(sessions) as s:
        assert session_principal(s, token).username == "chen"
        assert s.scalars(select(AuditEntry.changes).where(AuditEntry.action == "auth.login")).all()[-1]["via"] \
            == "password+totp"


def test_a_code_is_accepted_once(sessions, settings, user_id):
    app, _codes = enrol(sessions, settings, user_id)
    code = next_code(app)
    assert code_step(sessions, settings, password_step(sessions, settings).challenge, code) is not None
    assert code_step(sessions, settings, password_step(sessions, settings).challenge, code) is None


def test_wrong_codes_count_with_wrong_passwords(sessions, settings, user_id):
    app, _codes = enrol(sessions, settings, user_id)
    challenge = password_step(sessions, settings).challenge
    for _ in range(settings.login_max_failures):
        assert code_step(sessions, settings, challenge, "000000") is None
    with pytest.raises(TooManyRequests):
        code_step(sessions, settings, challenge, next_code(app))
    with pytest.raises(TooManyRequests):
        password_step(sessions, settings)


def test_a_recovery_code_signs_in_once(sessions, settings, user_id):
    _app, codes = enrol(sessions, settings, user_id)
    assert code_step(sessions, settings, password_step(sessions, settings).challenge, codes[3].upper()) is not None
    assert code_step(sessions, settings, password_step(sessions, settings).challenge, codes[3]) is None
    with transaction(sessions) as s:
        assert totp.recovery_codes_left(s, user_id) == 9


def test_an_unknown_challenge_sends_back_to_the_password(sessions, settings, user_id):
    enrol(sessions, settings, user_id)
    with pytest.raises(Invalid):
        code_step(sessions, settings, "bwc_made-up", "123456")


def test_turning_off_needs_a_code_or_the_password(sessions, settings, user_id):
    app, _codes = enrol(sessions, settings, user_id)
    with pytest.raises(Invalid), transaction(sessions) as s:
        totp.disable(s, settings.secret_key, user_id, code="000000", password="not-it")
    with transaction(sessions) as s:
        totp.disable(s, settings.secret_key, user_id, code="password-1", password="password-1")
    assert isinstance(password_step(sessions, settings), tuple)
    with pytest.raises(Conflict), transaction(sessions) as s:
        totp.disable(s, settings.secret_key, user_id, password="password-1")


def test_an_administrator_reset_is_audited(sessions, settings, user_id, admin):
    enrol(sessions, settings, user_id)
    with transaction(sessions) as s:
        assert totp.reset(s, admin.id, user_id) is True
    with transaction(sessions) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "user.2fa_reset")).one()
        assert (entry.actor_id, entry.subject_id) == (admin.id, str(user_id))
    assert isinstance(password_step(sessions, settings), tuple)


def test_where_admins_must_use_it_an_admin_enrols_before_any_session(sessions, settings, user_id):
    from brickwork.platform.identity.login import login_enrol

    strict = settings.model_copy(update={"totp_required_for_admins": True})
    with transaction(sessions) as s:
        create_user(s, "boss", "password-1", is_admin=True)
    assert isinstance(password_step(sessions, strict), tuple)  # not an administrator: as before
    with transaction(sessions) as s:
        first = login(s, strict, "boss", "password-1", ip="10.0.0.1")
    assert isinstance(first, CodeNeeded) and first.enrolment is not None
    with transaction(sessions) as s:
        assert login_enrol(s, strict, first.challenge, "000000", ip="10.0.0.1") is None
    app = pyotp.TOTP(first.enrolment.secret)
    with transaction(sessions) as s:
        user, token, codes = login_enrol(s, strict, first.challenge, app.now(), ip="10.0.0.1")
        assert len(codes) == 10 and totp.is_enabled(s, user.id)
        assert session_principal(s, token).username == "boss"
    with transaction(sessions) as s:  # from now on, the ordinary code step
        again = login(s, strict, "boss", "password-1", ip="10.0.0.1")
    assert isinstance(again, CodeNeeded) and again.enrolment is None
