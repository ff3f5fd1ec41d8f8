import copy

from brickwork.platform.db import transaction
from brickwork.platform.identity.tokens import create_token
from tests.platform.definitions.test_store import CUSTOMERS

PROBLEM = "application/problem+json"


def test_healthz(client):
    assert client.get("/healthz").json()["status"] == "ok"


def test_openapi_describes_the_api(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/apps" in spec["paths"]
    assert "/api/v1/apps/{app}/definitions/{kind}/{key}:publish" in spec["paths"]
    assert "/login" not in spec["paths"]


def test_a_bearer_token_lists_apps(api):
    api.post("/api/v1/apps", json={"key": "crm", "label": {"zh-CN": "客户管理", "en": "CRM"}})
    response = api.get("/api/v1/apps")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert [(a["key"], a["name"]) for a in response.json()] == [("crm", "CRM")]


def test_without_a_token_the_api_answers_401_problem_json(client):
    response = client.get("/api/v1/apps")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["status"] == 401 and body["code"] == "not_authenticated" and body["title"]


def test_a_wrong_or_revoked_token_is_401(client, sessions, admin):
    with transaction(sessions) as s:
        row, token = create_token(s, "admin")
    client.headers["Authorization"] = f"Bearer {token}"
    assert client.get("/api/v1/me").status_code == 200
    client.headers["Authorization"] = "Bearer bwt_forged"
    assert client.get("/api/v1/me").status_code == 401


def test_a_read_only_token_cannot_write(client, sessions, admin):
    with transaction(sessions) as s:
        _row, token = create_token(s, "admin", scopes=("read",))
    client.headers["Authorization"] = f"Bearer {token}"
    assert client.get("/api/v1/apps").status_code == 200
    response = client.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    assert client.get("/api/v1/apps").json() == []


def test_only_administrators_create_apps(client, sessions, admin):
    from brickwork.platform.identity.users import create_user

    with transaction(sessions) as s:
        create_user(s, "staff", "password-1")
        _row, token = create_token(s, "staff")
    client.headers["Authorization"] = f"Bearer {token}"
    assert client.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 403


def test_validation_errors_name_each_field_in_the_callers_language(api):
    response = api.post("/api/v1/apps", json={"key": "Not A Key", "label": {}},
                        headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["title"] == "应用信息无效。"
    by_field = {e["field"]: e for e in body["errors"]}
    assert by_field["key"]["code"] == "string_pattern_mismatch"
    assert by_field["label"]["message"] == "请至少用一种语言填写文字。"
    assert api.get("/api/v1/apps").json() == []


def test_malformed_json_is_a_422_problem(api):
    response = api.post("/api/v1/apps", content=b"{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM


def test_unknown_paths_are_404_problems(api):
    response = api.get("/api/v1/apps/nope")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api.get("/api/v1/nothing-here").headers["content-type"] == PROBLEM


def test_definition_lifecycle_over_http(api):
    api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    base = "/api/v1/apps/crm/definitions/form/customers"
    saved = api.put(base, json=CUSTOMERS, headers={"If-Match": '"0"'})
    assert saved.status_code == 200 and saved.headers["etag"] == '"1"'
    assert api.get(base).status_code == 404  # nothing published yet
    assert api.get(base, params={"which": "draft"}).json()["revision"] == 1

    stale = api.put(base, json=CUSTOMERS, headers={"If-Match": '"0"'})
    assert stale.status_code == 409 and stale.headers["content-type"] == PROBLEM

    published = api.post(f"{base}:publish", headers={"If-Match": '"1"'})
    assert published.status_code == 200 and published.json()["state"] == "published"
    renamed = copy.deepcopy(CUSTOMERS)
    renamed["fields"][0]["label"]["en"] = "Company"
    api.put(base, json=renamed)
    api.post(f"{base}:publish")

    assert [v["version"] for v in api.get(f"{base}/versions").json()] == [1, 2]
    assert api.get(f"{base}/versions/1").json()["body"]["fields"][0]["label"]["en"] == "Name"
    changes = api.get(f"{base}/diff", params={"a": 1, "b": 2}).json()
    assert changes == [{"op": "changed", "path": "$.fields[id=f1].label.en", "before": "Name", "after": "Company"}]
    assert [d["version"] for d in api.get("/api/v1/apps/crm/definitions/form").json()] == [2]


def test_an_invalid_definition_is_refused_with_json_paths(api):
    api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    bad = copy.deepcopy(CUSTOMERS)
    del bad["fields"][0]["label"]
    response = api.put("/api/v1/apps/crm/definitions/form/customers", json=bad)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "$.fields[0].label", "code": "missing", "message": "This is required."}]
    assert api.get("/api/v1/apps/crm/definitions/form").json() == []


def test_responses_carry_security_headers(client):
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_timestamps_say_they_are_utc(api):
    created = api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).json()
    from datetime import datetime, timedelta

    assert datetime.fromisoformat(created["created_at"]).utcoffset() == timedelta(0)


def test_openapi_documents_bearer_auth_and_problem_responses(client):
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    responses = spec["paths"]["/api/v1/apps"]["post"]["responses"]
    assert "application/problem+json" in responses["422"]["content"]


def test_programs_get_no_csrf_cookie(api):
    assert "bw_csrf" not in api.get("/api/v1/apps").headers.get("set-cookie", "")


def test_a_crash_is_a_500_problem_in_the_callers_language_with_security_headers(app, admin_token):
    from starlette.testclient import TestClient

    @app.get("/api/v1/crash")
    def crash():
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/crash", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["title"] == "服务器出现了问题。"
    assert "boom" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_tokens_last_use_is_recorded(api, sessions):
    from sqlalchemy import select

    from brickwork.platform.models import ApiToken

    api.get("/api/v1/me")
    with sessions() as s:
        assert s.scalar(select(ApiToken.last_used_at)) is not None


def test_every_error_in_the_platform_document_is_the_problem_the_server_sends(api):
    spec = api.get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "patch", "delete") or not path.startswith("/api/"):
                continue
            assert {"401", "422"} <= set(operation["responses"]), (method, path)
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    assert response["content"] == {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "409" in spec["paths"]["/api/v1/apps/{app}/forms/{form}/records/{record_id}"]["patch"]["responses"]
    refused = api.post("/api/v1/apps", json={"key": "Not A Key"})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    # A body that is not JSON at all is a 400, and the document says so where a body is read.
    unreadable = api.post("/api/v1/apps", content=b"\xff", headers={"Content-Type": "application/json"})
    assert unreadable.status_code == 400 and unreadable.headers["content-type"] == "application/problem+json"
    assert "400" in spec["paths"]["/api/v1/apps"]["post"]["responses"]
    import jsonschema

    schema = {"$ref": "#/components/schemas/Problem", "components": spec["components"]}
    jsonschema.Draft202012Validator(schema).validate(refused.json())
    unauthorised = spec["paths"]["/api/v1/me"]["get"]["responses"]["401"]
    assert unauthorised["content"]["application/problem+json"]["schema"]


def test_downloads_are_documented_as_files(client):
    paths = client.get("/openapi.json").json()["paths"]
    download = paths["/api/v1/files/{file_id}"]["get"]["responses"]["200"]["content"]
    export = paths["/api/v1/apps/{app}/forms/{form}/records:export"]["get"]["responses"]["200"]["content"]
    assert "application/json" not in download and "application/json" not in export
    assert "text/csv; charset=utf-8" in export and "application/x-ndjson" in export
