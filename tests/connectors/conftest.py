"""Fixtures for connector tests: the test connector and a second, non-admin user's client."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from brickwork.platform.db import transaction
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from tests.connectors import echo


@pytest.fixture
def echoes():
    echo.SENT.clear()
    echo.DOWN.clear()
    yield echo
    echo.SENT.clear()
    echo.DOWN.clear()


@pytest.fixture
def member(app, sessions):
    """A signed-in user who is not an administrator of anything."""
    with transaction(sessions) as session:
        create_user(session, "member", "member-password-1")
        token = create_token(session, "member", "tests")[1]
    with TestClient(app, headers={"Accept-Language": "en", "Authorization": f"Bearer {token}"}) as client:
        yield client


@pytest.fixture
def run_due(settings, engine, sessions):
    """``run_due()`` runs the jobs due now once with the real queue (no waiting for retries
    or for jobs deferred to later)."""
    from brickwork.platform.jobs.embedded import EmbeddedWorker
    from brickwork.platform.jobs.worker import prepare, run_to_end

    prepare(settings, sessions)

    def run() -> None:
        if engine.dialect.name == "sqlite":
            EmbeddedWorker(sessions).run_pending()
        else:
            from brickwork.platform.jobs.postgres import run_worker

            run_to_end(lambda: run_worker(settings.database_url, sessions, 2, wait=False))
    return run


@pytest.fixture
def receiver(app, monkeypatch):
    """The loopback robots (tests/connectors/receiver.py), with 127.0.0.1 on the allow-list
    of outgoing HTTP (nothing else is let through, and nothing leaves the machine)."""
    from brickwork.connectors import config
    from tests.connectors.receiver import Receiver

    monkeypatch.setattr(config.settings(), "http_allow_hosts", "127.0.0.1")
    server = Receiver()
    server.start()
    yield server
    server.stop()
