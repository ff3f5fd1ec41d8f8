"""The picker's search (``records:pick``): titles that start with the text first, then those
that contain it; live records in the caller's scope only; by an index on lower(title)."""

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import create_role, grant_role
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from tests.engines.form.helpers import APP, field, form, publish, records

PICK = f"{APP}/forms/customers/records:pick"
NAMES = ("Acme Steel", "acme Foods", "Big Acme", "Globex", "Initech", "100% Acme")


def customers(*permissions, **extra):
    return form("customers", field("c0", "email", "mail"), field("c1", "text", "name"),
                permissions=list(permissions), **extra)


@pytest.fixture
def made(api):
    assert publish(api, customers()).status_code == 200
    return {n: api.post(records("customers"), json={"name": n}).json()["id"] for n in NAMES}


def titles(response):
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()]


def test_titles_starting_with_the_text_come_before_those_containing_it(api, made):
    found = titles(api.get(PICK, params={"q": "ACME"}))
    assert found[:2] == ["acme Foods", "Acme Steel"]  # case-insensitive, alphabetical
    assert set(found[2:]) == {"Big Acme", "100% Acme"}
    assert titles(api.get(PICK, params={"q": "acme s"})) == ["Acme Steel"]
    assert titles(api.get(PICK, params={"q": "%"})) == ["100% Acme"]  # a plain character
    assert titles(api.get(PICK, params={"q": "nothing"})) == []
    assert api.get(PICK, params={"q": "glo"}).json() == [{"id": made["Globex"], "title": "Globex"}]


def test_no_text_gives_the_newest_and_limit_cuts(api, made):
    assert titles(api.get(PICK)) == list(reversed(NAMES))
    assert len(api.get(PICK, params={"q": "acme", "limit": 3}).json()) == 3
    assert titles(api.get(PICK, params={"limit": 2})) == ["100% Acme", "Initech"]


def test_records_in_the_bin_are_not_offered(api, made):
    assert api.delete(f"{records('customers')}/{made['Globex']}").status_code == 204
    assert titles(api.get(PICK, params={"q": "glo"})) == []


def test_only_records_in_the_callers_scope(app, api, sessions):
    own = {"role": "sales", "actions": ["create", "read"], "scope": "own"}
    assert publish(api, customers(own)).status_code == 200
    api.post(records("customers"), json={"name": "Acme of the admin"})
    with transaction(sessions) as s:
        create_role(s, "sales", {"en": "Sales"})
        user = create_user(s, "li", "password-1")
        grant_role(s, user.id, "sales")
        token = create_token(s, "li")[1]
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as li:
        li.post(records("customers"), json={"name": "Acme of Li"})
        assert titles(li.get(PICK, params={"q": "acme"})) == ["Acme of Li"]
        assert titles(li.get(PICK)) == ["Acme of Li"]


def test_publishing_indexes_the_title_and_follows_it(api, engine):
    assert publish(api, customers()).status_code == 200

    def title_indexes():  # expression indexes, which SQLAlchemy's inspector skips on SQLite
        query = "SELECT indexname FROM pg_indexes WHERE tablename = 'r1_customers' "\
            "AND schemaname = current_schema()" \
            if engine.dialect.name == "postgresql" else "SELECT name FROM sqlite_master WHERE type = 'index'"
        with engine.connect() as conn:
            return {name for name in conn.scalars(text(query)) if name.startswith("tx_")}

    assert title_indexes() == {"tx_r1_customers_c1"}  # the first text field
    assert publish(api, customers(title_field="c0")).status_code == 200
    assert title_indexes() == {"tx_r1_customers_c0"}
    api.post(records("customers"), json={"name": "Acme", "mail": "sales@acme.com"})
    assert titles(api.get(PICK, params={"q": "SALES@"})) == ["sales@acme.com"]
