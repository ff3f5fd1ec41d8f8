"""The reference org (engine-semantics §1.13) and an expenses form, for flow tests.

Company (head CEO) ⊃ Sales (head H1) ⊃ Sales-East (head H2); Finance (head F); U is in
Sales-East; the app roles ``legal`` = {L1, L2}, ``ceo`` = {CEO}; A, B, C, X and others
for the multi-approver scenarios. Everyone may create and edit their own expenses."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import add_member, create_department, create_role, grant_role, set_heads
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.models import User
from tests.engines.flow.helpers import EXPENSES, Org
from tests.engines.form.helpers import publish

PEOPLE = ("u", "ceo", "h1", "h2", "f", "l1", "l2", "a", "b", "c", "d", "e", "x", "y")


@pytest.fixture
def org(app, api, sessions):
    assert publish(api, EXPENSES).status_code == 200
    with transaction(sessions) as s:
        company = create_department(s, "Company")
        sales = create_department(s, "Sales", company.id)
        east = create_department(s, "Sales-East", sales.id)
        finance = create_department(s, "Finance", company.id)
        create_role(s, "staff", {"en": "Staff"})
        ids, tokens = {}, {}
        home = {"u": east, "h2": east, "h1": sales, "ceo": company, "f": finance}
        for name in PEOPLE:
            user = User(username=f"{name}_user", display_name=name.upper())  # no password: tokens only
            s.add(user)
            s.flush()
            ids[name] = user.id
            add_member(s, user.id, home.get(name, company).id, main=True)
            grant_role(s, user.id, "staff")
            tokens[name] = create_token(s, f"{name}_user", "tests")[1]
        set_heads(s, company.id, [ids["ceo"]])
        set_heads(s, sales.id, [ids["h1"]])
        set_heads(s, east.id, [ids["h2"]])
        set_heads(s, finance.id, [ids["f"]])
    for role, members in (("legal", ("l1", "l2")), ("ceo", ("ceo",)), ("nobody", ())):
        assert api.post("/api/v1/apps/crm/roles", json={"key": role, "label": {"en": role}}).status_code == 201
        for m in members:
            done = api.post(f"/api/v1/apps/crm/roles/{role}/members", json={"user": ids[m]})
            assert done.status_code in (200, 201), done.text
    clients = {name: TestClient(app, headers={"Authorization": f"Bearer {t}", "Accept-Language": "en"})
               for name, t in tokens.items()}
    yield Org(api, ids, clients)
    for client in clients.values():
        client.close()
