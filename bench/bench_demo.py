"""The CRM template: how long installing it takes, and how fast its demo data is made
(every record through the record service's bulk path: validation, auto-numbers, rollups,
audit, outbox), beside a raw-SQL executemany of the same number of rows into the same
customers table on the same database, in the same run.

    .venv/bin/python bench/bench_demo.py --size 10000
    .venv/bin/python bench/bench_demo.py --size 10000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Prints a Markdown table for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bench.harness import bench_database  # noqa: E402
from brickwork.engines.form import storage  # noqa: E402
from brickwork.engines.form.forms import load_form  # noqa: E402
from brickwork.kinds import store  # noqa: E402
from brickwork.platform.appfile import install_template  # noqa: E402
from brickwork.platform.db import make_sessionmaker, transaction  # noqa: E402
from brickwork.templates import CATALOG  # noqa: E402
from brickwork.templates.crm_demo import generate  # noqa: E402

MOMENT = datetime(2026, 1, 1)


def raw_rows(engine, count: int) -> float:
    """Seconds for an executemany of ``count`` plain customer rows (name, level, size)."""
    with transaction(make_sessionmaker(engine)) as session:
        table = load_form(session, "crm", "customers").table
    column = {key: storage.column_name(fid) for key, fid in
              (("name", "cus_name"), ("level", "cus_level"), ("size", "cus_size"))}
    rows = [{column["name"]: f"Raw company {i}", column["level"]: "lvl_b", column["size"]: i % 500,
             "created_at": MOMENT, "updated_at": MOMENT, "version": 1}
            for i in range(count)]
    started = time.perf_counter()
    with engine.begin() as conn:
        for at in range(0, count, 2000):
            conn.execute(insert(table), rows[at:at + 2000])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=10_000, help="customers")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    _folder, _url, drop, engine, _token = bench_database(args.database_url)
    try:
        sessions = make_sessionmaker(engine)
        started = time.perf_counter()
        with transaction(sessions) as session:
            install_template(session, store(), CATALOG.load("crm"), None)
        installed = time.perf_counter() - started
        started = time.perf_counter()
        with sessions() as session:
            counts = generate(session, "crm", args.size, seed=1)
        made = time.perf_counter() - started
        total = sum(counts.values())
        raw = raw_rows(engine, total)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| what | records | seconds | records/s |\n|---|---|---|---|\n"
              f"| install the CRM template (11 forms, 7 views) | – | {installed:.1f} | – |\n"
              f"| demo data, {args.size:,} customers and their children | {total:,} | {made:.1f} | "
              f"{total / made:,.0f} |\n"
              f"| raw executemany, plain customer rows (baseline) | {total:,} | {raw:.1f} | {total / raw:,.0f} |\n"
              f"\npeak RSS {peak:.0f} MiB; {', '.join(f'{k} {v:,}' for k, v in counts.items())}")
    finally:
        engine.dispose()
        drop()


if __name__ == "__main__":
    main()
