"""The permission matrix: every role of the CRM template × every channel in leak_channels ×
a field and records the role may not read. Generated from the template's roles, so a new
role is checked as soon as the template has it, and a new channel as soon as it registers.

A leak is any difference a hidden thing makes: each channel runs before and after the
hidden records and field change, and must answer the same, without the hidden values."""

from __future__ import annotations

import difflib

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import add_member, create_department, grant_role
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from brickwork.templates import load
from tests.engines.form.leak_channels import APP, CHANNELS, Probe
from tests.platform.http.test_csrf import form_token
from tests.templates.install import install_crm

TEMPLATE = load("crm")
ROLES = [role["key"] for role in TEMPLATE["roles"]]
REQUIRED = {"list", "get", "filter", "sort", "q", "pick", "history", "related", "export", "import", "link",
            "lookups", "rollups", "titles", "pages", "menu", "preview", "roles", "report", "report-pages",
            "rule-runs", "audit", "duplicates", "suggestions", "home"}
NUMBERS = ("number", "money", "percent", "rollup", "formula")


def entry(role: str, form_key: str) -> dict | None:
    form = next(f for f in TEMPLATE["definitions"]["form"] if f["key"] == form_key)
    return next((p for p in form.get("permissions", []) if p["role"] == role and "read" in p["actions"]), None)


def republish(api, key: str, change) -> None:
    body = api.get(f"{APP}/forms/{key}").json()["body"]
    change(body)
    assert api.put(f"{APP}/forms/{key}", json=body).status_code == 200
    published = api.post(f"{APP}/forms/{key}:publish")
    assert published.status_code == 200, published.text


def reassign(sessions, form_key: str, record_id: int, user_id: int, department_id: int) -> None:
    with transaction(sessions) as s:
        table = s.execute(text("SELECT id FROM apps WHERE key = 'crm'")).scalar_one()
        s.execute(text(f"UPDATE r{table}_{form_key} SET owner_id = :u, department_id = :d WHERE id = :id"),
                  {"u": user_id, "d": department_id, "id": record_id})


def fields_to_probe(api, key: str) -> dict[str, list[str]]:
    """The number-like and text-like fields of the form, as the administrator sees them."""
    body = api.get(f"{APP}/forms/{key}").json()["body"]
    numbers = [f["key"] for f in body["fields"] if f["type"] in NUMBERS or f["key"] == "customer_revenue"]
    texts = [f["key"] for f in body["fields"] if f["type"] == "text" or f["key"] == "customer_name_live"]
    return {"numbers": numbers, "texts": texts}


@pytest.fixture
def world(api, app, sessions, admin):
    with transaction(sessions) as s:
        install_crm(s, admin.id)
    # The field the matrix hides from every role, and lookups that read it (and the title) live.
    republish(api, "opportunities", lambda body: body["fields"].extend([
        {"id": "opp_customer_revenue", "key": "customer_revenue", "label": {"en": "Customer revenue"},
         "type": "lookup", "relation": "opp_customer", "field": "cus_annual_revenue"},
        {"id": "opp_customer_name_live", "key": "customer_name_live", "label": {"en": "Customer name"},
         "type": "lookup", "relation": "opp_customer", "field": "cus_name"}]))
    return app


