"""Real processes: on PostgreSQL a web process and two `brickwork worker`s deliver 1,000
record changes to a loopback subscriber that verifies each with the Standard Webhooks
reference library; one worker is killed with kill -9 in the middle. Nothing is lost, and
each record's messages arrive in the order its changes happened. On SQLite, `brickwork
serve` alone delivers a smaller batch."""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict

import httpx2
import pytest
from sqlalchemy import select

from brickwork.platform.db import transaction
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import OutboxEvent
from tests.engines.form.helpers import APP, field, form, publish, records
from tests.live_server import LiveServer, Worker
from tests.support.databases import PG_URL

ITEMS = form("items", field("i_title", "text", "title"), field("i_n", "number", "n"))
URL = records("items")


def token_for(sessions) -> str:
    with transaction(sessions) as s:
        create_user(s, "ops", "ops-password-123", is_admin=True)
        return create_token(s, "ops", "t")[1]


def client(server: LiveServer, token: str) -> httpx2.Client:
    return httpx2.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def emitted(sessions, sub_id: int) -> dict[str, list[str]]:
    """Per record, the webhook-ids its changes should produce, in the order they happened."""
    found = defaultdict(list)
    with sessions() as s:
        for key, payload in s.execute(select(OutboxEvent.key, OutboxEvent.payload)
                                      .where(OutboxEvent.topic.like("record.%")).order_by(OutboxEvent.id)):
            found[f"{payload['form']}/{payload['id']}"].append(f"msg_{key}_{sub_id}")
    return found


def wait_for(receiver, expected: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while len(receiver.unique()) < expected:
        assert time.monotonic() < deadline, f"{len(receiver.unique())} of {expected} delivered"
        time.sleep(0.25)
    time.sleep(1)  # anything extra would show up now


def assert_all_in_order(receiver, sessions, sub_id: int, expected: int) -> None:
    assert receiver.refused == 0
    got = receiver.unique()
    assert len(got) == expected
    arrived = defaultdict(list)
    for m in got:
        data = m["body"]["data"]
        arrived[f"{data['form']}/{data['id']}"].append(m["id"])
    assert arrived == emitted(sessions, sub_id)  # none lost, none extra, in order per record


def subscribe(api, receiver) -> int:
    made = api.post(f"{APP}/webhooks", json={"url": receiver.url, "events": ["record.*"], "form": "items"})
    assert made.status_code == 201, made.text
    receiver.secrets.append(made.json()["secret"])
    return made.json()["id"]


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's one-command set-up")
def test_serve_alone_delivers_webhooks_on_sqlite(tmp_path, database_url, sessions, receiver):
    token = token_for(sessions)
    server = LiveServer(tmp_path / "data", database_url)
    try:
        with client(server, token) as api:
            assert publish(api, ITEMS).status_code == 200
            sub_id = subscribe(api, receiver)
            made = api.post(f"{URL}:bulk", json={"records": [{"title": f"i{i}"} for i in range(60)]})
            assert made.status_code == 201
            for item in made.json()["items"][:20]:
                version = item["version"]
                for n in range(2):
                    version = api.patch(f"{URL}/{item['id']}", json={"n": n, "version": version}).json()["version"]
        wait_for(receiver, 100, seconds=90)
        assert_all_in_order(receiver, sessions, sub_id, 100)
    finally:
        server.stop()


@pytest.mark.skipif(not PG_URL, reason="scale-out runs on PostgreSQL")
def test_1000_deliveries_verified_in_order_across_a_worker_kill(tmp_path, database_url, sessions, receiver):
    token = token_for(sessions)
    env = {"BRICKWORK_SECRET_KEY": secrets.token_urlsafe(48)}  # one installation: one key everywhere
    server = LiveServer(tmp_path / "web", database_url, extra_env=env)
    workers = [Worker(tmp_path / "w", database_url, f"worker{i}", extra_env=env) for i in range(2)]
    try:
        with client(server, token) as api:
            assert publish(api, ITEMS).status_code == 200
            sub_id = subscribe(api, receiver)
            made = api.post(f"{URL}:bulk", json={"records": [{"title": f"i{i}"} for i in range(250)]})
            assert made.status_code == 201
        items, errors = made.json()["items"], []

        def update(chunk: list[dict]) -> None:
            with client(server, token) as api:
                for item in chunk:  # three changes per record, one after another
                    version = item["version"]
                    for n in range(3):
                        answer = api.patch(f"{URL}/{item['id']}", json={"n": n, "version": version})
                        if answer.status_code != 200:
                            errors.append(answer.text)
                            return
                        version = answer.json()["version"]

        threads = [threading.Thread(target=update, args=(items[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(receiver.unique()) < 200:  # the workers are busy delivering
            assert time.monotonic() < deadline, "no deliveries"
            time.sleep(0.1)
        workers[0].kill()  # in the middle of it
        workers[0] = Worker(tmp_path / "w", database_url, "worker0-again", extra_env=env)
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        wait_for(receiver, 1000, seconds=240)
        assert_all_in_order(receiver, sessions, sub_id, 1000)
    finally:
        for process in (*workers, server):
            process.stop()
