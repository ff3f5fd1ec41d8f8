"""`brickwork serve` as an operator runs it."""

import json
import urllib.request

from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.identity.tokens import create_token
from tests.live_server import LiveServer


def call(url: str, token: str, method: str = "GET", body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return response.status, json.loads(response.read())


def test_several_web_processes_share_one_database(tmp_path, database_url):
    server = LiveServer(tmp_path / "data", database_url, extra_env={"BRICKWORK_ADMIN_PASSWORD": "first-password"},
                        workers=2)
    try:
        engine = make_engine(database_url)
        with transaction(make_sessionmaker(engine)) as session:
            token = create_token(session, "admin")[1]
        engine.dispose()
        for key in ("one", "two", "three", "four"):
            assert call(f"{server.url}/api/v1/apps", token, "POST", {"key": key, "label": {"en": key}})[0] == 201
        status, apps = call(f"{server.url}/api/v1/apps", token)
        assert status == 200 and [a["key"] for a in apps] == ["one", "two", "three", "four"]
        assert "BRICKWORK_ADMIN_PASSWORD" in server.output()
        assert "GET /api/v1/apps" not in server.output()  # the access log is opt-in
    finally:
        server.stop()


def test_the_access_log_when_asked_for(tmp_path, database_url):
    server = LiveServer(tmp_path / "data", database_url, access_log=True)
    try:
        urllib.request.urlopen(f"{server.url}/healthz").read()
        assert "GET /healthz" in server.output()
    finally:
        server.stop()
