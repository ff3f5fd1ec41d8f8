"""Every write the server confirmed survives kill -9 of the server process, and an import
killed half-way leaves nothing behind: a real `brickwork serve`, SIGKILLed and started again
on the same database (SQLite, or PostgreSQL with BRICKWORK_TEST_DATABASE_URL).

The first part repeats the sequence that lost writes on SQLite before 3.50 (issue 11): an
import large enough to spill SQLite's page cache, rolled back (a check, then an
all-or-nothing import with one bad row), then confirmed writes, then kill -9 while idle."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import httpx2
import pytest

from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.identity.tokens import create_token
from tests.engines.form.helpers import field, form, publish, records
from tests.engines.form.transfer.files import csv_bytes
from tests.live_server import LiveServer

SPILLING_ROWS = 6000  # enough rows to spill SQLite's default 2 MB page cache during the import


def csv_rows(prefix: str, count: int, bad: bool = False) -> bytes:
    lines = ["name,note"] + [f"{prefix}{i},note {i}" for i in range(count)]
    if bad:
        lines.append(f"{prefix}0,a name already in the file")  # the one bad row: not unique
    return csv_bytes(lines)


def kill(server: LiveServer) -> None:
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)


@pytest.fixture
def server(tmp_path: Path, database_url: str):
    servers = [LiveServer(tmp_path / "data", database_url)]
    engine = make_engine(database_url)
    with transaction(make_sessionmaker(engine)) as session:
        token = create_token(session, "admin", "durability")[1]
    engine.dispose()

    def client() -> httpx2.Client:
        return httpx2.Client(base_url=servers[-1].url, headers={"Authorization": f"Bearer {token}"}, timeout=120)

    def restart() -> None:
        kill(servers[-1])
        servers.append(LiveServer(tmp_path / "data", database_url))

    yield client, restart
    for s in servers:
        if s.process.poll() is None:
            s.stop()


def stored_names(api: httpx2.Client) -> set[str]:
    response = api.get(records("customers"), params={"limit": 500, "fields": "name"})
    assert response.status_code == 200, response.text
    return {r["name"] for r in response.json()["items"]}


def upload(api: httpx2.Client, data: bytes, **form_data: str):
    return api.post(records("customers") + ":import", files={"file": ("customers.csv", data)}, data=form_data)


def test_confirmed_writes_survive_kill_9_and_a_killed_import_leaves_nothing(server):
    client, restart = server
    with client() as api:
        assert publish(api, form("customers", field("f1", "text", "name", required=True, unique=True),
                                 field("f2", "text", "note"))).status_code == 200
        # The rolled-back imports: a check of every row, then all-or-nothing with one bad row.
        checked = upload(api, csv_rows("Checked ", SPILLING_ROWS), check="true")
        assert (checked.status_code, checked.json()["created"]) == (200, SPILLING_ROWS)
        refused = upload(api, csv_rows("Refused ", SPILLING_ROWS, bad=True), mode="all")
        assert (refused.status_code, refused.json()["created"], refused.json()["failed"]) == (200, 0, 1)
        # Confirmed writes of every kind: an import, a bulk create, single creates.
        imported = upload(api, csv_rows("Imported ", 30), mode="all")
        assert (imported.status_code, imported.json()["created"]) == (200, 30)
        bulk = api.post(records("customers") + ":bulk", json={"records": [{"name": f"Bulk {i}"} for i in range(20)]})
        assert bulk.status_code == 201, bulk.text
        for i in range(10):
            assert api.post(records("customers"), json={"name": f"Single {i}"}).status_code == 201
        confirmed = stored_names(api)
    assert len(confirmed) == 60

    restart()  # kill -9 while idle
    with client() as api:
        assert stored_names(api) == confirmed
        # An all-or-nothing import killed after its first batches were written.
        with api.stream("POST", records("customers") + ":import", params={"stream": "1"},
                        files={"file": ("customers.csv", csv_rows("Killed ", SPILLING_ROWS))},
                        data={"mode": "all"}) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                if json.loads(line).get("done", 0) >= 1000:
                    break
            restart()
    with client() as api:
        assert stored_names(api) == confirmed
        assert api.post(records("customers"), json={"name": "After"}).status_code == 201
