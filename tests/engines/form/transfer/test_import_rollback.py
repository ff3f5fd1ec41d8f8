"""A check-only or refused import is undone with its whole transaction, so the commits after
it survive kill -9 even on a SQLite that loses commits after a ROLLBACK TO over a spilled
page cache (3.40.1 is Python's own on Debian 12; decision 0010). The import runs in a child
process that is SIGKILLed; the database is then opened afresh, as a restarted server would."""

import os
import signal
import sqlite3

import pytest
from sqlalchemy import create_engine, text

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.storage import column_name
from brickwork.engines.form.transfer.importing import import_records
from brickwork.engines.form.transfer.jobs import principal
from brickwork.platform import db
from brickwork.platform.db import transaction
from tests.engines.form.helpers import field, form, publish
from tests.support.databases import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="the defect is SQLite's WAL")
ROWS = 6000  # enough to spill SQLite's default 2 MB page cache


def run_then_kill(database_url: str, mode: str) -> None:
    """In a child process, on Python's own sqlite3 whatever its version: a check (or a refused
    all-or-nothing import) of ROWS rows, then five one-row imports that commit; then SIGKILL."""
    pid = os.fork()
    if pid:
        _pid, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        return
    try:
        db.sqlite_module = lambda: sqlite3
        db.SQLITE_MINIMUM = (3, 35)
        sessions = db.make_sessionmaker(db.make_engine(database_url))
        rows = [(i + 2, {"Name": f"Customer {i}"}) for i in range(ROWS)]
        if mode == "all":
            rows.append((ROWS + 2, {"Name": "Customer 0"}))  # not unique: the import is refused
        with transaction(sessions) as s:
            result = import_records(s, load_form(s, "crm", "customers"), principal(s, None), rows,
                                    {"Name": "name"}, mode="all", check=mode == "check")
            assert result.failed == (1 if mode == "all" else 0)
        for i in range(5):
            with transaction(sessions) as s:
                import_records(s, load_form(s, "crm", "customers"), principal(s, None),
                               [(2, {"Name": f"Kept {i}"})], {"Name": "name"})
    finally:
        os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("mode", ["check", "all"])
def test_commits_after_a_rolled_back_import_survive_kill_9(api, app, engine, database_url, mode):
    assert publish(api, form("customers", field("f1", "text", "name", required=True, unique=True))).status_code == 200
    with engine.connect() as conn:
        table = next(t for t in engine.dialect.get_table_names(conn) if t.endswith("_customers"))
    app.state.engine.dispose()  # no connection of this process may keep SQLite's shared index alive
    engine.dispose()

    run_then_kill(database_url, mode)

    fresh = create_engine(database_url)
    with fresh.connect() as conn:
        names = conn.execute(text(f'SELECT "{column_name("f1")}" FROM "{table}"')).scalars().all()
    fresh.dispose()
    assert sorted(names) == [f"Kept {i}" for i in range(5)]
