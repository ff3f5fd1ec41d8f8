"""The REST of apps as files and templates: administrators list and install templates,
export an app and import it back under another key."""

import copy

from tests.platform.appfile.test_install import DOCUMENT


def test_export_and_import_over_http(api):
    assert api.post("/api/v1/apps:import", json=copy.deepcopy(DOCUMENT)).status_code == 201
    exported = api.get("/api/v1/apps/tiny:export")
    assert exported.status_code == 200 and "tiny.json" in exported.headers["content-disposition"]
    document = exported.json()
    assert [f["key"] for f in document["definitions"]["form"]] == ["companies", "people"]
    copied = api.post("/api/v1/apps:import", params={"key": "tiny_two"}, json=document)
    assert copied.status_code == 201 and copied.json()["app"] == "tiny_two"
    assert api.get("/api/v1/apps/tiny_two:export").json()["definitions"] == document["definitions"]


def test_a_bad_file_is_a_problem_with_paths(api):
    bad = copy.deepcopy(DOCUMENT)
    bad["brickwork"] = 9
    bad["views"][0]["form"] = "nowhere"
    answer = api.post("/api/v1/apps:import", json=bad, headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == ["$.brickwork"]
    assert api.get("/api/v1/apps/tiny").status_code == 404


def test_templates_are_listed_and_installed_once(api):
    listed = api.get("/api/v1/templates").json()
    crm = next(t for t in listed if t["name"] == "crm")
    assert crm["app"] is None and crm["label"]["zh-CN"]
    first = api.post("/api/v1/templates/crm:install")
    assert first.status_code == 201 and first.json()["app"] == "crm"
    assert api.post("/api/v1/templates/crm:install").json()["action"] == "none"
    assert next(t for t in api.get("/api/v1/templates").json() if t["name"] == "crm")["installed_version"] == \
        crm["version"]
    assert api.get("/api/v1/apps/crm/forms/customers/records").status_code == 200


def test_only_administrators(client, sessions):
    from brickwork.platform.db import transaction
    from brickwork.platform.identity.tokens import create_token
    from brickwork.platform.identity.users import create_user

    with transaction(sessions) as session:
        create_user(session, "clerk", "a long enough password 1", is_admin=False)
        token = create_token(session, "clerk", "tests")[1]
    client.headers["Authorization"] = f"Bearer {token}"
    assert client.post("/api/v1/templates/crm:install").status_code == 403
    assert client.get("/api/v1/templates").status_code == 403


def test_install_with_demo_data(api):
    answer = api.post("/api/v1/templates/crm:install", json={"demo_data": 5, "seed": 3})
    assert answer.status_code == 201 and answer.json()["demo_data"]["customers"] == 5
    assert api.get("/api/v1/apps/crm/forms/customers/records").json()["total"] == 5
    assert api.get("/api/v1/apps/crm/forms/contacts/records").json()["total"] > 0


def test_install_takes_only_whole_numbers_for_demo_data_and_seed(api):
    for body in ({"demo_data": False}, {"demo_data": True}, {"demo_data": "5"}, {"demo_data": 5.5},
                 {"seed": "3"}, {"seed": False}):
        answer = api.post("/api/v1/templates/crm:install", json=body)
        assert answer.status_code == 422, body
        assert answer.json()["errors"][0]["field"] == next(iter(body))
    assert api.get("/api/v1/apps/crm").status_code == 404  # nothing was installed
