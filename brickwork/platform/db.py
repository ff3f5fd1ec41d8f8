"""Engine and sessions. SQLite gets WAL, foreign keys and a busy timeout on every
connection; PostgreSQL goes through psycopg 3."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.settings import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 10_000
READ_ONLY = "brickwork_read_only"


def utcnow() -> datetime:
    """Timestamps are stored in UTC; pages convert to the app time zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def make_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() == "sqlite":
        if sqlite3.sqlite_version_info < (3, 35):  # ALTER TABLE … DROP COLUMN, RETURNING
            raise ConfigError(f"BRICKWORK_DATABASE_URL: SQLite {sqlite3.sqlite_version} is too old; "
                              "3.35 or newer is needed")
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_begin(conn) -> None:
    # pysqlite's own BEGIN handling defers locking; a writer takes the lock up front so two
    # writers queue on busy_timeout instead of failing with "database is locked" when a read
    # lock cannot be upgraded. Readers (READ_ONLY) need no lock and run beside writers (WAL).
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Let SQLAlchemy emit BEGIN itself (see the "begin" listener).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
    # Functions the expression language needs and SQLite lacks (non-ASCII lower(), time zones).
    from brickwork.platform.expression.sqlite import register

    register(dbapi_conn)


def make_sessionmaker(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for writing, or (``read_only``) for reading only: on SQLite those do not
    queue behind writers."""
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    return sessionmaker(bind, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session
