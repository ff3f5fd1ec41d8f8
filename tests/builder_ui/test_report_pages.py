"""The pages of reports and dashboards: a dashboard for a role is in that role's menu and no
one else's, and its page is not found for the others; only designers open the designer."""

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import create_role, grant_role
from brickwork.platform.identity.users import create_user
from tests.engines.form.helpers import APP
from tests.engines.report.helpers import setup
from tests.platform.http.test_csrf import form_token, sign_in

READ_ALL = {"role": "sales", "actions": ["read"], "scope": "all"}


def publish_board(api, key: str, roles: list[str]) -> None:
    report = {"key": "total", "label": {"en": "Total"}, "chart": {"type": "kpi"},
              "query": {"source": {"form": "orders"}, "measures": [{"id": "n", "agg": "count"}]}}
    assert api.put(f"{APP}/definitions/report/total", json=report).status_code == 200
    assert api.post(f"{APP}/definitions/report/total:publish").status_code == 200
    board = {"key": key, "label": {"en": key.title()}, "roles": roles, "cells": [{"report": "total"}]}
    assert api.put(f"{APP}/definitions/dashboard/{key}", json=board).status_code == 200
    assert api.post(f"{APP}/definitions/dashboard/{key}:publish").status_code == 200


def sign_in_as(client, sessions, name: str, role: str | None) -> None:
    with transaction(sessions) as s:
        user = create_user(s, name, f"{name}-password-123")
        if role:
            create_role(s, role, {"en": role.title()})
            grant_role(s, user.id, role)
    client.cookies.clear()
    client.post("/login", data={"username": name, "password": f"{name}-password-123", "csrf_token": form_token(client)})


def test_a_dashboard_for_a_role_is_in_its_menu_only(client, api, sessions):
    setup(api, [{"stage": "won", "amount": "1.00"}], READ_ALL)
    publish_board(api, "bosses", ["boss"])
    publish_board(api, "everyone", [])
    api.headers.pop("Authorization")
    sign_in_as(client, sessions, "clerk", "sales")
    home = client.get("/apps/crm").text
    assert "/apps/crm/dashboards/everyone" in home and "/apps/crm/dashboards/bosses" not in home
    assert client.get("/apps/crm/dashboards/everyone").status_code == 200
    assert client.get("/apps/crm/dashboards/bosses").status_code == 404
    listed = client.get("/apps/crm/reports").text
    assert "Everyone" in listed and "Bosses" not in listed
    assert client.get("/apps/crm/reports/total/design").status_code == 403

    sign_in_as(client, sessions, "chief", "boss")
    assert "/apps/crm/dashboards/bosses" in client.get("/apps/crm").text
    assert client.get("/apps/crm/dashboards/bosses").status_code == 200


def test_a_new_report_needs_a_key_the_designer_can_use(client, api, admin):
    setup(api, [])
    api.headers.pop("Authorization")
    sign_in(client)
    moved = client.get("/apps/crm/reports/new", params={"kind": "report", "key": "won"}, follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == "/apps/crm/reports/won/design"
    assert client.get("/apps/crm/reports/won/design").status_code == 200
    assert client.get("/apps/crm/reports/new", params={"kind": "report", "key": "Bad Key"}).status_code == 422