def make_probe(api, app, sessions, role: str, via: str = "installation role") -> Probe:
    """``via``: how "me" holds the role: an installation role granted to them, or the app's
    role given to the department above theirs (roles per app, identity/app_roles.py)."""
    republish(api, "customers", lambda body: [p.setdefault("fields", {}).update({"cus_annual_revenue": "none"})
                                              for p in body["permissions"] if p["role"] == role])
    with transaction(sessions) as s:
        head = create_department(s, "Head office")
        team, far = create_department(s, "Team", head.id), create_department(s, "Far away")
        ids, tokens = {}, {}
        for name, dept in (("me", team), ("outsider", far)):
            user = create_user(s, name, "password-1")
            add_member(s, user.id, dept.id)
            if via == "installation role" or name == "outsider":
                grant_role(s, user.id, role)
            ids[name] = (user.id, dept.id)
            tokens[name] = create_token(s, name)[1]

    if via == "app role of a department":
        given = api.post(f"{APP}/roles/{role}/members", json={"department": head.id})
        assert given.status_code == 201, given.text

    def made(key: str, values: dict, owner: str) -> int:
        answer = api.post(f"{APP}/forms/{key}/records", json=values)
        assert answer.status_code == 201, answer.text
        reassign(sessions, key, answer.json()["id"], *ids[owner])
        return answer.json()["id"]

    mine_customer = made("customers", {"name": "Mine Co", "annual_revenue": "5555555.55"}, "me")
    secret_customer = made("customers", {"name": "SECRETCO-ALPHA", "annual_revenue": "9876543.21"}, "outsider")
    my_deal = made("opportunities", {"name": "My deal", "customer": secret_customer, "stage": "stg_won",
                                     "amount": "100"}, "me")
    secret_deal = made("opportunities", {"name": "SECRET-DEAL-ALPHA", "customer": mine_customer,
                                         "stage": "stg_won", "amount": "7777.77"}, "outsider")
    my_ticket = made("tickets", {"title": "My ticket", "customer": secret_customer}, "me")
    readable = {f["key"] for f in TEMPLATE["definitions"]["form"] if entry(role, f["key"])}
    mine = {k: v for k, v in {"customers": mine_customer, "opportunities": my_deal, "tickets": my_ticket}.items()
            if k in readable}
    client = TestClient(app, headers={"Authorization": f"Bearer {tokens['me']}", "Accept-Language": "en"})
    pages = TestClient(app, headers={"Accept-Language": "en"})
    signed = pages.post("/login", data={"username": "me", "password": "password-1", "csrf_token": form_token(pages)},
                        follow_redirects=False)
    assert signed.status_code == 303
    probe = Probe(client, pages, readable, mine, {"customers": secret_customer, "opportunities": secret_deal},
                  ("customers", "annual_revenue"),
                  {"secret_title": "SECRETCO-ALPHA", "fields": {k: fields_to_probe(api, k) for k in readable},
                   "customer_readable": (entry(role, "customers") or {}).get("scope") == "all"})
    return probe


def change_the_hidden(api, probe: Probe, role: str) -> None:
    """Everything the role may not read changes; nothing it may read does."""
    def patch(key: str, rid: int, values: dict) -> None:
        current = api.get(f"{APP}/forms/{key}/records/{rid}").json()
        answer = api.patch(f"{APP}/forms/{key}/records/{rid}", json={"version": current["version"], **values})
        assert answer.status_code == 200, answer.text

    title_hidden = (entry(role, "customers") or {}).get("scope") != "all"
    if title_hidden:  # a customer the role reads keeps its (hidden) revenue: its version would show
        patch("customers", probe.secret["customers"], {"annual_revenue": "1234567.89", "name": "SECRETCO-BETA"})
    if deal_hidden(role):
        patch("opportunities", probe.secret["opportunities"], {"amount": "3333.33", "name": "SECRET-DEAL-BETA"})


def deal_hidden(role: str) -> bool:
    """A role that reads every opportunity (the sales director) has no hidden deal: the
    outsider's deal is its to read, and only the hidden field and customer are probed."""
    return (entry(role, "opportunities") or {}).get("scope") != "all"


def markers(role: str) -> list[str]:
    found = ["9876543", "1234567", "5555555"] + (["7777", "3333", "SECRET-DEAL"] if deal_hidden(role) else [])
    if (entry(role, "customers") or {}).get("scope") != "all":
        found.append("SECRETCO")
    return found


def test_every_channel_is_registered():
    assert REQUIRED <= set(CHANNELS)


@pytest.mark.parametrize(("role", "via"), [(role, "installation role") for role in ROLES] + [
    ("sales", "app role of a department")])
def test_no_channel_leaks_what_the_role_may_not_read(api, world, sessions, role, via):
    probe = make_probe(api, world, sessions, role, via)
    try:
        before = {name: run(probe) for name, run in CHANNELS.items()}
        change_the_hidden(api, probe, role)
        after = {name: run(probe) for name, run in CHANNELS.items()}
    finally:
        probe.client.close()
        probe.pages.close()
    leaks = []
    for name in CHANNELS:
        plain = (before[name] + after[name]).replace(",", "")
        shown = [m for m in markers(role) if m in plain]
        if shown or "LEAK" in before[name] or before[name] != after[name]:
            diff = "\n".join(list(difflib.unified_diff(before[name].splitlines(), after[name].splitlines(),
                                                       lineterm="", n=0))[:12])
            leaks.append(f"{role} × {name}: shows {shown}\n{diff}\n{before[name][:600]}")
    assert not leaks, "\n\n".join(leaks)
