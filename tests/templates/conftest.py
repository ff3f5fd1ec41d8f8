"""Fixtures of the CRM template's tests: ``crm`` (the installed CRM with its people, each
with their own client) and ``clock`` (moving "now")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from brickwork.platform.db import transaction, utcnow
from brickwork.platform.identity.org import grant_role
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from tests.templates.crm import PEOPLE, Crm


@pytest.fixture
def crm(app, api, sessions):
    installed = api.post("/api/v1/templates/crm:install")
    assert installed.status_code == 201, installed.text
    ids, tokens = {}, {}
    with transaction(sessions) as s:
        for name, role in PEOPLE.items():
            ids[name] = create_user(s, name, "a-long-password-1", display_name=name.title()).id
            grant_role(s, ids[name], role)
            tokens[name] = create_token(s, name, "tests")[1]
    clients = {name: TestClient(app, headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})
               for name, token in tokens.items()}
    yield Crm(api, clients, ids)
    for client in clients.values():
        client.close()


@pytest.fixture
def clock(monkeypatch):
    """``clock(days)`` moves "now" that many days ahead for what reads the time of day:
    formulas (TODAY(), NOW()), conditions and defaults; returns the moved time (naive UTC)."""
    import brickwork.engines.form.conditions as conditions
    import brickwork.engines.form.onread as onread
    import brickwork.engines.form.records as records
    import brickwork.engines.form.values as values
    import brickwork.platform.clock as clock_module

    real_now = clock_module.now

    def move(days: float):
        def moved():
            return real_now() + timedelta(days=days)

        for module in (clock_module, conditions, onread, records, values):
            monkeypatch.setattr(module, "now", moved)
        monkeypatch.setattr(values, "today", lambda: moved().astimezone(clock_module.app_zone()).date())
        return utcnow() + timedelta(days=days)
    return move
