"""Engine and sessions. SQLite gets WAL, foreign keys and a busy timeout on every
connection, on a SQLite library new enough to keep every commit (``SQLITE_MINIMUM``);
PostgreSQL goes through psycopg 3."""

from __future__ import annotations

import importlib
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.settings import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 10_000
MAX_INT = 2**63 - 1  # the largest id, version or whole number a column holds (BIGINT)
READ_ONLY = "brickwork_read_only"
TIMEOUT = "brickwork_statement_timeout"  # execution option: seconds one statement may run
PROGRESS_EVERY = 1000  # SQLite virtual machine steps between looks at the clock
ROLL_BACK = "brickwork_roll_back"  # session.info: end the transaction with ROLLBACK, not COMMIT
# SQLite before 3.50 can lose commits made after a ROLLBACK TO that followed a cache spill in
# WAL mode: the frames it writes next carry checksums that recovery rejects, so a kill -9 drops
# them and everything committed after them (docs/decisions/0010). 3.50.4 is the oldest release
# checked to keep them; 3.35 brought ALTER TABLE … DROP COLUMN and RETURNING.
SQLITE_MINIMUM = (3, 50, 4)


def sqlite_module():
    """The DB-API module for SQLite: a build of Python's ``sqlite3`` that brings its own recent
    SQLite where one is installed (``pysqlite3-binary`` on Linux x86_64, ``sqlean-py`` on macOS
    and Linux ARM), else Python's own ``sqlite3``."""
    for name in ("pysqlite3.dbapi2", "sqlean.dbapi2"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return sqlite3


def whole_id(value: object) -> int | None:
    """A JSON value as an id or version (1 … MAX_INT), else None: ``true`` is no id, and a
    number past 64 bits would overflow the driver."""
    if isinstance(value, str):
        value = value.strip()
        value = int(value) if value.isascii() and value.isdigit() and len(value) <= 19 else None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_INT:
        return value
    return None


def utcnow() -> datetime:
    """Timestamps are stored in UTC; pages convert to the app time zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def make_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() == "sqlite":
        module = sqlite_module()
        if module.sqlite_version_info < SQLITE_MINIMUM:
            need = ".".join(map(str, SQLITE_MINIMUM))
            raise ConfigError(f"BRICKWORK_DATABASE_URL: SQLite {module.sqlite_version} is too old; {need} or "
                              "newer is needed (pip install pysqlite3-binary or sqlean-py, or a Python built with it)")
        engine = create_engine(url, module=module, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        writers = writer_queue(url.database)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", lambda conn: _sqlite_begin(conn, writers))
        event.listen(engine, "before_cursor_execute", _sqlite_deadline)
        for done in ("commit", "rollback"):
            event.listen(engine, done, _sqlite_end)
        for gone in ("checkin", "invalidate"):  # a connection lost mid-transaction gives its turn up
            event.listen(engine, gone, _sqlite_gone)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "begin", _pg_begin)
    return engine


def _pg_begin(conn) -> None:
    # Per transaction (SET LOCAL): a pooled connection keeps no limit into other work.
    seconds = conn.get_execution_options().get(TIMEOUT)
    if seconds:
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(seconds * 1000)}")


def _sqlite_deadline(conn, _cursor, _statement, _parameters, _context, _executemany) -> None:
    # SQLite has no statement timeout: the progress handler (_sqlite_pragmas) interrupts a
    # statement that runs past this deadline, set afresh before each one.
    seconds = conn.get_execution_options().get(TIMEOUT)
    conn.connection.info["deadline"][0] = time.monotonic() + seconds if seconds else None


def _sqlite_end(conn) -> None:
    try:
        info = conn.connection.info
    except SQLAlchemyError:  # invalidated: the pool's invalidate event gives the turn up
        return
    info["deadline"][0] = None
    queue = info.pop(WRITING, None)
    if queue is not None:
        queue.release()


def _sqlite_gone(_dbapi_conn, record, *_exception) -> None:
    queue = record.info.pop(WRITING, None) if record is not None else None
    if queue is not None:
        queue.release()


def is_timeout(exc: BaseException) -> bool:
    """Whether a database error is a statement cancelled for running too long."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if isinstance(orig, sqlite_module().OperationalError):  # the module the engine runs on
        return str(orig) == "interrupted"
    return getattr(orig, "sqlstate", None) == "57014"  # query_canceled (statement_timeout)


WRITING = "brickwork_writer_queue"  # connection record info: the queue whose turn it holds


class WriterQueue:
    """A lock that hands itself to its waiters in the order they came (FIFO): the writers of
    one process wait here, each on its own gate, instead of in SQLite's busy handler, which
    sleeps in growing steps and lets a late writer overtake an early one (decision 0039)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            gate = threading.Lock()
            gate.acquire()
            self._waiting.append(gate)
        if gate.acquire(timeout=timeout):
            return True  # release() handed the turn over: _held stayed True
        with self._mutex:
            if gate in self._waiting:
                self._waiting.remove(gate)
                return False
        self.release()  # handed over just as the wait ran out: pass the turn on
        return False

    @property
    def waiting(self) -> int:
        """How many writers wait for their turn."""
        return len(self._waiting)

    def release(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._held = False


_queues: dict[str, WriterQueue] = {}
_queues_lock = threading.Lock()


def writer_queue(database: str | None) -> WriterQueue:
    """The one queue of the process's writers to a database file (every engine on the file
    shares it); an in-memory database gets its own."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return WriterQueue()
    with _queues_lock:
        return _queues.setdefault(os.path.realpath(database), WriterQueue())


