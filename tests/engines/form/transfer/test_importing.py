"""Importing rows through the form engine: all-or-nothing or the valid rows, upserts, names
of users, departments and linked records, and every problem reported by row and column."""

import json

import pytest

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.transfer.importing import import_records
from brickwork.engines.form.transfer.jobs import principal
from brickwork.platform.db import transaction
from brickwork.platform.identity.org import create_department
from brickwork.platform.identity.users import create_user
from tests.engines.form.helpers import field, form, publish, records
from tests.engines.form.transfer.files import csv_bytes, read_xlsx, xlsx

LEVELS = [{"id": "a", "label": {"en": "Key account", "zh-CN": "重点客户"}},
          {"id": "b", "label": {"en": "Regular", "zh-CN": "普通客户"}}]
HEADERS = ["Name", "Level", "Revenue", "Email", "Since"]


def customers():
    return form("customers",
                field("f1", "text", "name", required=True, unique=True, label={"en": "Name", "zh-CN": "客户名称"}),
                field("f2", "select", "level", options=LEVELS, label={"en": "Level", "zh-CN": "客户级别"}),
                field("f3", "money", "revenue", label={"en": "Revenue", "zh-CN": "年营业额"}),
                field("f4", "email", "email", label={"en": "Email", "zh-CN": "邮箱"}),
                field("f5", "date", "since", label={"en": "Since", "zh-CN": "起始日期"}))


@pytest.fixture
def crm(api):
    assert publish(api, customers()).status_code == 200
    return api


def upload(api, data: bytes, name="customers.xlsx", **form_data):
    return api.post(records("customers") + ":import", files={"file": (name, data)},
                    data={k: v if isinstance(v, str) else json.dumps(v) for k, v in form_data.items()})


def names(api):
    return [r["name"] for r in api.get(records("customers"), params={"limit": 500, "sort": "id"}).json()["items"]]


def five_hundred_with_37_bad():
    """Rows 2..501; every bad row has one problem, in varying columns."""
    rows, bad = [HEADERS], []
    for i in range(500):
        row = [f"Customer {i:03d}", "Regular", 1000 + i, f"c{i}@example.com", "2024-07-01"]
        if i % 13 == 5 and len(bad) < 37:
            column = len(bad) % 3
            row[[1, 2, 3][column]] = ["Platinum", "lots", "not-an-email"][column]
            bad.append((i + 2, HEADERS[[1, 2, 3][column]]))
        rows.append(row)
    return xlsx(rows), bad


def test_all_or_nothing_reports_every_bad_row_and_imports_nothing(crm):
    data, bad = five_hundred_with_37_bad()
    result = upload(crm, data, mode="all").json()
    assert (result["created"], result["failed"], result["rows"]) == (0, 37, 500)
    assert [(p["row"], p["column"]) for p in result["problems"]] == bad
    assert result["problems"][0] == {"row": bad[0][0], "column": "Level", "value": "Platinum",
                                     "message": "Platinum is not one of the options."}
    assert names(crm) == []


def test_valid_rows_mode_imports_the_463_and_reports_the_37(crm):
    data, bad = five_hundred_with_37_bad()
    result = upload(crm, data, mode="valid").json()
    assert (result["created"], result["failed"], result["problem_count"]) == (463, 37, 37)
    stored = names(crm)
    assert len(stored) == 463 and "Customer 005" not in stored and "Customer 004" in stored


def test_the_report_downloads_as_a_workbook(crm):
    data, bad = five_hundred_with_37_bad()
    response = crm.post(records("customers") + ":import", params={"report": "xlsx"},
                        files={"file": ("customers.xlsx", data)}, data={"mode": "all"})
    assert response.status_code == 200 and response.headers["x-import-failed"] == "37"
    assert "attachment" in response.headers["content-disposition"]
    sheet = read_xlsx(response.content)
    assert sheet[0] == ["Row", "Column", "Value", "Problem"]
    assert [(r[0], r[1]) for r in sheet[1:]] == bad


def test_duplicates_of_a_unique_field_fail_the_later_row(crm):
    crm.post(records("customers"), json={"name": "Acme"})
    data = xlsx([HEADERS, ["Acme"], ["Beta"], ["Beta"], ["Gamma"]])
    result = upload(crm, data, mode="valid").json()
    assert (result["created"], result["failed"]) == (2, 2)
    assert [(p["row"], p["column"], p["message"]) for p in result["problems"]] == [
        (2, "Name", "This value is taken by another record."), (4, "Name", "This value is taken by another record.")]
    assert names(crm) == ["Acme", "Beta", "Gamma"]


def test_upsert_updates_existing_records_by_key_and_creates_the_rest(crm):
    old = crm.post(records("customers"), json={"name": "Acme", "level": "a", "revenue": "5"}).json()
    data = xlsx([HEADERS, ["Acme", "Regular", 7, None], ["Beta", "重点客户", 1]])
    result = upload(crm, data, upsert_key="name").json()
    assert (result["created"], result["updated"], result["failed"]) == (1, 1, 0)
    acme = crm.get(f"{records('customers')}/{old['id']}").json()
    assert (acme["level"], acme["revenue"], acme["version"]) == ("b", "7.00", 2)
    again = upload(crm, xlsx([HEADERS, ["Beta", "Regular"], ["Beta", "Key account"]]), upsert_key="name",
                   mode="valid").json()
    assert (again["updated"], again["failed"]) == (1, 1)
    assert again["problems"][0]["message"] == "This key is also in row 2."


