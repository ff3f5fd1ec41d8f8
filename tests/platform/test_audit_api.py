"""GET /api/v1/audit: the filters (who, kind, action, days, app, form, record), keyset pages,
and who may read what: administrators everything, an app's administrators their app only,
everyone else nothing."""

from __future__ import annotations

from datetime import timedelta

from starlette.testclient import TestClient

from brickwork.platform import clock
from brickwork.platform.db import transaction
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user

APP = "/api/v1/apps/crm"


def customer(api, name: str) -> dict:
    made = api.post(f"{APP}/forms/customers/records", json={"name": name})
    assert made.status_code == 201, made.text
    return made.json()


def rename(api, record: dict, name: str) -> None:
    answer = api.patch(f"{APP}/forms/customers/records/{record['id']}",
                       json={"version": record["version"], "name": name})
    assert answer.status_code == 200, answer.text


def test_filters_narrow_the_log_to_one_records_changes(api, admin):
    assert api.post("/api/v1/templates/crm:install", json={}).status_code == 201
    first, second = customer(api, "Acme"), customer(api, "Globex")
    rename(api, first, "Acme Ltd")
    everything = api.get("/api/v1/audit", params={"limit": 200}).json()["items"]  # the CRM's rules and flows too
    assert {"record", "app"} <= {e["kind"] for e in everything}

    one = api.get("/api/v1/audit", params={"app": "crm", "form": "customers", "record": first["id"]}).json()
    assert [e["action"] for e in one["items"]] == ["record.updated", "record.created"]
    update = one["items"][0]
    assert update["changes"]["name"] == ["Acme", "Acme Ltd"]
    assert update["actor"] == admin.id and update["actor_name"] == "admin" and update["app"] == "crm"

    created = api.get("/api/v1/audit", params={"kind": "record", "action": "record.created"}).json()["items"]
    assert {e["subject_id"] for e in created} == {str(first["id"]), str(second["id"])}
    today = clock.today()
    assert api.get("/api/v1/audit", params={"since": today - timedelta(days=1), "kind": "record"}).json()["items"]
    assert not api.get("/api/v1/audit", params={"until": today - timedelta(days=1)}).json()["items"]
    assert not api.get("/api/v1/audit", params={"actor": admin.id + 99}).json()["items"]


def test_pages_follow_the_cursor_without_gaps_or_repeats(api):
    assert api.post("/api/v1/templates/crm:install", json={}).status_code == 201
    for i in range(7):
        customer(api, f"Customer {i}")
    seen, cursor = [], None
    while True:
        page = api.get("/api/v1/audit", params={"kind": "record", "limit": 3, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200
        seen += [e["id"] for e in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 == len(set(seen)) and seen == sorted(seen, reverse=True)


def test_bad_filters_are_named(api):
    for params, field in (({"form": "customers"}, "form"), ({"since": "2026-13-01"}, "since"),
                          ({"since": "2026-05-02", "until": "2026-05-01"}, "until"), ({"cursor": "x"}, "cursor")):
        answer = api.get("/api/v1/audit", params=params)
        assert answer.status_code in (400, 422), params
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert field in answer.text


def test_app_administrators_read_their_app_and_others_nothing(api, app, sessions):
    assert api.post("/api/v1/templates/crm:install", json={}).status_code == 201
    customer(api, "Acme")
    with transaction(sessions) as s:
        designer, plain = create_user(s, "designer", "password-1"), create_user(s, "plain", "password-1")
        ids = designer.id, plain.id
        tokens = create_token(s, "designer")[1], create_token(s, "plain")[1]
    made = api.post(f"{APP}/roles", json={"key": "builders", "label": {"en": "Builders"}, "admin": True})
    assert made.status_code == 201
    assert api.post(f"{APP}/roles/builders/members", json={"user": ids[0]}).status_code == 201

    with TestClient(app, headers={"Authorization": f"Bearer {tokens[0]}"}) as builder:
        assert builder.get("/api/v1/audit").status_code == 403
        mine = builder.get("/api/v1/audit", params={"app": "crm"})
        assert mine.status_code == 200
        assert {e["app"] for e in mine.json()["items"]} == {"crm"}
        assert "record" in {e["kind"] for e in mine.json()["items"]}
    with TestClient(app, headers={"Authorization": f"Bearer {tokens[1]}"}) as other:
        for params in ({}, {"app": "crm"}, {"app": "crm", "form": "customers"}):
            refused = other.get("/api/v1/audit", params=params)
            assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem")


def test_the_edges_of_the_calendar_and_a_nul_are_answered_not_crashed(api):
    for params in ({"since": "0001-01-01", "until": "9999-12-31"}, {"until": "0001-01-01"}, {"since": "9999-12-31"}):
        assert api.get("/api/v1/audit", params=params).status_code == 200, params
    for name in ("app", "kind", "action"):
        refused = api.get("/api/v1/audit", params={name: "a\x00b"})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == name
