"""An xlsx file is saved or abandoned, never dropped half-written: a failed export or report
leaves nothing in the temp directory, and a report holds any text an import was given."""

import tempfile

import pytest

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.transfer.exporting import export_records
from brickwork.engines.form.transfer.jobs import principal
from tests.engines.form.helpers import field, form, publish, records
from tests.engines.form.transfer.files import csv_bytes, read_xlsx


class Stopped(Exception):
    """The person who asked went away."""


@pytest.fixture
def temp_dir(tmp_path, monkeypatch):
    """A temp directory of this test's own, so what openpyxl leaves there can be seen."""
    (tmp_path / "temp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    return tmp_path / "temp"


@pytest.fixture
def deals(api):
    assert publish(api, form("deals", field("d1", "text", "name"), field("d2", "money", "amount"))).status_code == 200
    rows = [{"name": f"deal {i}", "amount": "1.50"} for i in range(600)]
    assert api.post(records("deals") + ":bulk", json={"records": rows}).status_code == 201
    return api


def test_an_export_stopped_half_way_leaves_no_temporary_file(deals, sessions, temp_dir, tmp_path):
    def stop(done, total):
        if done < total:
            raise Stopped

    with sessions() as session:
        service = RecordService(session, load_form(session, "crm", "deals"), principal(session, None))
        with pytest.raises(Stopped):
            with (tmp_path / "out.xlsx").open("wb") as out:
                export_records(session, service, out, "xlsx", progress=stop)
    assert list(temp_dir.iterdir()) == []


def test_an_export_whose_file_cannot_be_written_leaves_no_temporary_file(deals, sessions, temp_dir, tmp_path):
    target = tmp_path / "read-only.xlsx"
    target.write_bytes(b"")
    with sessions() as session, target.open("rb") as out:
        service = RecordService(session, load_form(session, "crm", "deals"), principal(session, None))
        with pytest.raises(OSError):
            export_records(session, service, out, "xlsx")
    assert list(temp_dir.iterdir()) == []


def test_a_problem_report_shows_control_characters_as_pictures(api):
    assert publish(api, form("deals", field("d1", "text", "name"), field("d2", "money", "amount"))).status_code == 200
    data = csv_bytes(["name,amount", "Acme,lots\x01of"])
    answer = api.post(records("deals") + ":import", params={"report": "xlsx"},
                      files={"file": ("deals.csv", data)}, data={"mode": "all"})
    assert answer.status_code == 200 and answer.headers["x-import-failed"] == "1"
    assert read_xlsx(answer.content)[1][:3] == [2, "amount", "lots\u2401of"]
