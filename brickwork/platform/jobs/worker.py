"""Starting workers: the embedded one inside the web process on SQLite, procrastinate's
with ``brickwork worker`` on PostgreSQL. Both load the plugins first
(``BRICKWORK_PLUGINS``), so subscribers registered there are known where jobs run."""

from __future__ import annotations

import asyncio
import importlib
import threading

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform import clock, i18n
from brickwork.platform.db import transaction
from brickwork.platform.jobs import prune
from brickwork.platform.jobs.embedded import EmbeddedWorker
from brickwork.platform.settings import ConfigError, Settings


def load_plugins(names: str) -> None:
    """Import each module of a comma-separated list; they register subscribers and tasks."""
    for name in filter(None, (n.strip() for n in names.split(","))):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"BRICKWORK_PLUGINS: cannot import {name}: {exc}") from None


def prepare(settings: Settings, sessions: sessionmaker[Session]) -> None:
    """What every worker does at start: plugins, time zone, the built-in pruning schedule."""
    load_plugins(settings.plugins)
    clock.configure(settings.zone)
    i18n.configure_default(settings.default_locale)
    with transaction(sessions) as session:
        prune.ensure_schedule(session, settings.events_retention_days, settings.runs_retention_days)


def start_embedded(settings: Settings, engine: Engine, sessions: sessionmaker[Session]) -> EmbeddedWorker | None:
    """The in-process worker of ``brickwork serve``, on SQLite when ``BRICKWORK_WORKER`` is on."""
    if engine.dialect.name != "sqlite" or not settings.worker:
        return None
    prepare(settings, sessions)
    worker = EmbeddedWorker(sessions)
    worker.start()
    return worker


def run_forever(settings: Settings, engine: Engine, sessions: sessionmaker[Session], concurrency: int,
                wait: bool = True) -> None:
    """``brickwork worker``: procrastinate on PostgreSQL; the embedded worker on SQLite (for
    a web process started with ``BRICKWORK_WORKER=off``)."""
    prepare(settings, sessions)
    if engine.dialect.name == "postgresql":
        from brickwork.platform.jobs.postgres import run_worker

        run_to_end(lambda: run_worker(settings.database_url, sessions, concurrency, wait=wait))
        return
    worker = EmbeddedWorker(sessions)
    if not wait:
        worker.recover()
        worker.run_pending()
        return
    worker.start()
    worker.wait()


def run_to_end(make_coroutine) -> None:
    """Run a coroutine to its end in an event loop of its own: on another thread when this
    one already runs a loop (a program embedding the worker, or a test beside a browser)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(make_coroutine())
        return
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(make_coroutine())
        except BaseException as exc:  # handed back to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="brickwork-worker")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
