"""A request's statements are cancelled past the statement timeout (PostgreSQL: SET LOCAL
statement_timeout; SQLite: a progress handler with a deadline), answered with 503 and
Retry-After, and the server carries on."""

import pytest
from fastapi import Request
from sqlalchemy import text
from starlette.testclient import TestClient

from brickwork.app import create_app
from brickwork.platform.http.deps import work
from brickwork.platform.settings import load_settings

# Counts to a billion: minutes of work on either database, unless it is stopped.
SLOW = text("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000000000) "
            "SELECT count(*) FROM c")


@pytest.fixture
def bounded(tmp_path, database_url, engine, admin_token):
    settings = load_settings(data_dir=tmp_path / "bounded", database_url=database_url, statement_timeout=0.3)
    app = create_app(settings)

    @app.get("/test/slow")
    def slow(request: Request) -> dict:
        with work(request, read_only=True) as (session, _who):
            return {"count": session.execute(SLOW).scalar()}

    with TestClient(app, headers={"Authorization": f"Bearer {admin_token}", "Accept-Language": "en"}) as client:
        yield client


def test_a_statement_past_the_timeout_is_503_with_retry_after(bounded):
    response = bounded.get("/test/slow")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    assert response.json()["code"] == "timeout"
    assert response.json()["title"] == "This took too long and was stopped."
    # The connection it ran on serves the next requests as usual.
    for _ in range(3):
        assert bounded.get("/api/v1/me").status_code == 200


def test_the_chinese_answer(bounded):
    response = bounded.get("/test/slow", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 503
    assert response.json()["title"] != "This took too long and was stopped."
