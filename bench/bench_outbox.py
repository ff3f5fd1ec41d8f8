"""Outbox lag: events emitted at a steady rate, delivered by `brickwork worker` processes.

    .venv/bin/python bench/bench_outbox.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/bench_outbox.py --rate 1000 --seconds 20 --workers 2 --concurrency 8 ...

A producer commits ``rate`` events a second (batches every 10 ms, 100 ordering keys, each
event written with its delivery job, as a record change is). Workers run the subscriber of
bench/outbox_plugin.py, which notes when it applied each event. Lag = applied − emitted.
Prints a Markdown row for docs/PERFORMANCE.md. Needs PostgreSQL; a fresh schema is used.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.outbox_plugin import APPLIED, meta  # noqa: E402
from brickwork.platform import migrate  # noqa: E402
from brickwork.platform.db import make_engine, make_sessionmaker, transaction  # noqa: E402
from brickwork.platform.models import OutboxEvent  # noqa: E402
from brickwork.platform.outbox import NewEvent, emit_many  # noqa: E402

TICK = 0.01  # seconds between the producer's commits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rate", type=int, default=1000, help="events a second")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(args.database_url).update_query_dict({"options": f"-csearch_path={schema}"}) \
        .render_as_string(hide_password=False)
    engine = make_engine(url)
    workers = []
    try:
        migrate.upgrade(engine)
        meta.create_all(engine)
        import bench.outbox_plugin  # noqa: F401  (the producer's emits must know the subscriber)

        data = Path(tempfile.mkdtemp())
        env = {**os.environ, "BRICKWORK_DATABASE_URL": url, "BRICKWORK_DATA_DIR": str(data),
               "BRICKWORK_PLUGINS": "bench.outbox_plugin", "PYTHONPATH": str(ROOT)}
        for i in range(args.workers):
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "brickwork", "worker", "--concurrency", str(args.concurrency)],
                env=env, stdout=(data / f"worker{i}.log").open("w"), stderr=subprocess.STDOUT))
        time.sleep(3)  # workers up
        sessions = make_sessionmaker(engine)
        per_tick = max(1, round(args.rate * TICK))
        commits_before = database_commits(admin)
        total, start = 0, time.monotonic()
        while time.monotonic() - start < args.seconds:
            # The events owed by now, at least a tick's: many web processes would write them
            # side by side; one producer that fell behind writes them in one transaction.
            owed = max(per_tick, min(args.rate, int(args.rate * (time.monotonic() - start)) - total))
            with transaction(sessions) as s:
                emit_many(s, [NewEvent("bench.tick", {"n": total + i}, order_key=f"k{(total + i) % 100}")
                              for i in range(owed)])
            total += owed
            behind = total / args.rate - (time.monotonic() - start)
            if behind > 0:
                time.sleep(behind)
        produced_rate = total / (time.monotonic() - start)
        deadline = time.monotonic() + 300
        with engine.connect() as conn:
            while conn.scalar(select(text("count(*)")).select_from(APPLIED)) < total:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.5)
                conn.commit()
            pairs = conn.execute(select(OutboxEvent.created_at, APPLIED.c.applied_at).select_from(APPLIED)
                                 .join(OutboxEvent, OutboxEvent.key == APPLIED.c.event_key)).all()
        commits = database_commits(admin) - commits_before
        seconds = sorted((applied - emitted).total_seconds() for emitted, applied in pairs)
        done = len(seconds)
        span = (max(a for _, a in pairs) - min(e for e, _ in pairs)).total_seconds()  # first emit to last apply
        p = lambda q: seconds[min(done - 1, int(q * done))]  # noqa: E731
        print(f"| {args.rate}/s asked, {produced_rate:.0f}/s produced | {args.workers} × {args.concurrency} "
              f"| {done}/{total} delivered ({done / span:.0f}/s) | p50 {statistics.median(seconds):.3f} s "
              f"| p95 {p(0.95):.3f} s | p99 {p(0.99):.3f} s | max {seconds[-1]:.3f} s "
              f"| {commits / max(1, done):.2f} commits/event |")
        print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=15)
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def database_commits(admin) -> int:
    """Transactions committed in the bench's database so far (producer, workers, procrastinate):
    the cost per event beside the lag. Meaningful in a database of the bench's own."""
    with admin.connect() as conn:
        return conn.scalar(text("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"))


if __name__ == "__main__":
    main()
