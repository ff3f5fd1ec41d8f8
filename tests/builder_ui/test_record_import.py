"""The import page over HTTP and the streamed import it runs: the page and who may open it,
the file's columns, progress lines and the final result, and a failed all-or-nothing
stream that changes nothing."""

from __future__ import annotations

import json
import re

import pytest
from starlette.testclient import TestClient

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import create_role, grant_role
from brickwork.platform.identity.users import create_user
from tests.builder_ui.test_record_views import script_data
from tests.engines.form.helpers import publish, records
from tests.engines.form.transfer.files import csv_bytes, xlsx
from tests.platform.http.test_csrf import form_token, sign_in

BASE = "/apps/crm/forms/deals"
IMPORT = f"{records('deals')}:import"
STAGES = [{"id": "new", "label": {"en": "New", "zh-CN": "新建"}},
          {"id": "won", "label": {"en": "Won", "zh-CN": "赢单"}}]
DEALS = {"key": "deals", "label": {"en": "Deals", "zh-CN": "商机"}, "fields": [
    {"id": "f_name", "key": "name", "type": "text", "required": True, "label": {"en": "Name", "zh-CN": "名称"}},
    {"id": "f_stage", "key": "stage", "type": "select", "options": STAGES, "label": {"en": "Stage", "zh-CN": "阶段"}},
    {"id": "f_amount", "key": "amount", "type": "number", "label": {"en": "Amount", "zh-CN": "金额"}},
]}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def bearer(app, admin_token):
    with TestClient(app, headers={"Authorization": f"Bearer {admin_token}", "Accept-Language": "en"}) as api:
        assert publish(api, DEALS).status_code == 200
        yield api


@pytest.fixture
def signed(client, admin, bearer):
    sign_in(client)
    return client


def csrf(client, path: str) -> str:
    return json.loads(re.search(r"hx-headers='([^']+)'", client.get(path).text).group(1))["X-CSRF-Token"]


def streamed(api, data: bytes, name: str = "deals.xlsx", **fields):
    """The lines of a streamed import, parsed."""
    response = api.post(IMPORT, params={"stream": 1}, files={"file": (name, data)}, data=fields)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


def names(api) -> list[str]:
    return sorted(r["name"] for r in api.get(records("deals"), params={"limit": 500}).json()["items"])


def test_the_table_offers_import_and_the_page_carries_the_fields_and_texts(signed):
    assert f'href="{BASE}/import"' in signed.get(BASE).text
    page = signed.get(BASE + "/import", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and "import.js" in page.text and "预览" in page.text
    data = script_data(page.text, "import-data")
    assert data["api"] == f"{IMPORT}" and data["columns"] == f"{BASE}/import/columns"
    assert [(f["key"], f["label"], f["required"]) for f in data["fields"]] == [
        ("name", "名称", True), ("stage", "阶段", False), ("amount", "金额", False)]
    assert data["fields"][1]["options"] == {"new": "新建", "won": "赢单"}
    assert script_data(page.text, "import-text")["problem"] == "问题"


def test_someone_who_may_not_create_gets_no_button_and_a_friendly_refusal(client, sessions, bearer):
    viewers = {"role": "viewer", "actions": ["read"], "scope": "all"}
    assert publish(bearer, {**DEALS, "permissions": [viewers]}).status_code == 200
    with transaction(sessions) as session:
        user = create_user(session, "li", "li-password-12")
        create_role(session, "viewer", {"en": "Viewer"})
        grant_role(session, user.id, "viewer")
    client.post("/login", data={"username": "li", "password": "li-password-12", "csrf_token": form_token(client)})
    table = client.get(BASE, headers={"Accept-Language": "en"})
    assert table.status_code == 200 and "/import" not in table.text
    refused = client.get(BASE + "/import", headers={"Accept-Language": "en"})
    assert refused.status_code == 403 and "You may not add records to this form." in refused.text
    columns = client.post(BASE + "/import/columns", files={"file": ("a.csv", b"Name\nA\n")},
                          headers={"X-CSRF-Token": csrf(client, BASE), "Accept-Language": "en"})
    assert columns.status_code == 403 and columns.headers["content-type"] == "application/problem+json"
    assert client.post(IMPORT, params={"stream": 1}, files={"file": ("a.csv", b"Name\nA\n")},
                       headers={"X-CSRF-Token": csrf(client, BASE)}).status_code == 403
    assert bearer.get(records("deals")).json()["items"] == []


def test_the_columns_of_a_gbk_csv_and_the_fields_they_match(signed):
    data = csv_bytes(["名称,阶段,备注", "华为技术,赢单,深圳"], "gbk")
    answer = signed.post(BASE + "/import/columns", files={"file": ("客户.csv", data)},
                         headers={"X-CSRF-Token": csrf(signed, BASE)})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"file": {"kind": "csv", "encoding": "GBK/GB18030", "headers": ["名称", "阶段", "备注"]},
                             "mapping": {"名称": "name", "阶段": "stage", "备注": None}}
    bad = signed.post(BASE + "/import/columns", files={"file": ("a.pdf", b"%PDF-1.4")},
                      headers={"X-CSRF-Token": csrf(signed, BASE)})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "file"


