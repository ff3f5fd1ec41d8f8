"""Writers under concurrency, and what each write no longer reads afresh (issue 19, decision 0039):
writers of one process queue in order on SQLite; a revoke, a publish and a new webhook are
seen by the very next request, in this process and in another one."""

from __future__ import annotations

import threading

import httpx2 as httpx
import pytest
from sqlalchemy import text

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.platform.db import transaction, writer_queue
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user, principal_for
from brickwork.platform.jobs.queue import pending_count
from tests.engines.form.helpers import field, form, publish, records
from tests.live_server import LiveServer
from tests.support.waiting import wait_for

NOTES = form("notes", field("n1", "text", "title"), field("n2", "number", "amount"))


def test_sixteen_writers_at_once_all_commit_with_no_database_is_locked(api, sessions, admin):
    assert publish(api, NOTES).status_code == 200
    failures: list[BaseException] = []

    def write(slot: int) -> None:
        try:
            for i in range(5):
                with transaction(sessions) as session:
                    RecordService(session, load_form(session, "crm", "notes"), principal_for(session, admin.id)) \
                        .create({"title": f"writer {slot} note {i}", "amount": str(i)})
        except BaseException as exc:  # noqa: BLE001 - every failure is reported below
            failures.append(exc)

    writers = [threading.Thread(target=write, args=(slot,)) for slot in range(16)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    assert failures == []
    listed = api.get(records("notes"), params={"limit": 100}).json()
    assert listed["total"] == 80


def test_sqlite_writers_of_one_process_commit_in_the_order_they_came(engine, sessions):
    if engine.dialect.name != "sqlite":
        pytest.skip("the writer queue is SQLite's; PostgreSQL locks rows, not the database")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE arrivals (n INTEGER)"))
    queue = writer_queue(engine.url.database)
    first_in, let_go = threading.Event(), threading.Event()

    def first() -> None:
        with transaction(sessions) as session:
            session.execute(text("INSERT INTO arrivals VALUES (0)"))
            first_in.set()
            let_go.wait(30)

    def later(n: int) -> None:
        with transaction(sessions) as session:
            session.execute(text("INSERT INTO arrivals VALUES (:n)"), {"n": n})

    writers = [threading.Thread(target=first)]
    writers[0].start()
    assert first_in.wait(30)
    for n in range(1, 12):  # each one starts once the one before waits its turn (the pool holds 15)
        writers.append(threading.Thread(target=later, args=(n,)))
        writers[-1].start()
        wait_for(lambda n=n: queue.waiting >= n, 30, f"writer {n} never took its place in the queue", every=0.005)
        assert queue.waiting == n
    let_go.set()
    for t in writers:
        t.join()
    with engine.connect() as conn:
        assert [n for (n,) in conn.execute(text("SELECT n FROM arrivals ORDER BY rowid"))] == list(range(12))


def test_a_revoked_token_is_refused_on_the_very_next_request(api, client, sessions, admin):
    with transaction(sessions) as session:
        row, token = create_token(session, "admin", "script")
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200  # now known to this process
    assert api.delete(f"/api/v1/users/{admin.id}/tokens/{row.id}").status_code == 204
    refused = client.get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_a_deactivated_persons_token_is_refused_on_the_very_next_request(api, client, sessions):
    with transaction(sessions) as session:
        person = create_user(session, "sun", "password-1")
        token = create_token(session, "sun", "script")[1]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    assert api.post(f"/api/v1/users/{person.id}:deactivate").status_code == 200
    assert client.get("/api/v1/me", headers=bearer).status_code == 401


def test_a_formula_published_in_one_process_is_computed_by_the_next_write_in_another(
        tmp_path, database_url, engine, admin_token):
    """Two servers on one database: each keeps the app's computed-field graph, and the
    generation read with the form tells the second one of the first one's publish."""
    first = LiveServer(tmp_path / "one" / "data", database_url)
    second = LiveServer(tmp_path / "two" / "data", database_url)
    try:
        one = httpx.Client(base_url=first.url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60)
        two = httpx.Client(base_url=second.url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60)
        assert publish(one, NOTES).status_code == 200
        made = two.post(records("notes"), json={"title": "before", "amount": "21"})
        assert made.status_code == 201, made.text  # the second server now keeps the app's graph
        assert "double" not in made.json()
        doubled = form("notes", *NOTES["fields"], field("n3", "formula", "double", formula="amount * 2"))
        assert publish(one, doubled).status_code == 200
        after = two.post(records("notes"), json={"title": "after", "amount": "21"})
        assert after.status_code == 201, after.text
        assert after.json()["double"] == "42.00"
    finally:
        first.stop()
        second.stop()


@pytest.fixture
def loopback_allowed(monkeypatch):
    """Set before the app is made: its connectors read the allow-list then."""
    monkeypatch.setenv("BRICKWORK_HTTP_ALLOW_HOSTS", "127.0.0.1")


def test_a_webhook_added_is_told_of_the_very_next_write(loopback_allowed, api, sessions):
    """Whether anyone listens to an app's writes is kept; a new webhook renews the app's
    generation, so the next write defers its delivery."""
    assert publish(api, NOTES).status_code == 200
    assert api.post(records("notes"), json={"title": "unheard"}).status_code == 201  # nobody listens yet
    with transaction(sessions) as session:
        assert pending_count(session) == 0
    hook = api.post("/api/v1/apps/crm/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["record.*"]})
    assert hook.status_code == 201, hook.text
    assert api.post(records("notes"), json={"title": "heard"}).status_code == 201
    with transaction(sessions) as session:
        assert pending_count(session) == 1
