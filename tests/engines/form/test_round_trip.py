"""Every field type through the API, the table and back, and out to text: on whichever
database the suite runs on (SQLite, and PostgreSQL in CI)."""

import threading

import pytest
from starlette.testclient import TestClient

from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.platform.db import transaction
from brickwork.platform.identity.org import create_department
from tests.engines.form.helpers import field, form, publish, records

OPTIONS = [{"id": "a", "label": {"en": "Alpha", "zh-CN": "甲"}}, {"id": "b", "label": {"en": "Beta", "zh-CN": "乙"}}]


def every_type(file_id: str, user_id: int, department_id: int):
    """(definition field, value sent, value expected back, text expected) per type."""
    return [
        (field("t1", "text", "text"), "  客户 Acme ", "客户 Acme", "客户 Acme"),
        (field("t2", "textarea", "textarea"), "line 1\nline 2", "line 1\nline 2", "line 1\nline 2"),
        (field("t3", "number", "number", scale=2), "-1,234.50", "-1234.50", "-1234.50"),
        (field("t4", "money", "money", currency="CNY"), "19.99", "19.99", "19.99"),
        (field("t5", "percent", "percent"), 12.5, "12.50", "12.50"),
        (field("t6", "date", "date"), "2024年7月1日", "2024-07-01", "2024-07-01"),
        (field("t7", "datetime", "datetime"), "2024-07-01T09:30:00+08:00", "2024-07-01T01:30:00Z",
         "2024-07-01 09:30:00"),
        (field("t8", "boolean", "boolean"), "是", True, "true"),
        (field("t9", "select", "select", options=OPTIONS), "乙", "b", "Beta"),
        (field("t10", "multiselect", "multiselect", options=OPTIONS), ["b", "a", "b"], ["a", "b"], "Alpha, Beta"),
        (field("t11", "user", "user"), user_id, user_id, str(user_id)),
        (field("t12", "department", "department"), str(department_id), department_id, str(department_id)),
        (field("t13", "phone", "phone"), "138 0013 8000", "+8613800138000", "+8613800138000"),
        (field("t14", "email", "email"), "Li@Example.COM", "Li@example.com", "Li@example.com"),
        (field("t15", "url", "url"), "https://example.com/a?b=1", "https://example.com/a?b=1",
         "https://example.com/a?b=1"),
        (field("t16", "region", "region"), {"province": "330000", "city": "330100", "district": "330106"},
         {"province": "330000", "city": "330100", "district": "330106"}, "浙江省 / 杭州市 / 西湖区"),
        (field("t17", "rating", "rating"), 4, 4, "4"),
        (field("t18", "attachment", "attachment"), [file_id], [file_id], file_id),
        (field("t19", "image", "image"), [file_id], [file_id], file_id),
        (field("t20", "autonumber", "autonumber", pattern="NO-{0000}"), None, "NO-0001", "NO-0001"),
        (field("t21", "formula", "formula", formula="number * 2"), None, "-2469.00", "-2469.00"),
    ]


@pytest.fixture
def cases(api, sessions, admin):
    file_id = api.post("/api/v1/files", files={"file": ("p.png", b"\x89PNG\r\n", "image/png")}).json()["id"]
    with transaction(sessions) as s:
        department = create_department(s, "Sales").id
    rows = every_type(file_id, admin.id, department)
    # A new type must join this test; relations, sub-forms, rollups and lookups have their own
    # (test_relations.py, test_subforms.py, test_rollups.py, test_lookups.py).
    assert {case[0]["type"] for case in rows} == set(REGISTRY) - {"relation", "subform", "rollup", "lookup"}
    return rows


def test_every_type_round_trips_through_api_storage_and_text(api, cases):
    definition = form("all", *[case[0] for case in cases])
    assert publish(api, definition).status_code == 200
    sent = {case[0]["key"]: case[1] for case in cases if case[1] is not None}
    created = api.post(records("all"), json=sent)
    assert created.status_code == 201, created.text
    read = api.get(f"{records('all')}/{created.json()['id']}").json()
    parsed = FormDefinition.model_validate(definition)
    for (spec, _sent, expected, text), f in zip(cases, parsed.fields, strict=True):
        assert read[spec["key"]] == expected, spec["type"]
        kind = REGISTRY[f.type]
        logical = kind.parse(f, read[spec["key"]]) if f.type != "datetime" else kind.parse(f, expected)
        assert kind.to_text(f, logical) == text, spec["type"]
        assert kind.from_text(f, text) == logical, spec["type"]


def test_bad_values_name_their_field(api, cases):
    publish(api, form("all", *[case[0] for case in cases]))
    bad = {"number": "12a", "date": "2024-02-30", "select": "gamma", "phone": "12345", "email": "nope",
           "url": "javascript:alert(1)", "region": {"province": "330000", "city": "320100"}, "rating": 9,
           "user": 999999, "attachment": ["missing"], "autonumber": "NO-9999", "boolean": "maybe"}
    refused = api.post(records("all"), json=bad)
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == set(bad)
    assert api.get(records("all")).json()["total"] == 0


def test_auto_numbers_stay_gap_free_under_concurrent_creates(api, app, admin_token):
    publish(api, form("tickets", field("n", "autonumber", "no", pattern="T-{0000}"), field("s", "text", "subject")))
    numbers: list[str] = []
    barrier = threading.Barrier(12)

    def create(i: int) -> None:
        with TestClient(app, headers={"Authorization": f"Bearer {admin_token}"}) as client:
            barrier.wait()
            response = client.post(records("tickets"), json={"subject": str(i)})
            assert response.status_code == 201
            numbers.append(response.json()["no"])

    threads = [threading.Thread(target=create, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == [f"T-{n:04d}" for n in range(1, 13)]