def test_chinese_labels_and_a_gbk_csv(crm):
    data = csv_bytes(["客户名称,客户级别,年营业额,起始日期",
                      "杭州西湖茶业,重点客户,\"￥1,234.50\",2024年7月1日"], "gbk")
    result = upload(crm, data, name="客户.csv").json()
    assert result["file"]["encoding"] == "GBK/GB18030"
    assert result["mapping"] == {"客户名称": "name", "客户级别": "level", "年营业额": "revenue", "起始日期": "since"}
    item = crm.get(records("customers")).json()["items"][0]
    assert (item["name"], item["level"], item["revenue"], item["since"]) == ("杭州西湖茶业", "a", "1234.50",
                                                                             "2024-07-01")


def test_an_edited_mapping_and_a_dry_run(crm):
    data = csv_bytes(["Company,Notes", "Acme,first", "Beta,second"])
    assert upload(crm, data, name="c.csv").status_code == 422  # nothing fills the required name
    preview = upload(crm, data, name="c.csv", mapping={"Company": "name", "Notes": None}, dry_run="true").json()
    assert preview["created"] == 2 and [p["values"] for p in preview["preview"]] == [{"name": "Acme"},
                                                                                       {"name": "Beta"}]
    assert names(crm) == []  # a dry run changes nothing
    problem = upload(crm, data, name="c.csv", mapping={"Company": "nope"}).json()
    assert problem["status"] == 422 and problem["errors"][0]["field"] == "mapping.Company"


def test_bad_files_are_problems(crm):
    for data, name in ((b"%PDF-1.4", "a.pdf"), (b"", "a.csv"), (b"PK\x03\x04junk", "a.xlsx")):
        response = upload(crm, data, name=name)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "file"
    assert upload(crm, csv_bytes(["Name", "A"]), name="a.csv", mode="sometimes").status_code == 422


@pytest.fixture
def people(api, sessions):
    with transaction(sessions) as s:
        create_user(s, "li.lei", "password-1", display_name="李雷")
        create_user(s, "han", "password-1", display_name="韩梅梅")
        create_user(s, "han2", "password-1", display_name="韩梅梅")
        create_department(s, "华东销售部")
    publish(api, form("accounts", field("a1", "text", "title"), field("a2", "user", "owner"),
                      field("a3", "department", "dept")))
    publish(api, form("deals", field("d1", "text", "title"),
                      field("d2", "relation", "account", target="accounts"),
                      field("d3", "relation", "partners", target="accounts", multiple=True)))
    return api


def test_users_departments_and_linked_records_by_name(people):
    data = csv_bytes(["title,owner,dept", "Acme,李雷,华东销售部", "Beta,han,华东销售部", "Gamma,韩梅梅,销售部"])
    result = people.post(records("accounts") + ":import", files={"file": ("a.csv", data)},
                         data={"mode": "valid"}).json()
    assert (result["created"], result["failed"]) == (2, 1)
    assert [(p["column"], p["message"]) for p in result["problems"]] == [
        ("owner", "Several users are named 韩梅梅: give the username."),
        ("dept", "No department is named 销售部.")]
    accounts = people.get(records("accounts"), params={"sort": "id"}).json()["items"]
    data = csv_bytes(["title,account,partners", f"Deal 1,Acme,\"Beta, #{accounts[0]['id']}\"", "Deal 2,Nobody,"])
    result = people.post(records("deals") + ":import", files={"file": ("d.csv", data)},
                         data={"mode": "valid"}).json()
    assert result["problems"] == [{"row": 3, "column": "account", "value": "Nobody",
                                   "message": "No record is titled Nobody."}]
    deal = people.get(records("deals")).json()["items"][0]
    assert deal["account"] == accounts[0]["id"] and deal["partners"] == [accounts[1]["id"], accounts[0]["id"]]


def test_ten_thousand_rows_stream_in_batches(crm, sessions):
    consumed = []

    def rows():
        for i in range(10_000):
            consumed.append(i)
            yield i + 2, {"Name": f"Customer {i}", "Revenue": str(i)}

    seen = []
    with transaction(sessions) as s:
        form = load_form(s, "crm", "customers")
        result = import_records(s, form, principal(s, None), rows(), {"Name": "name", "Revenue": "revenue"},
                                batch=1000, progress=lambda n: seen.append((n, len(consumed))))
    assert (result.created, result.failed) == (10_000, 0)
    # Rows are read as they are imported: a batch at a time, never the whole file first.
    assert seen[:3] == [(1000, 1000), (2000, 2000), (3000, 3000)]
    assert crm.get(records("customers"), params={"limit": 1}).json()["total"] == 10_000
