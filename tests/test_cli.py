import json
import subprocess
import sys

import pytest

from brickwork.cli import main
from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.identity.tokens import token_principal


@pytest.fixture
def env(monkeypatch, tmp_path, database_url):
    monkeypatch.setenv("BRICKWORK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BRICKWORK_DATABASE_URL", database_url)
    monkeypatch.setenv("LANG", "C.UTF-8")
    return database_url


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_db_upgrade_users_and_tokens(env, capsys):
    assert run(capsys, "db", "upgrade")[0] == 0
    code, out, _err = run(capsys, "users", "create", "--username", "Admin", "--password", "password-1", "--admin")
    assert code == 0 and "admin" in out
    code, out, err = run(capsys, "tokens", "create", "--username", "admin", "--name", "ci")
    assert code == 0 and "not shown again" in err
    token = out.strip()
    engine = make_engine(env)
    with transaction(make_sessionmaker(engine)) as s:
        assert token_principal(s, token).username == "admin"
    code, out, _err = run(capsys, "tokens", "list", "--username", "admin")
    assert token not in out and "ci" in out and "active" in out
    assert run(capsys, "tokens", "revoke", "1")[0] == 0
    with transaction(make_sessionmaker(engine)) as s:
        assert token_principal(s, token) is None
    engine.dispose()


@pytest.mark.parametrize("argv", [
    ["nonsense"],
    ["users", "create", "--username", "x"],
    ["serve", "--port", "eighty"],
    ["tokens", "revoke", "not-a-number"],
    ["tokens", "revoke", "99999999999999999999999"],
    ["serve", "--workers", "0"],
    ["serve", "--port", "70000"],
])
def test_a_bad_argument_is_one_line_and_exit_2(env, capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("brickwork")


def test_bad_input_to_a_command_is_one_line_and_exit_2(env, capsys):
    run(capsys, "db", "upgrade")
    run(capsys, "users", "create", "--username", "wu", "--password", "password-1")
    for argv in (["users", "create", "--username", "wu", "--password", "password-2"],
                 ["users", "create", "--username", "zhou", "--password", "short"],
                 ["tokens", "create", "--username", "ghost"],
                 ["tokens", "create", "--username", "wu", "--app", "no_such_app"]):
        code, _out, err = run(capsys, *argv)
        assert code == 2 and len(err.strip().splitlines()) == 1, err


def test_a_wrong_setting_stops_with_the_variable_named(env, capsys, monkeypatch):
    monkeypatch.setenv("BRICKWORK_TIMEZONE", "Nowhere/City")
    code, _out, err = run(capsys, "db", "current")
    assert code == 2 and err.strip() == "brickwork: BRICKWORK_TIMEZONE: unknown time zone 'Nowhere/City'"


@pytest.mark.empty_database
def test_serve_refuses_an_unmigrated_database(env, capsys):
    code, _out, err = run(capsys, "serve", "--port", "1")
    assert code == 2 and "brickwork db upgrade" in err and "--migrate" in err


def test_messages_follow_the_terminal_language(env, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    run(capsys, "db", "upgrade")
    code, _out, err = run(capsys, "users", "create", "--username", "qian", "--password", "short")
    assert code == 2 and "密码太短" in err


def test_schema_dump_writes_valid_json_schemas(env, capsys, tmp_path):
    code, out, _err = run(capsys, "schema", "dump", str(tmp_path / "schemas"))
    assert code == 0
    schema = json.loads((tmp_path / "schemas" / "form.schema.json").read_text())
    assert schema["$schema"].endswith("2020-12/schema") and "fields" in schema["properties"]


def test_the_installed_command_runs_without_a_traceback(env):
    help_ = subprocess.run([sys.executable, "-m", "brickwork", "--help"], capture_output=True, text=True)
    assert help_.returncode == 0 and "db" in help_.stdout and "tokens" in help_.stdout
    bad = subprocess.run([sys.executable, "-m", "brickwork", "db", "sideways"], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and len(bad.stderr.splitlines()) == 1


def test_an_administrator_is_made_when_there_is_none(env, capsys, monkeypatch):
    from brickwork.cli import _first_admin
    from brickwork.platform.identity.users import verify_password
    from brickwork.platform.settings import load_settings

    run(capsys, "db", "upgrade")
    run(capsys, "users", "create", "--username", "staff", "--password", "password-1")
    monkeypatch.setenv("BRICKWORK_ADMIN_PASSWORD", "chosen-password")
    _first_admin(load_settings(), "http://x")
    _first_admin(load_settings(), "http://x")  # the second start changes nothing
    out = capsys.readouterr().out
    assert "BRICKWORK_ADMIN_PASSWORD" in out and "users set-password" in out
    engine = make_engine(env)
    with transaction(make_sessionmaker(engine)) as s:
        assert verify_password(s, "admin", "chosen-password").is_admin
    engine.dispose()


def test_schema_dump_needs_no_data_dir(env, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("BRICKWORK_DATA_DIR", str(tmp_path / "never"))
    assert run(capsys, "schema", "dump", str(tmp_path / "out"))[0] == 0
    assert not (tmp_path / "never").exists()


def test_schema_dump_onto_a_file_is_one_line_and_exit_2(env, capsys, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("keep me")
    code, out, err = run(capsys, "schema", "dump", str(target))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Cannot write to" in err
    assert target.read_text() == "keep me"


def test_a_token_for_one_app(env, capsys):
    from brickwork.platform.apps import create_app

    run(capsys, "db", "upgrade")
    run(capsys, "users", "create", "--username", "erp", "--password", "password-1")
    engine = make_engine(env)
    with transaction(make_sessionmaker(engine)) as s:
        create_app(s, {"key": "crm", "label": {"en": "CRM"}}, None)
    code, out, _err = run(capsys, "tokens", "create", "--username", "erp", "--read-only", "--app", "crm")
    assert code == 0
    with transaction(make_sessionmaker(engine)) as s:
        assert token_principal(s, out.strip()).scopes == ("read", "app:crm")
    assert "app:crm" in run(capsys, "tokens", "list", "--username", "erp")[1]
    engine.dispose()
