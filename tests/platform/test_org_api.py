"""People and the org chart over HTTP: /api/v1/users, /api/v1/departments and /api/v1/me."""

from __future__ import annotations

from sqlalchemy import select

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import subtree_ids
from brickwork.platform.models import AuditEntry


def invite(api, username, **extra):
    response = api.post("/api/v1/users", json={"username": username, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def department(api, name, parent_id=None, **extra):
    response = api.post("/api/v1/departments", json={"name": name, "parent_id": parent_id, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def sign_in_with(client, username, password):
    """A bearer-less client signs in through the API by making a session at /login."""
    from tests.platform.http.test_csrf import form_token

    token = form_token(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=False)


def csrf(browser, app) -> dict[str, str]:
    """The header a page's script sends with a signed-in browser's API calls."""
    from brickwork.platform.http.csrf import CSRF_COOKIE, SESSION_COOKIE, expected_token

    return {"X-CSRF-Token": expected_token(app.state.settings.secret_key, browser.cookies.get(CSRF_COOKIE),
                                           browser.cookies.get(SESSION_COOKIE))}


def test_an_invited_person_gets_a_one_time_password_they_must_replace(api, app):
    from starlette.testclient import TestClient

    person = invite(api, "li.lei", display_name="Li Lei", email="li@example.com", title="Sales", phone="123")
    assert person["one_time_password"] and person["must_change_password"] is True
    assert (person["display_name"], person["title"], person["phone"]) == ("Li Lei", "Sales", "123")
    # The person uses it, and then chooses their own on /me.
    with TestClient(app) as browser:
        assert sign_in_with(browser, "li.lei", person["one_time_password"]).status_code == 303
        changed = browser.post("/api/v1/me/password", headers=csrf(browser, app), json={
            "current_password": person["one_time_password"], "new_password": "my-own-password"})
        assert changed.status_code == 204, changed.text
        assert browser.get("/api/v1/me").status_code == 200  # this browser stays signed in
    assert api.get(f"/api/v1/users/{person['id']}").json()["must_change_password"] is False


def test_a_person_is_edited_with_their_version_and_a_stale_edit_is_409(api, sessions):
    person = invite(api, "wang", password="wang-password-1")
    assert person["one_time_password"] is None and person["must_change_password"] is False
    edited = api.patch(f"/api/v1/users/{person['id']}", json={"title": "Head of Sales", "version": 1})
    assert edited.status_code == 200 and edited.json()["title"] == "Head of Sales"
    assert edited.json()["version"] == 2 and edited.headers["ETag"] == '"2"'
    stale = api.patch(f"/api/v1/users/{person['id']}", json={"title": "Clerk", "version": 1})
    assert stale.status_code == 409 and stale.headers["content-type"] == "application/problem+json"
    missing = api.patch(f"/api/v1/users/{person['id']}", json={"title": "Clerk"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "version"
    bad = api.patch(f"/api/v1/users/{person['id']}", json={"email": "nope", "locale": "fr", "version": 2})
    assert {e["field"] for e in bad.json()["errors"]} == {"email", "locale"}
    assert api.get(f"/api/v1/users/{person['id']}").json()["title"] == "Head of Sales"
    with transaction(sessions) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.update")).one()
        assert entry.changes["title"] == {"before": "", "after": "Head of Sales"} and entry.actor_id is not None


def test_a_manager_chain_never_comes_back_to_the_person(api):
    a, b, c = (invite(api, n, password="password-123") for n in ("aa", "bb", "cc"))
    assert api.patch(f"/api/v1/users/{b['id']}", json={"manager": "aa", "version": 1}).status_code == 200
    assert api.patch(f"/api/v1/users/{c['id']}", json={"manager": b["id"], "version": 1}).status_code == 200
    cycle = api.patch(f"/api/v1/users/{a['id']}", json={"manager": "cc", "version": 1})
    assert cycle.status_code == 422 and cycle.json()["errors"][0]["field"] == "manager"
    assert api.get(f"/api/v1/users/{a['id']}").json()["manager_id"] is None


def test_people_belong_to_several_departments_with_one_primary(api):
    sales, support = department(api, "Sales"), department(api, "Support")
    person = invite(api, "zhao", password="password-123", departments=[sales["id"], support["id"]],
                    primary_department=support["id"])
    assert person["departments"] == [support["id"], sales["id"]] and person["primary_department"] == support["id"]
    listed = api.get("/api/v1/users", params={"department": sales["id"]}).json()
    assert [p["username"] for p in listed["items"]] == ["zhao"]
    wrong = api.patch(f"/api/v1/users/{person['id']}", json={"departments": [sales["id"]],
                                                             "primary_department": support["id"], "version": 1})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "primary_department"


def test_a_deactivated_person_cannot_sign_in_and_their_token_stops_working(api, client, app):
    from starlette.testclient import TestClient

    person = invite(api, "qian", password="qian-password-1")
    with TestClient(app) as browser:
        assert sign_in_with(browser, "qian", "qian-password-1").status_code == 303
        token = browser.post("/api/v1/me/tokens", json={"name": "script"},
                             headers=csrf(browser, app)).json()["token"]
        assert len(api.get(f"/api/v1/users/{person['id']}/sessions").json()) == 1
        assert api.post(f"/api/v1/users/{person['id']}:deactivate").json()["is_active"] is False
        assert browser.get("/api/v1/me").status_code == 401
        assert api.get(f"/api/v1/users/{person['id']}/sessions").json() == []
        assert browser.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert sign_in_with(browser, "qian", "qian-password-1").status_code == 401
        api.post(f"/api/v1/users/{person['id']}:activate")
        assert browser.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_an_administrator_cannot_deactivate_themselves_or_the_last_administrator(api):
    me = api.get("/api/v1/me").json()
    assert api.post(f"/api/v1/users/{me['id']}:deactivate").status_code == 403


def test_a_password_reset_signs_the_person_out_and_must_be_replaced(api, app):
    from starlette.testclient import TestClient

    person = invite(api, "sun", password="sun-password-1")
    with TestClient(app) as browser:
        assert sign_in_with(browser, "sun", "sun-password-1").status_code == 303
        reset = api.post(f"/api/v1/users/{person['id']}:reset-password").json()["one_time_password"]
        assert browser.get("/api/v1/me").status_code == 401
        assert sign_in_with(browser, "sun", reset).status_code == 303
    assert api.get(f"/api/v1/users/{person['id']}").json()["must_change_password"] is True


def test_own_password_needs_the_current_one(api):
    wrong = api.post("/api/v1/me/password", json={"current_password": "nope", "new_password": "new-password-1"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "current_password"
    short = api.post("/api/v1/me/password", json={"current_password": "admin-password-1", "new_password": "x"})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "new_password"


def test_own_tokens_are_shown_once_and_revocable(api):
    made = api.post("/api/v1/me/tokens", json={"name": "backup", "read_only": True})
    assert made.status_code == 201 and made.json()["token"].startswith("bwt_")
    assert made.json()["scopes"] == ["read"]
    listed = api.get("/api/v1/me/tokens").json()
    assert "token" not in listed[-1] and listed[-1]["name"] == "backup"
    assert api.delete(f"/api/v1/me/tokens/{made.json()['id']}").status_code == 204
    reader = {"Authorization": f"Bearer {made.json()['token']}"}
    assert api.get("/api/v1/me", headers=reader).status_code == 401


def test_own_language(api):
    assert api.patch("/api/v1/me", json={"locale": "zh-CN"}).json()["locale"] == "zh-CN"
    assert api.patch("/api/v1/me", json={"locale": "xx"}).status_code == 422


def test_a_department_tree_is_built_moved_and_refuses_a_move_under_itself(api, sessions):
    boss = invite(api, "boss", password="password-123")
    sales = department(api, "Sales", heads=["boss"])
    east = department(api, "East", sales["id"])
    north = department(api, "North", sales["id"])
    deep = department(api, "Shanghai", east["id"])
    assert sales["heads"] == [boss["id"]] and east["path"] == "Sales/East" and deep["depth"] == 2
    under_itself = api.patch(f"/api/v1/departments/{sales['id']}", json={"parent_id": deep["id"], "version": 1})
    assert under_itself.status_code == 422 and under_itself.json()["errors"][0]["field"] == "parent_id"
    moved = api.patch(f"/api/v1/departments/{east['id']}", json={"parent_id": north["id"], "version": 1})
    assert moved.status_code == 200 and moved.json()["path"] == "Sales/North/East"
    tree = {d["name"]: d for d in api.get("/api/v1/departments").json()}
    assert tree["Shanghai"]["path"] == "Sales/North/East/Shanghai"
    # "My department and below" follows the move: North's subtree now holds East and Shanghai.
    with transaction(sessions) as session:
        assert sorted(subtree_ids(session, north["id"])) == sorted([north["id"], east["id"], deep["id"]])
    taken = api.post("/api/v1/departments", json={"name": "north", "parent_id": sales["id"]})
    assert taken.status_code == 409
    renamed = api.patch(f"/api/v1/departments/{north['id']}", json={"name": "North China", "version": 1})
    assert renamed.json()["name"] == "North China"


def test_only_an_empty_department_is_deleted(api):
    sales = department(api, "Sales")
    east = department(api, "East", sales["id"])
    invite(api, "zhou", password="password-123", departments=[east["id"]])
    assert api.delete(f"/api/v1/departments/{sales['id']}", params={"version": 1}).status_code == 409
    assert api.delete(f"/api/v1/departments/{east['id']}", params={"version": 1}).status_code == 409
    person = api.get("/api/v1/users", params={"q": "zhou"}).json()["items"][0]
    api.patch(f"/api/v1/users/{person['id']}", json={"departments": [], "version": person["version"]})
    assert api.delete(f"/api/v1/departments/{east['id']}", params={"version": 1}).status_code == 204
    assert [d["name"] for d in api.get("/api/v1/departments").json()] == ["Sales"]


def test_people_admin_is_for_administrators(api, client, sessions):
    invite(api, "plain", password="password-123")
    from brickwork.platform.identity.tokens import create_token

    with transaction(sessions) as session:
        token = create_token(session, "plain")[1]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    assert client.post("/api/v1/departments", json={"name": "X"}, headers=headers).status_code == 403
    assert client.get("/api/v1/departments", headers=headers).status_code == 200


def test_a_stale_department_edit_is_409_and_changes_nothing(api, sessions):
    sales = department(api, "Sales")
    assert api.patch(f"/api/v1/departments/{sales['id']}", json={"name": "Sales & Co"},
                     headers={"If-Match": '"1"'}).status_code == 200
    stale = api.patch(f"/api/v1/departments/{sales['id']}", json={"name": "Old"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    assert api.delete(f"/api/v1/departments/{sales['id']}", params={"version": 1}).status_code == 409
    assert api.get(f"/api/v1/departments/{sales['id']}").json()["name"] == "Sales & Co"
    with transaction(sessions) as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "department")
                                       .order_by(AuditEntry.id)))
    assert actions == ["department.create", "department.update"]


def test_a_token_for_one_app_works_there_only(api):
    for key in ("crm", "hr"):
        assert api.post("/api/v1/apps", json={"key": key, "label": {"en": key}}).status_code == 201
    made = api.post("/api/v1/me/tokens", json={"name": "erp", "read_only": True, "app": "crm"})
    assert made.status_code == 201 and made.json()["app"] == "crm"
    reader = {"Authorization": f"Bearer {made.json()['token']}"}
    assert api.get("/api/v1/apps/crm/forms", headers=reader).status_code == 200
    assert api.get("/api/v1/apps/crm/openapi.json", headers=reader).status_code == 200
    assert api.get("/api/v1/me", headers=reader).status_code == 200
    for refused in ("/api/v1/apps/hr/forms", "/api/v1/apps", "/api/v1/users"):
        answer = api.get(refused, headers=reader)
        assert answer.status_code == 403 and "crm" in answer.json()["title"], refused
    assert api.post("/api/v1/apps/crm/forms/x/records", headers=reader, json={}).status_code == 403  # read only
    unknown = api.post("/api/v1/me/tokens", json={"app": "nope"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "app"
    writer = api.post("/api/v1/me/tokens", json={"app": "crm"}).json()
    assert writer["scopes"] == ["read", "write", "app:crm"] and writer["app"] == "crm"
