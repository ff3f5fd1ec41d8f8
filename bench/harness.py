"""What the benchmarks share: a fresh migrated database with a bench administrator, a
`brickwork serve` to talk to, timing and percentiles. Each script in bench/ is run as
``.venv/bin/python bench/<script>.py``; they import this as ``bench.harness``."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from brickwork.platform import migrate  # noqa: E402
from brickwork.platform.db import make_engine, make_sessionmaker, transaction  # noqa: E402
from brickwork.platform.identity.tokens import create_token  # noqa: E402
from brickwork.platform.identity.users import create_user  # noqa: E402


def p50(samples: list[float]) -> float:
    """The median of samples in seconds, in milliseconds."""
    return statistics.median(samples) * 1000


def p99(samples: list[float]) -> float:
    """The 99th percentile of samples in seconds, in milliseconds."""
    if len(samples) < 2:
        return samples[0] * 1000 if samples else 0.0
    return statistics.quantiles(samples, n=100, method="inclusive")[98] * 1000


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def captured(engine, call: Callable[[], object]) -> list[tuple[str, object]]:
    """The statements ``call`` sends through ``engine``, as the driver receives them."""
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cur, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return seen


def fresh_database(url: str | None, folder: Path) -> tuple[str, Callable[[], None]]:
    """A SQLite file in ``folder``, or a schema of its own on the PostgreSQL at ``url``;
    returns its URL and what drops it."""
    if not url:
        return f"sqlite:///{folder / 'bench.db'}", lambda: None
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False), drop


def bench_database(database_url: str):
    """A fresh, migrated database with a bench administrator: (folder, url, drop, engine, token)."""
    folder = Path(tempfile.mkdtemp(prefix="bw-bench-"))
    url, drop = fresh_database(database_url, folder)
    engine = make_engine(url)
    migrate.upgrade(engine)
    with transaction(make_sessionmaker(engine)) as session:
        create_user(session, "bench", "bench-password", is_admin=True)
        token = create_token(session, "bench")[1]
    return folder, url, drop, engine, token


def settled(engine, table: str) -> None:
    """The table as the database's own upkeep leaves it soon after a load, before anything
    is timed on it: on PostgreSQL vacuumed and analysed, as autovacuum does within a minute of
    a load that grew the table by a fifth (the visibility map set, so a count reads the index
    alone); on SQLite analysed."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "postgresql":
            raw.commit()
            raw.driver_connection.autocommit = True  # VACUUM runs outside a transaction
            cur.execute(f"VACUUM ANALYZE {table}")
            raw.driver_connection.autocommit = False
        else:
            cur.execute(f"ANALYZE {table}")
        raw.commit()
    finally:
        raw.close()


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (uvicorn workers), in MB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending += [int(c) for c in children]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


def query_plan(cursor, dialect: str, statement: str, parameters) -> list[str]:
    """How the database runs a statement: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's
    EXPLAIN ANALYZE (which runs it)."""
    if dialect == "postgresql":
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + statement, parameters)
    else:
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
    return [str(row[-1]) for row in cursor.fetchall()]
