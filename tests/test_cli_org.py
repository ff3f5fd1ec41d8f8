"""``brickwork users|departments|roles …``: the organisation scripted from the command line."""

import json

import openpyxl
import pytest

from brickwork.cli import main


@pytest.fixture
def env(monkeypatch, tmp_path, database_url, capsys):
    monkeypatch.setenv("BRICKWORK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BRICKWORK_DATABASE_URL", database_url)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    return tmp_path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_script_builds_the_org(env, capsys):
    code, out, _err = run(capsys, "users", "invite", "boss", "--display-name", "The Boss", "--title", "CEO")
    assert code == 0 and len(out.strip()) >= 8  # the one-time password, printed once
    assert run(capsys, "departments", "create", "Sales", "--heads", "boss")[0] == 0
    assert run(capsys, "departments", "create", "East", "--parent", "Sales")[0] == 0
    assert run(capsys, "departments", "create", "North", "--parent", "Sales")[0] == 0
    assert run(capsys, "users", "invite", "ann", "--manager", "boss", "--departments", "Sales/East")[0] == 0
    assert run(capsys, "departments", "move", "Sales/East", "--to", "Sales/North")[0] == 0
    code, out, _err = run(capsys, "departments", "list", "--json")
    tree = {d["path"]: d for d in json.loads(out)}
    assert set(tree) == {"Sales", "Sales/North", "Sales/North/East"} and tree["Sales/North/East"]["members"] == 1
    code, out, _err = run(capsys, "users", "list", "--department", "Sales/North/East", "--json")
    (ann,) = json.loads(out)
    assert ann["username"] == "ann" and ann["manager_id"] is not None
    assert run(capsys, "users", "update", "ann", "--title", "Sales rep")[0] == 0
    assert run(capsys, "roles", "create", "sales", "--label", "Sales")[0] == 0
    assert run(capsys, "roles", "grant", "sales", "ann")[0] == 0
    code, out, _err = run(capsys, "roles", "list")
    assert out.split("\n")[0].split("\t") == ["sales", "Sales", "ann"]
    assert run(capsys, "roles", "revoke", "sales", "ann")[0] == 0
    assert run(capsys, "departments", "delete", "Sales/North/East")[0] == 2  # ann is in it
    assert run(capsys, "users", "update", "ann", "--departments", "")[0] == 0
    assert run(capsys, "departments", "delete", "Sales/North/East")[0] == 0
    code, out, err = run(capsys, "users", "reset-password", "ann")
    assert code == 0 and out.strip() and "own password" in err


@pytest.mark.parametrize("argv", [
    ["departments", "move", "Sales", "--to", "Sales/East"],   # under its own descendant
    ["departments", "create", "East", "--parent", "Nowhere"],
    ["users", "update", "boss", "--manager", "ann"],          # a manager circle
    ["users", "update", "nobody", "--title", "x"],
    ["users", "invite", "Bad Name!"],
    ["roles", "grant", "no-such-role", "ann"],
])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(env, capsys, argv):
    run(capsys, "users", "invite", "boss")
    run(capsys, "users", "invite", "ann", "--manager", "boss")
    run(capsys, "departments", "create", "Sales")
    run(capsys, "departments", "create", "East", "--parent", "Sales")
    before = run(capsys, "departments", "list")[1] + run(capsys, "users", "list")[1]
    code, out, err = run(capsys, *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert run(capsys, "departments", "list")[1] + run(capsys, "users", "list")[1] == before


def test_users_import_checks_the_file_first(env, capsys):
    book = openpyxl.Workbook()
    for row in (("username", "department", "manager"), ("a1", "Ops", ""), ("a2", "Ops/Night", "a1")):
        book.active.append(row)
    path = env / "org.xlsx"
    book.save(path)
    code, out, _err = run(capsys, "users", "import", str(path))
    assert code == 0 and "Created 2" in out
    book.active.append(("a3", "", "nobody"))
    book.save(path)
    code, _out, err = run(capsys, "users", "import", str(path))
    assert code == 1 and "row 4, manager" in err
    assert "a3" not in run(capsys, "users", "list")[1]


def test_deactivate_keeps_the_last_administrator_and_refuses_the_caller(env, capsys):
    for name in ("boss", "ann"):
        assert run(capsys, "users", "create", "--username", name, "--password", "password-123", "--admin")[0] == 0
    code, _out, err = run(capsys, "users", "deactivate", "--username", "ann", "--as", "ann")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "yourself" in err
    assert run(capsys, "users", "deactivate", "--username", "ann", "--as", "boss")[0] == 0
    code, _out, err = run(capsys, "users", "deactivate", "--username", "boss")
    assert code == 2 and err.strip() == "brickwork: The last administrator cannot be deactivated."
    assert run(capsys, "users", "activate", "--username", "ann")[0] == 0
    assert run(capsys, "users", "deactivate", "--username", "boss")[0] == 0
