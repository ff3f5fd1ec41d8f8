"""Shared fixtures. Each test gets a database of its own at the head revision: a new SQLite
file, or a PostgreSQL schema when BRICKWORK_TEST_DATABASE_URL points at a server (see
tests/support/databases.py)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from brickwork.app import create_app
from brickwork.platform import migrate
from brickwork.platform.db import make_engine, make_sessionmaker, transaction, utcnow
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from brickwork.platform.jobs.embedded import EmbeddedWorker
from brickwork.platform.jobs.queue import pending_count
from brickwork.platform.jobs.worker import prepare, run_to_end
from brickwork.platform.settings import Settings, load_settings
from tests.support import databases
from tests.support.jobs import time_passes

ADMIN_PASSWORD = "admin-password-1"


@pytest.fixture(scope="session", autouse=True)
def _databases_of_the_process():
    yield
    databases.close()


@pytest.fixture
def database_url(request, tmp_path: Path) -> Iterator[str]:
    """A database at the head revision (a copy of a migrated file, or a pooled schema); an
    empty one for a test marked ``empty_database``."""
    migrated = request.node.get_closest_marker("empty_database") is None
    with databases.database(tmp_path, migrated) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # No in-process worker: tests of jobs run them explicitly (tests/platform/jobs).
    return load_settings(data_dir=tmp_path / "data", database_url=database_url, worker=False)


@pytest.fixture
def engine(settings: Settings):
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    return make_sessionmaker(engine)


@pytest.fixture
def app(settings: Settings, engine):
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, headers={"Accept-Language": "en"}) as client:
        yield client


@pytest.fixture
def admin(sessions):
    with transaction(sessions) as session:
        return create_user(session, "admin", ADMIN_PASSWORD, is_admin=True)


@pytest.fixture
def admin_token(sessions, admin) -> str:
    with transaction(sessions) as session:
        return create_token(session, "admin", "tests")[1]


@pytest.fixture
def api(client: TestClient, admin_token: str) -> TestClient:
    """The client, authenticated as the administrator with a bearer token."""
    client.headers["Authorization"] = f"Bearer {admin_token}"
    return client


# --- Browser tests: Debian's Chromium driven by Playwright, against a real `brickwork serve`.

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("BRICKWORK_REQUIRE_BROWSER") == "1":
            pytest.fail("BRICKWORK_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server(tmp_path: Path, database_url: str):
    """`brickwork serve --migrate` in its own process, as `make run` starts it."""
    from tests.live_server import LiveServer

    server = LiveServer(tmp_path / "data", database_url)
    yield server
    server.stop()


@pytest.fixture
def shot(request):
    """Save a screenshot into test-artifacts/ under the test's name."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, step: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{step}.png"), full_page=True)

    return take


PROVOKED = re.compile(r"Failed to load resource: the server responded with a status of (409|422) ")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def live_api(live_server, database_url: str):
    """An HTTP client of the live server, signed in as its administrator with a bearer token:
    for setting up what a browser test starts from (apps, forms, records)."""
    import httpx2

    engine = make_engine(database_url)
    with transaction(make_sessionmaker(engine)) as session:
        token = create_token(session, "admin", "browser tests")[1]
    engine.dispose()
    with httpx2.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"},
                       timeout=30) as client:
        yield client


@pytest.fixture
def signed_in(browser, live_server):
    """``signed_in(locale="en", phone=False)``: a new page of a new browser context, signed in
    as the administrator. Script errors and CSP violations are collected in ``page.errors``;
    the browser's own line for a refusal a test provokes (a 409 or 422 answer) is not one."""
    contexts = []

    def open_page(locale: str = "en", phone: bool = False):
        context = browser.new_context(locale=locale, **(PHONE if phone else {}))
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on("console", lambda msg: page.errors.append(msg.text)
                if msg.type == "error" and not PROVOKED.match(msg.text) else None)
        page.goto(f"{live_server.url}/login")
        page.locator("input[name=username]").fill("admin")
        page.locator("input[name=password]").fill(live_server.admin_password())
        page.locator("form[action='/login'] button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


DRAIN_ROUNDS = 200  # each runs every job due; a job still left after that never finishes


@pytest.fixture
def drain(settings, engine, sessions):
    """``drain()`` runs the test database's jobs with its real queue (the embedded table on
    SQLite, procrastinate on PostgreSQL) until none is left waiting, retries included: when
    nothing is due yet, the time a job waits for (a retry's backoff, a deferral) passes by
    moving its time, never by sleeping. ``drain(due_only=True)`` stops once no job due now is
    left: one deferred for later (a reminder in 48 hours, a journey's next day) stays."""
    prepare(settings, sessions)

    def run(due_only: bool = False) -> None:
        left = None
        for _round in range(DRAIN_ROUNDS):
            if engine.dialect.name == "sqlite":
                EmbeddedWorker(sessions).run_pending()
            else:
                from brickwork.platform.jobs.postgres import run_worker

                run_to_end(lambda: run_worker(settings.database_url, sessions, 2, wait=False))
            with sessions() as session:
                waiting = pending_count(session, due_by=utcnow() if due_only else None)
            if waiting == 0:
                return
            if not due_only and left is not None and waiting >= left:  # stuck on a wait (or a job it holds back)
                time_passes(engine)
            left = waiting
        pytest.fail(f"jobs were still waiting after {DRAIN_ROUNDS} rounds of the worker: a job never finishes")
    return run


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port; ``smtp.inbox.messages``."""
    from tests.connectors.smtp_server import SmtpServer

    server = SmtpServer()
    server.start()
    yield server
    server.stop()
