"""Connections per app: secrets sealed and write-only, admins only, audited; deliveries
applied once per idempotency key, retried with backoff, failures in the run log without
secrets; nothing of a connection in the app file."""

from __future__ import annotations

from sqlalchemy import select

from brickwork.connectors.delivery import TASK, enqueue
from brickwork.platform.db import transaction
from brickwork.platform.jobs import Retry
from brickwork.platform.jobs.registry import get_task
from brickwork.platform.models import AuditEntry, Connection, ConnectionDelivery, JobRun

APP = "/api/v1/apps/crm"
TOKEN = "tok-9f8e7d6c5b4a"


def _app(api) -> None:
    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201


def _echo(api, **settings) -> dict:
    made = api.post(f"{APP}/connections", json={"key": "echo", "connector": "tests_echo", "label": "Echo",
                                                "settings": {"target": "room 1", "token": TOKEN, **settings}})
    assert made.status_code == 201, made.text
    return made.json()


def test_secrets_are_sealed_and_never_returned(api, sessions, echoes):
    _app(api)
    made = _echo(api)
    assert made["secrets"] == {"token": "set"} and made["settings"] == {"target": "room 1"}
    for response in (api.get(f"{APP}/connections"), api.get(f"{APP}/connections/echo"), api.get("/api/v1/audit")):
        assert TOKEN not in response.text
    with sessions() as session:
        row = session.scalar(select(Connection))
        assert TOKEN not in str(row.secrets) and row.secrets["token"]
        assert all(TOKEN not in str(a.changes) for a in session.scalars(select(AuditEntry)))
    # A change without the secret keeps it; an empty one clears it.
    kept = api.patch(f"{APP}/connections/echo", json={"version": 1, "settings": {"target": "room 2"}}).json()
    assert kept["secrets"] == {"token": "set"} and kept["settings"]["target"] == "room 2"
    assert api.post(f"{APP}/connections/echo:test").json() == {"ok": True, "message": "sent"}
    assert echoes.SENT == [{"text": "test"}]
    cleared = api.patch(f"{APP}/connections/echo", json={"version": 2, "settings": {"token": ""}}).json()
    assert cleared["secrets"] == {"token": "not_set"}


def test_a_failed_test_tells_why_without_the_secret(api, echoes):
    _app(api)
    _echo(api)
    echoes.DOWN.append(True)
    failed = api.post(f"{APP}/connections/echo:test")
    assert failed.status_code == 422 and "refused" in failed.text and TOKEN not in failed.text


def test_stale_and_bad_changes_are_refused(api, echoes):
    _app(api)
    _echo(api)
    assert api.patch(f"{APP}/connections/echo", json={"version": 7, "settings": {}}).status_code == 409
    assert api.post(f"{APP}/connections", json={"key": "echo", "connector": "tests_echo"}).status_code == 409
    bad = api.post(f"{APP}/connections", json={"key": "Bad Key", "connector": "nope"})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"key"}
    trailing = api.post(f"{APP}/connections", json={"key": "echo2\n", "connector": "tests_echo"})
    assert trailing.status_code == 422 and trailing.json()["errors"][0]["field"] == "key"
    unknown = api.post(f"{APP}/connections", json={"key": "x", "connector": "nope"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "connector"
    typed = api.post(f"{APP}/connections", json={"key": "y", "connector": "tests_echo", "settings": {"target": []}})
    assert typed.status_code == 422 and typed.json()["errors"][0]["field"] == "settings.target"
    assert api.delete(f"{APP}/connections/echo").status_code == 204
    assert api.get(f"{APP}/connections/echo").status_code == 404


def test_only_the_apps_admins_see_connections(api, member, echoes):
    _app(api)
    _echo(api)
    assert member.get(f"{APP}/connections").status_code == 403
    assert member.post(f"{APP}/connections/echo:test").status_code == 403
    assert member.post(f"{APP}/connections", json={"key": "z", "connector": "tests_echo"}).status_code == 403


def test_the_app_file_holds_no_connection(api, echoes):
    _app(api)
    _echo(api)
    exported = api.get(f"{APP}:export")
    assert exported.status_code == 200 and TOKEN not in exported.text and "tests_echo" not in exported.text


def _enqueue(sessions, key: str, text: str) -> bool:
    with transaction(sessions) as session:
        row = session.scalar(select(Connection))
        return enqueue(session, row, {"text": text}, key, {"text": text})


def test_one_key_sends_once(api, sessions, drain, echoes):
    _app(api)
    _echo(api)
    assert _enqueue(sessions, "k1", "hello") is True
    assert _enqueue(sessions, "k1", "hello again") is False
    drain()
    assert echoes.SENT == [{"text": "hello", "idempotency_key": "k1"}]  # handed on to the service
    with sessions() as session:
        sent = session.scalar(select(ConnectionDelivery))
        assert (sent.status, sent.summary) == ("sent", {"text": "hello", "echoed": "hello"})


def test_failures_retry_with_backoff_in_the_run_log_then_send_once(api, sessions, drain, run_due, echoes,
                                                                  monkeypatch):
    _app(api)
    _echo(api)
    monkeypatch.setattr(get_task(TASK), "retry", Retry(attempts=5, base=0.2, factor=2))
    echoes.DOWN.append(True)
    _enqueue(sessions, "k2", "urgent")
    run_due()
    with sessions() as session:
        runs = list(session.scalars(select(JobRun).where(JobRun.task == TASK)))
    assert runs and runs[0].outcome == "retrying" and "refused" in runs[0].error and TOKEN not in runs[0].error
    echoes.DOWN.clear()
    drain()
    assert [m["text"] for m in echoes.SENT] == ["urgent"]


def test_the_rate_limit_defers_instead_of_dropping(api, sessions, run_due, echoes):
    _app(api)
    _echo(api)
    for n in range(5):
        _enqueue(sessions, f"r{n}", f"m{n}")
    run_due()  # three in the window; the other two wait for it (a minute): still queued, not lost
    assert [m["text"] for m in echoes.SENT] == ["m0", "m1", "m2"]
    with sessions() as session:
        statuses = sorted(d.status for d in session.scalars(select(ConnectionDelivery)))
    assert statuses == ["queued", "queued", "sent", "sent", "sent"]


def test_the_daily_pruning_drops_old_finished_deliveries_and_keeps_waiting_ones(api, sessions, echoes):
    from datetime import timedelta

    from brickwork.platform.db import utcnow
    from brickwork.platform.jobs.prune import prune

    _app(api)
    _echo(api)
    for key in ("old-sent", "old-waiting", "new-sent"):
        _enqueue(sessions, key, key)
    with transaction(sessions) as session:
        for row in session.scalars(select(ConnectionDelivery)):
            row.status = "queued" if row.key == "old-waiting" else "sent"
            if row.key.startswith("old"):
                row.created_at = utcnow() - timedelta(days=31)
    with transaction(sessions) as session:
        assert prune(session, 30, 30)["deliveries"] == 1
    with sessions() as session:
        assert sorted(session.scalars(select(ConnectionDelivery.key))) == ["new-sent", "old-waiting"]
