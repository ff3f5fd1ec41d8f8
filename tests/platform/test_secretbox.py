"""Sealed secrets: what is sealed opens again under the same key and never shows in the
sealed text; under another key it cannot be opened, and the connection's secrets can then
be entered again."""

from __future__ import annotations

import pytest

from brickwork.platform import secretbox


def test_sealed_text_opens_only_under_its_key(monkeypatch):
    monkeypatch.setattr(secretbox, "_key", None)  # put back as it was after the test
    secretbox.configure("key-one-" + "x" * 40)
    sealed = secretbox.seal("smtp-password-123")
    assert "smtp-password-123" not in sealed and sealed != secretbox.seal("smtp-password-123")  # random IV
    assert secretbox.unseal(sealed) == "smtp-password-123"
    secretbox.configure("key-two-" + "y" * 40)
    with pytest.raises(secretbox.Unreadable):
        secretbox.unseal(sealed)


def test_after_a_key_change_the_secret_is_entered_again(api, app, settings):
    from brickwork.connectors import config
    from tests.connectors import echo  # noqa: F401  (the test connector)

    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    made = api.post("/api/v1/apps/crm/connections", json={"key": "echo", "connector": "tests_echo",
                                                           "settings": {"token": "old-token-1"}})
    assert made.status_code == 201
    secretbox.configure("a-rotated-key-" + "z" * 40)
    try:
        tested = api.post("/api/v1/apps/crm/connections/echo:test")
        assert tested.status_code == 422 and "enter them again" in tested.text
        again = api.patch("/api/v1/apps/crm/connections/echo", json={"version": 1, "settings": {"token": "new-1"}})
        assert again.status_code == 200 and again.json()["secrets"] == {"token": "set"}
        assert api.post("/api/v1/apps/crm/connections/echo:test").status_code == 200
    finally:
        config.configure(settings)
