"""`brickwork demo-data`: fills the installed CRM, counts on stdout; bad input is one line, exit 2."""

import pytest
from sqlalchemy import select

from brickwork.cli import main
from brickwork.engines.form.forms import load_form
from brickwork.platform.db import transaction
from brickwork.platform.jobs.queue import pending_count
from brickwork.platform.models import JobRun, RuleRun
from tests.engines.form.helpers import records
from tests.templates.install import install_crm


@pytest.fixture
def env(monkeypatch, tmp_path, database_url):
    monkeypatch.setenv("BRICKWORK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BRICKWORK_DATABASE_URL", database_url)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def crm(env, sessions, admin, api):
    with transaction(sessions) as session:
        install_crm(session, admin.id)
    return api


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_data_fills_the_crm_and_prints_the_counts(crm, capsys):
    code, out, err = run(capsys, "demo-data", "crm", "--size", 8, "--seed", 3)
    assert (code, err) == (0, "")
    assert out.startswith("Added demo data: ") and "customers 8" in out
    customers = crm.get(records("customers"), params={"sort": "name"}).json()
    assert customers["total"] == 8
    deals = crm.get(records("opportunities")).json()["items"]
    assert deals and {d["customer"] for d in deals} <= {c["id"] for c in customers["items"]}


@pytest.mark.parametrize("argv", [
    ["demo-data", "crm", "--size", "5"],  # the CRM is not installed
    ["demo-data", "nothing", "--size", "5"],
    ["demo-data", "crm", "--size", "0"],
    ["demo-data", "crm", "--size", "many"],
    ["demo-data", "crm"],
])
def test_bad_input_is_one_line_and_exit_2(env, engine, admin, capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("brickwork")


def test_a_first_start_installs_the_crm_with_demo_data_before_anyone_signed_up(env, engine, sessions, capsys):
    """As ``make run``: the demo's rules run once, as nobody (no one has signed up), and the
    demo people are printed with their password."""
    code, out, err = run(capsys, "templates", "install", "crm", "--demo-data", 6, "--if-no-apps")
    assert (code, err) == (0, "") and "customers 6" in out
    assert "Demo people sign in with the password brickwork-demo:" in out
    assert "demo.zhengyu\t郑宇\t销售中心\tsales_director" in out and "demo.qianfang" in out
    with sessions() as session:
        table = load_form(session, "crm", "customers").table
        assert len(session.execute(table.select()).all()) == 6
        outcomes = set(session.scalars(select(JobRun.outcome)))
        rules = set(session.scalars(select(RuleRun.rule).where(RuleRun.status == "succeeded")))
        assert pending_count(session) == 0
    assert outcomes == {"succeeded"} and "led_score_form" in rules
