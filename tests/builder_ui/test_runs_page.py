"""The run log page: administrators only, filters that keep to their choices, a retry that
refuses what is not a dead letter."""

from sqlalchemy import select

from brickwork.platform.db import transaction
from brickwork.platform.identity.users import create_user
from brickwork.platform.jobs import Retry, subscribe, unsubscribe
from brickwork.platform.models import JobRun
from tests.engines.form.helpers import field, form, publish, records
from tests.platform.http.test_csrf import form_token, sign_in
from tests.platform.jobs.seen import seen_meta


def test_only_administrators_see_the_run_log(client, sessions, admin):
    with transaction(sessions) as session:
        create_user(session, "clerk", "clerk-password-123")
    token = form_token(client)
    client.post("/login", data={"username": "clerk", "password": "clerk-password-123", "csrf_token": token})
    page = client.get("/admin/runs")
    assert page.status_code == 403 and "Run log" not in page.text
    assert client.post("/admin/runs/1/retry", data={"csrf_token": form_token(client, "/")}).status_code == 403


def test_the_run_log_filters_and_refuses_to_retry_a_run_that_succeeded(client, api, engine, sessions, admin, drain):
    seen_meta.create_all(engine)
    subscribe("tests.broken", ["record.created"], lambda s, e: 1 / 0, retry=Retry(attempts=1, base=0.01))
    subscribe("tests.fine", ["record.created"], lambda s, e: None)
    try:
        publish(api, form("orders", field("o_title", "text", "title")))
        assert api.post(records("orders"), json={"title": "A"}).status_code == 201
        drain()
    finally:
        unsubscribe("tests.broken")
        unsubscribe("tests.fine")
    api.headers.pop("Authorization")  # the same client: the page needs its session
    sign_in(client)
    failed = client.get("/admin/runs", params={"outcome": "failed", "app": "crm"}).text
    assert "tests.broken" in failed and "ZeroDivisionError" in failed and "tests.fine" not in failed
    assert 'value="failed" selected' in failed
    done = client.get("/admin/runs", params={"outcome": "succeeded"}).text
    assert "tests.fine" in done and "tests.broken" not in done and ">Retry<" not in done
    assert client.get("/admin/runs", params={"outcome": "lost"}).status_code == 422
    with sessions() as session:
        fine = session.scalar(select(JobRun.id).where(JobRun.task == "tests.fine"))
    refused = client.post(f"/admin/runs/{fine}/retry", data={"csrf_token": form_token(client, "/admin/runs")})
    assert refused.status_code == 409 and "Only a failed run can be retried." in refused.text
