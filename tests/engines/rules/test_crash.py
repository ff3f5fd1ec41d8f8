"""kill -9 of a `brickwork worker` in the middle of a rule's actions loses nothing and
applies nothing twice: the rule creates a task, calls a slow loopback HTTP receiver, then
rings the bell; the worker is killed while the receiver holds the call of one deal; a new
worker finishes the work. Every won deal has exactly one task, one notification and one run;
the interrupted call is made again with the same Idempotency-Key, so the receiving system
can tell it is the same one (real processes, real database: SQLite or PostgreSQL)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import func, select

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.storage import column_name
from brickwork.platform.jobs.queue import pending_count
from brickwork.platform.models import Notification, RuleRun, User
from tests.connectors.smtp_server import free_port
from tests.engines.form.helpers import field, form, publish
from tests.engines.rules.helpers import DEALS_URL, edit, eq, publish_rule, rule, setup_forms
from tests.live_server import Worker
from tests.support.waiting import wait_for

TASKS = form("tasks", field("t_title", "text", "title"))
DEALS = 6
HELD = 3  # the receiver holds the third call it gets until the worker making it is killed


class SlowReceiver:
    """A loopback HTTP endpoint that keeps each call's Idempotency-Key and holds one call open."""

    def __init__(self) -> None:
        self.port = free_port()
        self.keys: list[str] = []
        self.held = threading.Event()  # the held call has arrived
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.keys.append(self.headers.get("Idempotency-Key", ""))
                if len(receiver.keys) == HELD:
                    receiver.held.set()
                    receiver.release.wait(120)
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    found = SlowReceiver()
    yield found
    found.stop()



def test_kill_9_during_a_rules_actions_loses_nothing_and_applies_nothing_twice(
        api, sessions, database_url, tmp_path, receiver):
    setup_forms(api)
    assert publish(api, TASKS).status_code == 200
    with sessions() as s:
        admin = s.scalar(select(User.id).where(User.username == "admin"))
    published = publish_rule(api, rule("won_follow_up", {"type": "record.updated", "form": "deals"}, [
        {"type": "create_record", "form": "tasks", "values": {"title": {"ref": "name"}}},
        {"type": "http_call", "method": "POST", "url": f"http://127.0.0.1:{receiver.port}/erp/won",
         "body": '{"deal": {{ raw.name|tojson }}}', "timeout": 30},
        {"type": "notify", "text": {"ref": "name"}, "users": [admin]}], condition=eq("stage", "Won")))
    assert published.status_code == 200, published.text
    names = [f"Deal {i}" for i in range(DEALS)]
    for name in names:  # the test's own app runs no jobs: the events wait for a worker
        made = api.post(DEALS_URL, json={"name": name, "stage": "Lead"}).json()
        edit(api, made["id"], stage="Won")

    env = {"BRICKWORK_HTTP_ALLOW_HOSTS": "127.0.0.1"}
    worker = Worker(tmp_path / "data", database_url, "worker", extra_env=env)
    try:
        assert receiver.held.wait(120), "no call reached the receiver"
        worker.kill()  # in the middle of the run: its task is written, its call is out, no bell yet
        receiver.release.set()
        with sessions() as s:
            assert pending_count(s) > 0
        worker = Worker(tmp_path / "data", database_url, "worker-again", extra_env=env)

        def done() -> bool:
            with sessions() as s:
                return pending_count(s) == 0 and s.scalar(select(func.count()).select_from(RuleRun)) >= DEALS
        wait_for(done, 240, "the new worker did not finish the work")
        time.sleep(1)  # anything applied twice would show now
    finally:
        worker.stop()

    with sessions() as s:
        tasks = load_form(s, "crm", "tasks")
        title = tasks.table.c[column_name(tasks.by_key["title"].id)]
        titles = sorted(s.scalars(select(title).where(tasks.table.c.deleted_at.is_(None))))
        told = sorted(s.scalars(select(Notification.text).where(Notification.user_id == admin)))
        runs = list(s.scalars(select(RuleRun).where(RuleRun.rule == "won_follow_up")))
    assert titles == sorted(names)  # one task per won deal: none lost, none twice
    assert told == sorted(names)  # one bell per deal
    assert sorted(r.status for r in runs) == ["succeeded"] * DEALS
    assert len({r.event_key for r in runs}) == DEALS
    # Each deal's call carries its own key; the interrupted one came again with the same key.
    assert len(set(receiver.keys)) == DEALS
    assert len(receiver.keys) > DEALS and receiver.keys.count(receiver.keys[HELD - 1]) >= 2
