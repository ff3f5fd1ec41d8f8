"""Real processes: `brickwork serve` runs the jobs itself on SQLite; on PostgreSQL two web
processes and two `brickwork worker`s deliver 2,000 record changes exactly once in effect,
in order per record, across a kill -9 of a worker."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import httpx2
import pytest
from sqlalchemy import func, select

from brickwork.platform.db import transaction
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.jobs.queue import pending_count
from brickwork.platform.models import OutboxEvent
from tests.engines.form.helpers import field, form, publish, records
from tests.live_server import LiveServer, Worker
from tests.platform.jobs.seen import SEEN, seen_meta
from tests.support.databases import PG_URL

PLUGIN = {"BRICKWORK_PLUGINS": "tests.platform.jobs.plugin"}
ITEMS = form("items", field("i_title", "text", "title"), field("i_n", "number", "n"))
URL = records("items")


def client(server: LiveServer, token: str) -> httpx2.Client:
    return httpx2.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def record_events(sessions) -> list[tuple[str, str]]:
    with sessions() as s:
        return [(key, f"{payload['form']}/{payload['id']}") for key, payload in s.execute(
            select(OutboxEvent.key, OutboxEvent.payload).where(OutboxEvent.topic.like("record.%"))
            .order_by(OutboxEvent.id))]


def applied(engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(r.event_key, r.record) for r in conn.execute(
            select(SEEN).where(SEEN.c.subscriber == "tests.plugin").order_by(SEEN.c.id))]


def wait_for_all(engine, sessions, expected: int, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with engine.connect() as conn:
            done = conn.scalar(select(func.count()).select_from(SEEN))
        if done >= expected:
            time.sleep(1)  # anything applied twice would show up now
            return
        assert time.monotonic() < deadline, f"{done} of {expected} events applied"
        time.sleep(0.25)


def assert_once_in_order(engine, sessions) -> None:
    events, seen = record_events(sessions), applied(engine)
    keys = [k for k, _ in seen]
    assert len(keys) == len(set(keys)), "an event was applied twice"
    assert sorted(keys) == sorted(k for k, _ in events), "an event was lost"
    emitted, got = defaultdict(list), defaultdict(list)
    for key, record in events:
        emitted[record].append(key)
    for key, record in seen:
        got[record].append(key)
    assert got == emitted  # per record, in the order they happened


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's one-command set-up")
def test_serve_alone_delivers_events_on_sqlite(tmp_path, database_url, engine, sessions):
    seen_meta.create_all(engine)
    with transaction(sessions) as s:
        from brickwork.platform.identity.users import create_user
        create_user(s, "ops", "ops-password-123", is_admin=True)
        token = create_token(s, "ops", "t")[1]
    server = LiveServer(tmp_path / "data", database_url, extra_env=PLUGIN)
    try:
        with client(server, token) as api:
            assert publish(api, ITEMS).status_code == 200
            made = api.post(f"{URL}:bulk", json={"records": [{"title": f"i{i}"} for i in range(50)]})
            assert made.status_code == 201
            for item in made.json()["items"][:10]:
                assert api.patch(f"{URL}/{item['id']}", json={"n": 1, "version": item["version"]}).status_code == 200
        wait_for_all(engine, sessions, 60, seconds=60)
        assert_once_in_order(engine, sessions)
    finally:
        server.stop()


@pytest.mark.skipif(not PG_URL, reason="scale-out runs on PostgreSQL")
def test_two_web_processes_and_two_workers_apply_2000_changes_once_in_order(tmp_path, database_url, engine,
                                                                               sessions):
    seen_meta.create_all(engine)
    with transaction(sessions) as s:
        from brickwork.platform.identity.users import create_user
        create_user(s, "ops", "ops-password-123", is_admin=True)
        token = create_token(s, "ops", "t")[1]
    servers = [LiveServer(tmp_path / f"web{i}", database_url, extra_env=PLUGIN) for i in range(2)]
    workers = [Worker(tmp_path / "w", database_url, f"worker{i}", extra_env=PLUGIN) for i in range(2)]
    try:
        with client(servers[0], token) as api:
            assert publish(api, ITEMS).status_code == 200
            made = api.post(f"{URL}:bulk", json={"records": [{"title": f"i{i}"} for i in range(400)]})
            assert made.status_code == 201
        items = made.json()["items"]
        errors: list[str] = []

        def update(chunk: list[dict], server: LiveServer) -> None:
            with client(server, token) as api:
                for item in chunk:  # four changes per record, one after another
                    version = item["version"]
                    for n in range(4):
                        answer = api.patch(f"{URL}/{item['id']}", json={"n": n, "version": version})
                        if answer.status_code != 200:
                            errors.append(answer.text)
                            return
                        version = answer.json()["version"]

        threads = [threading.Thread(target=update, args=(items[i::8], servers[i % 2])) for i in range(8)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(applied(engine)) < 200:  # the workers are busy with the batch
            assert time.monotonic() < deadline, "no deliveries"
            time.sleep(0.1)
        with sessions() as s:
            assert pending_count(s) > 0
        workers[0].kill()  # in the middle of the batch
        workers[0] = Worker(tmp_path / "w", database_url, "worker0-again", extra_env=PLUGIN)
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        wait_for_all(engine, sessions, 2000, seconds=240)
        assert_once_in_order(engine, sessions)
    finally:
        for process in (*workers, *servers):
            process.stop()
