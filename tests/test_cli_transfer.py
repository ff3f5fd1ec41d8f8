"""`brickwork import` and `brickwork export`: counts on stdout, problems on stderr, exit codes."""

import pytest
from starlette.testclient import TestClient

from brickwork.cli import main
from tests.engines.form.helpers import field, form, publish, records
from tests.engines.form.transfer.files import csv_bytes, read_xlsx, xlsx


@pytest.fixture
def crm(monkeypatch, tmp_path, database_url, api):
    monkeypatch.setenv("BRICKWORK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BRICKWORK_DATABASE_URL", database_url)
    monkeypatch.setenv("LANG", "C.UTF-8")
    publish(api, form("customers", field("n", "text", "name", required=True, unique=True),
                      field("m", "money", "revenue"), field("o", "user", "owner")))
    return api


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_prints_counts_and_exits_1_when_rows_fail(crm: TestClient, capsys, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(["name,revenue", "Acme,10", "Beta,20"], "gbk"))
    assert run(capsys, "import", "crm", "customers", good) == (0, "Created 2, updated 0, failed 0.\n", "")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["Name", "Revenue"], ["Acme", 11], ["Gamma", "lots"], ["Delta", 1]]))
    report = tmp_path / "report.xlsx"
    code, out, err = run(capsys, "import", "crm", "customers", bad, "--upsert-key", "name", "--report", report)
    assert code == 1 and out == "Created 0, updated 0, failed 1.\n"
    assert "row 3, Revenue: Expected a number." in err and "--mode valid" in err
    assert read_xlsx(report.read_bytes())[1] == [3, "Revenue", "lots", "Expected a number."]
    code, out, _err = run(capsys, "import", "crm", "customers", bad, "--upsert-key", "name", "--mode", "valid")
    assert code == 1 and out == "Created 1, updated 1, failed 1.\n"
    assert crm.get(records("customers")).json()["total"] == 3


@pytest.mark.parametrize("argv", [
    ["import", "crm", "customers", "missing.csv"],
    ["import", "crm", "nowhere", "{file}"],
    ["import", "crm", "customers", "{file}", "--mode", "some"],
    ["import", "crm", "customers", "{file}", "--as", "nobody"],
    ["import", "crm", "customers", "{pdf}"],
    ["export", "crm", "customers", "-o", "{out}", "--filter", "{{"],
    ["export", "crm", "customers", "-o", "{out}", "--fields", "nope"],
    ["export", "crm", "customers"],
])
def test_bad_input_is_one_line_and_exit_2(crm, capsys, tmp_path, argv):
    (tmp_path / "a.csv").write_bytes(csv_bytes(["name", "Acme"]))
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    paths = {"file": tmp_path / "a.csv", "pdf": tmp_path / "a.pdf", "out": tmp_path / "out.xlsx"}
    code, out, err = run(capsys, *[a.format(**paths) for a in argv])
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("brickwork")


def test_export_writes_the_view(crm, capsys, tmp_path):
    for name, revenue in (("Acme", "-5"), ("Beta", "7"), ("=SUM(A1)", None)):
        crm.post(records("customers"), json={"name": name, "revenue": revenue})
    out = tmp_path / "customers.csv"
    code, printed, _err = run(capsys, "export", "crm", "customers", "-o", out, "--sort=-revenue",
                              "--fields", "revenue,name")
    assert code == 0 and printed == f"Exported 3 records to {out}.\n"
    assert out.read_bytes().decode("utf-8-sig").splitlines() == [
        "Revenue,Name", "7.00,Beta", "-5.00,Acme", ",'=SUM(A1)"]
    sheet = tmp_path / "some.xlsx"
    code, _printed, _err = run(capsys, "export", "crm", "customers", "-o", sheet, "--filter",
                               '{"fn": "=", "args": [{"ref": "name"}, {"lit": "Acme", "type": "text"}]}')
    assert code == 0 and read_xlsx(sheet.read_bytes())[1][0] == "Acme"


def test_a_failed_export_leaves_no_file_and_keeps_an_older_one(crm, capsys, tmp_path):
    crm.post(records("customers"), json={"name": "Acme"})
    huge = '{"fn": "=", "args": [{"ref": "name"}, {"lit": 99999999999999999999999999, "type": "number"}]}'
    for name in ("new.xlsx", "new.csv"):
        code, out, err = run(capsys, "export", "crm", "customers", "-o", tmp_path / name, "--filter", huge)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
        assert not (tmp_path / name).exists()
    older = tmp_path / "older.csv"
    older.write_text("yesterday")
    assert run(capsys, "export", "crm", "customers", "-o", older, "--fields", "nope")[0] == 2
    assert older.read_text() == "yesterday"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_huge_id_in_a_filter_is_one_line_and_exit_2(crm, capsys, tmp_path):
    huge = '{"fn": "=", "args": [{"ref": "owner"}, {"lit": 99999999999999999999999, "type": "user"}]}'
    code, out, err = run(capsys, "export", "crm", "customers", "-o", tmp_path / "x.csv", "--filter", huge)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and not (tmp_path / "x.csv").exists()
