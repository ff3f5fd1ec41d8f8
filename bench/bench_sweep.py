"""The "no follow-up for 30 days → public pool" sweep against the raw UPDATE on the same data.

    .venv/bin/python bench/bench_sweep.py                                  # SQLite, 100,000 customers
    .venv/bin/python bench/bench_sweep.py --records 1000000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test    # the acceptance figure

Customers are written straight into the form's table (half of them stale). Then, in turn,
``--rounds`` times, each from the same state: (a) ``UPDATE … SET pool = 'public' WHERE
deleted_at IS NULL AND last_followup < today - 30``; (b) the published rule's sweep (one
UPDATE through the record service per batch that writes the values and the records' marks,
audit, events and run-log rows set-wise; on PostgreSQL all of a batch in one data-modifying
``WITH``, decisions 0047 and 0051). Prints a Markdown row per round for docs/PERFORMANCE.md
and the median ratio. On PostgreSQL a fresh schema is used and dropped.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text
from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import bench_database, settled  # noqa: E402
from brickwork.app import create_app  # noqa: E402
from brickwork.engines.form.forms import load_form  # noqa: E402
from brickwork.engines.rules.engine import pinned_rule  # noqa: E402
from brickwork.engines.rules.sweeps import BATCH, sweep  # noqa: E402
from brickwork.platform.db import make_sessionmaker, transaction  # noqa: E402
from brickwork.platform.settings import load_settings  # noqa: E402
from tests.engines.rules.test_sweeps import CUSTOMERS, TO_POOL  # noqa: E402

CHUNK = 50_000


def fill(engine, table: str, columns: dict[str, str], n: int) -> None:
    today = date.today()
    with engine.begin() as conn:
        for start in range(0, n, CHUNK):
            rows = [{"name": f"c{i}", "last": today - timedelta(days=40 if i % 2 else 3),
                     "at": "2026-01-01 00:00:00"} for i in range(start, min(n, start + CHUNK))]
            conn.execute(text(
                f"INSERT INTO {table} ({columns['name']}, {columns['last']}, created_at, updated_at, version)"
                " VALUES (:name, :last, :at, :at, 1)"), rows)


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder, url, drop, engine, token = bench_database(args.database_url)
    try:
        sessions = make_sessionmaker(engine)
        settings = load_settings(data_dir=folder / "data", database_url=url, worker=False)
        with TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"}) as api:
            assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
            assert api.put("/api/v1/apps/crm/forms/customers", json=CUSTOMERS).status_code == 200
            assert api.post("/api/v1/apps/crm/forms/customers:publish").status_code == 200
            assert api.put("/api/v1/apps/crm/definitions/rule/to_pool", json=TO_POOL).status_code == 200
            assert api.post("/api/v1/apps/crm/definitions/rule/to_pool:publish").status_code == 200
        with sessions() as s:
            form = load_form(s, "crm", "customers")
        table = form.table.name
        columns = {"name": "f_c_name", "last": "f_c_last", "pool": "f_c_pool"}
        fill(engine, table, columns, args.records)
        cutoff = date.today() - timedelta(days=30)

        def reset() -> None:
            with engine.begin() as conn:
                conn.execute(text(f"UPDATE {table} SET {columns['pool']} = NULL, rule_marks = NULL"))
            settled(engine, table)  # the same table for both: no dead rows from the last run,
            if engine.dialect.name == "postgresql":  # and no checkpoint of its writes due in the next one
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("CHECKPOINT"))

        def raw() -> None:
            with engine.begin() as conn:
                conn.execute(text(f"UPDATE {table} SET {columns['pool']} = 'public', version = version + 1"
                                  f" WHERE deleted_at IS NULL AND {columns['last']} < :cutoff"), {"cutoff": cutoff})

        def swept() -> None:
            with transaction(sessions) as s:
                found = sweep(s, "crm", pinned_rule(s, "crm", "to_pool"), batch=args.batch)
            assert found["marked"] == args.records // 2, found

        backend, ratios = engine.dialect.name, []
        for _ in range(args.rounds):  # raw and sweep in turn: a slow minute of the disk hits both
            reset()
            raw_s = timed(raw)
            reset()
            sweep_s = timed(swept)
            ratios.append(sweep_s / raw_s)
            print(f"| rules sweep, {args.records:,} customers ({args.records // 2:,} stale), {backend}, "
                  f"batch {args.batch} | raw UPDATE {raw_s:.2f} s | sweep {sweep_s:.2f} s | {sweep_s / raw_s:.2f}× |",
                  flush=True)
        print(f"median of {args.rounds} rounds: {statistics.median(ratios):.2f}×")
    finally:
        engine.dispose()
        drop()


if __name__ == "__main__":
    main()