def _sqlite_begin(conn, writers: WriterQueue) -> None:
    # pysqlite's own BEGIN handling defers locking; a writer takes the lock up front so two
    # writers never fail with "database is locked" when a read lock cannot be upgraded.
    # Within the process, writers first take their turn in the FIFO queue, so they wait in
    # order and wake the moment the one before commits; only writers of other processes meet
    # in SQLite's busy handler (busy_timeout). Readers (READ_ONLY) need neither and run beside
    # writers (WAL).
    if conn.get_execution_options().get(READ_ONLY, False):
        conn.exec_driver_sql("BEGIN")
        return
    if not writers.acquire(SQLITE_BUSY_TIMEOUT_MS / 1000):
        raise OperationalError("BEGIN IMMEDIATE", None, sqlite_module().OperationalError("database is locked"))
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        writers.release()
        raise
    conn.connection.info[WRITING] = writers


def _sqlite_pragmas(dbapi_conn, record) -> None:
    # Let SQLAlchemy emit BEGIN itself (see the "begin" listener).
    dbapi_conn.isolation_level = None
    deadline: list[float | None] = [None]
    record.info["deadline"] = deadline
    dbapi_conn.set_progress_handler(lambda: deadline[0] is not None and time.monotonic() > deadline[0],
                                    PROGRESS_EVERY)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
    # Functions the expression language needs and SQLite lacks (non-ASCII lower(), time zones).
    from brickwork.platform.expression.sqlite import register

    register(dbapi_conn)


def make_sessionmaker(engine: Engine, *, read_only: bool = False,
                      statement_timeout: float | None = None) -> sessionmaker[Session]:
    """Sessions for writing, or (``read_only``) for reading only: on SQLite those do not
    queue behind writers. With ``statement_timeout`` (seconds) each statement that runs
    longer is cancelled (``is_timeout`` tells that error)."""
    options = {READ_ONLY: True} if read_only else {}
    if statement_timeout:
        options[TIMEOUT] = statement_timeout
    bind = engine.execution_options(**options) if options else engine
    return sessionmaker(bind, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error, or on success too once
    ``roll_back_at_end`` asked for it."""
    with factory() as session:
        session.info[ROLL_BACK] = False
        session.begin()
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        if session.info[ROLL_BACK]:
            session.rollback()
        else:
            session.commit()


def can_roll_back_at_end(session: Session) -> bool:
    """Whether the session came from ``transaction``, so that ``roll_back_at_end`` works."""
    return ROLL_BACK in session.info


def roll_back_at_end(session: Session) -> None:
    """Discard everything the session's transaction wrote, by rolling the whole transaction back
    when it ends: a plain ROLLBACK, not a ROLLBACK TO a savepoint (on SQLite the cheaper and safer
    way to undo a large amount of work, docs/decisions/0010)."""
    assert can_roll_back_at_end(session), "the session did not come from transaction()"
    session.info[ROLL_BACK] = True
