"""`brickwork templates` and `brickwork apps`: install, first-start install, export and
import back; bad input is one line on stderr and exit code 2."""

import json

import pytest

from brickwork.cli import main
from tests.test_cli_transfer import run


@pytest.fixture
def env(monkeypatch, tmp_path, database_url, engine):
    monkeypatch.setenv("BRICKWORK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BRICKWORK_DATABASE_URL", database_url)
    monkeypatch.setenv("LANG", "C.UTF-8")


def test_templates_are_listed(env, capsys):
    code, out, _err = run(capsys, "templates", "list")
    assert code == 0 and out.startswith("crm\t")


def test_install_once_then_export_and_import_under_another_key(env, capsys, tmp_path):
    assert run(capsys, "templates", "install", "crm") == (0, "Installed crm as the app crm.\n", "")
    assert run(capsys, "templates", "install", "crm", "--if-no-apps") == (0, "", "")
    assert run(capsys, "templates", "install", "crm")[1] == "The app installed from crm is at this version already.\n"
    path = tmp_path / "crm.json"
    assert run(capsys, "apps", "export", "crm", "-o", path)[0] == 0
    document = json.loads(path.read_text("utf-8"))
    assert {"customers", "contacts", "opportunities"} <= {f["key"] for f in document["definitions"]["form"]}
    assert run(capsys, "apps", "import", path, "--key", "crm_copy") == (0, "Imported the app crm_copy.\n", "")
    again = tmp_path / "again.json"
    run(capsys, "apps", "export", "crm_copy", "-o", again)
    copied = json.loads(again.read_text("utf-8"))
    assert copied["definitions"] == document["definitions"] and copied["views"] == document["views"]


def test_bad_input_is_one_line_and_exit_2(env, capsys, tmp_path):
    code, out, err = run(capsys, "templates", "install", "nope")
    assert (code, out) == (2, "") and err == "brickwork: There is no template called nope.\n"
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", "utf-8")
    code, _out, err = run(capsys, "apps", "import", broken)
    assert code == 2 and err.count("\n") == 1 and "is not JSON" in err
    broken.write_text(json.dumps({"brickwork": 1, "app": {"key": "Bad Key", "label": {"en": "x"}}}), "utf-8")
    code, _out, err = run(capsys, "apps", "import", broken)
    assert code == 2 and err.count("\n") == 1 and "$.app.key" in err
    assert run(capsys, "apps", "export", "nowhere", "-o", tmp_path / "x.json")[0] == 2
    assert main(["templates"]) == 2


def test_apps_are_renamed_deleted_and_restored(env, capsys, sessions):
    from brickwork.platform.apps import create_app
    from brickwork.platform.db import transaction

    with transaction(sessions) as s:
        create_app(s, {"key": "sales", "label": {"en": "Sales"}}, None)
    assert run(capsys, "apps", "rename", "sales", "--label-zh", "销售", "--label-en", "Selling", "--icon", "money") == (
        0, "The app sales is now called Selling.\n", "")
    assert run(capsys, "apps", "list")[1] == "sales\tmoney\tSelling\n"
    assert run(capsys, "apps", "delete", "sales")[0] == 0
    assert run(capsys, "apps", "list")[1] == ""
    assert run(capsys, "apps", "list", "--deleted")[1] == "sales\tmoney\tSelling\n"
    assert run(capsys, "apps", "restore", "sales") == (0, "Restored the app sales.\n", "")
    assert run(capsys, "apps", "list")[1] == "sales\tmoney\tSelling\n"


@pytest.mark.parametrize("argv", [
    ("apps", "rename", "sales"),
    ("apps", "rename", "sales", "--icon", "<b>"),
    ("apps", "rename", "sales", "--label-en", " "),
    ("apps", "rename", "nope", "--label-en", "X"),
    ("apps", "delete", "nope"),
    ("apps", "restore", "sales"),
])
def test_bad_app_changes_are_one_line_and_exit_2(env, capsys, sessions, argv):
    from brickwork.platform.apps import create_app
    from brickwork.platform.db import transaction

    with transaction(sessions) as s:
        create_app(s, {"key": "sales", "label": {"en": "Sales"}}, None)
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("brickwork: ")
    assert "Traceback" not in err
