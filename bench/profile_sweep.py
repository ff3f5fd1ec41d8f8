"""Where the sweep of bench_sweep.py spends its time: the same run (same arguments, the raw
UPDATE beside it), with every statement the sweep sends timed and grouped by its text.

    .venv/bin/python bench/profile_sweep.py --records 100000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Prints the sweep's total, the time in statements, the rest (COMMIT, fetching, Python), the
slowest statements, then bench_sweep's own Markdown row.
"""

from __future__ import annotations

import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_sweep  # noqa: E402

TOTALS: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
TIMING = {"on": False}


@event.listens_for(Engine, "before_cursor_execute")
def _before(conn, cursor, statement, params, context, executemany) -> None:
    conn.info["bench_started"] = time.perf_counter()


@event.listens_for(Engine, "after_cursor_execute")
def _after(conn, cursor, statement, params, context, executemany) -> None:
    if TIMING["on"]:
        entry = TOTALS[re.sub(r"\s+", " ", statement)[:90]]
        entry[0] += 1
        entry[1] += time.perf_counter() - conn.info["bench_started"]


def timed_sweep(*args, **kwargs):
    TIMING["on"], started = True, time.perf_counter()
    try:
        return SWEEP(*args, **kwargs)
    finally:
        TIMING["on"] = False
        total, in_sql = time.perf_counter() - started, sum(t for _n, t in TOTALS.values())
        print(f"sweep {total:.2f} s; statements {in_sql:.2f} s; the rest {total - in_sql:.2f} s")
        for text, (count, seconds) in sorted(TOTALS.items(), key=lambda kv: -kv[1][1])[:12]:
            print(f"  {seconds:7.2f} s  {int(count):5d}×  {text}")


SWEEP = bench_sweep.sweep
bench_sweep.sweep = timed_sweep

if __name__ == "__main__":
    bench_sweep.main()