def test_a_streamed_import_reports_progress_then_the_result(bearer):
    rows = [["Name", "Stage", "Amount"], *[[f"Deal {i:04}", "Won" if i % 2 else "New", i] for i in range(2100)]]
    lines = streamed(bearer, xlsx(rows), mode="valid")
    assert lines[0] == {"done": 0, "total": None}  # a write-only workbook records no size
    assert [line["done"] for line in lines[1:-1]] == [1000, 2000, 2100]
    result = lines[-1]
    assert (result["created"], result["failed"], result["rows"]) == (2100, 0, 2100)
    assert result["mapping"] == {"Name": "name", "Stage": "stage", "Amount": "amount"}
    assert bearer.get(records("deals"), params={"limit": 1}).json()["total"] == 2100


def test_a_csv_stream_knows_its_total_and_a_check_writes_nothing(bearer):
    data = csv_bytes(["Name,Amount", "Alpha,1", "Beta,lots", "Gamma,3"])
    lines = streamed(bearer, data, "deals.csv", check="true")
    assert lines[0] == {"done": 0, "total": 3} and lines[1] == {"done": 3}
    result = lines[-1]
    assert (result["created"], result["failed"]) == (2, 1)  # what an import of the valid rows would do
    assert result["problems"] == [{"row": 3, "column": "Amount", "value": "lots", "message": "Expected a number."}]
    assert [p["row"] for p in result["preview"]] == [2, 3, 4]
    assert names(bearer) == []
    report = bearer.post(IMPORT, params={"report": "xlsx"}, files={"file": ("deals.csv", data)}, data={"check": "true"})
    assert report.status_code == 200 and report.headers["content-type"] == XLSX
    assert report.headers["x-import-failed"] == "1" and names(bearer) == []


def test_a_failed_all_or_nothing_stream_changes_nothing(bearer):
    assert bearer.post(records("deals"), json={"name": "Kept", "amount": "5"}).status_code == 201
    rows = [["Name", "Amount"], *[[f"Deal {i}", i] for i in range(1500)], ["Broken", "not a number"]]
    lines = streamed(bearer, xlsx(rows), mode="all")
    assert [line.get("done") for line in lines[1:-1]] == [1000, 1501]
    result = lines[-1]
    assert (result["created"], result["updated"], result["failed"]) == (0, 0, 1)
    assert result["problems"][0]["row"] == 1502 and result["problems"][0]["value"] == "not a number"
    assert names(bearer) == ["Kept"]


def test_a_mapping_that_cannot_work_is_refused_before_any_line(bearer):
    answer = bearer.post(IMPORT, params={"stream": 1}, files={"file": ("d.csv", b"Amount\n1\n")},
                         data={"mapping": json.dumps({"Amount": "amount"})})
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == ["mapping.name"]


def test_upsert_through_the_stream_updates_the_record_the_key_names(bearer):
    first = bearer.post(records("deals"), json={"name": "Alpha", "amount": "1"}).json()
    data = csv_bytes(["Name,Amount", "Alpha,10", "Beta,2"])
    result = streamed(bearer, data, "d.csv", mode="valid", upsert_key="name")[-1]
    assert (result["created"], result["updated"]) == (1, 1)
    assert bearer.get(f"{records('deals')}/{first['id']}").json()["amount"] == "10"
