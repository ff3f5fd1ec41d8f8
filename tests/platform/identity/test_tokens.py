import pytest
from sqlalchemy import select

from brickwork.platform.db import transaction
from brickwork.platform.errors import Invalid, NotFound
from brickwork.platform.identity.tokens import (
    create_token,
    list_tokens,
    record_use,
    revoke_token,
    token_principal,
)
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import ApiToken


@pytest.fixture
def user(sessions):
    with transaction(sessions) as s:
        return create_user(s, "sun", "password-1")


def test_a_token_is_stored_only_as_a_digest_and_identifies_its_user(sessions, user):
    with transaction(sessions) as s:
        row, token = create_token(s, "sun", "erp sync")
    with transaction(sessions) as s:
        stored = s.scalar(select(ApiToken))
        assert token not in (stored.token_hash, stored.prefix) and token.startswith(stored.prefix)
        principal = token_principal(s, token)
        assert (principal.username, principal.via, principal.scopes) == ("sun", "token", ("read", "write"))
        assert principal.token_id == row.id  # first use: still to be recorded
        record_use(s, row.id)
    with transaction(sessions) as s:
        assert s.get(ApiToken, row.id).last_used_at is not None
        assert token_principal(s, token).token_id is None  # recorded a moment ago


def test_a_revoked_token_no_longer_works(sessions, user):
    with transaction(sessions) as s:
        row, token = create_token(s, "sun")
        revoke_token(s, row.id)
    with transaction(sessions) as s:
        assert token_principal(s, token) is None
        assert list_tokens(s, "sun")[0].revoked_at is not None
        with pytest.raises(NotFound):
            revoke_token(s, row.id)


def test_forged_and_unknown_tokens_are_rejected(sessions, user):
    with transaction(sessions) as s:
        _row, token = create_token(s, "sun")
        assert token_principal(s, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
        assert token_principal(s, "not-a-token") is None


def test_unknown_scopes_are_refused(sessions, user):
    with pytest.raises(Invalid), transaction(sessions) as s:
        create_token(s, "sun", scopes=("admin",))
