"""Recomputing a changed formula over every record, beside the same UPDATE written by hand.

    .venv/bin/python bench/bench_formulas.py --records 100000
    .venv/bin/python bench/bench_formulas.py --records 100000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

The deals are written straight into the form's table in batches (this measures the
recomputation, not creating). The formula changes from ``amount * qty`` to
``amount * qty + 1``; publishing it over HTTP (a real `brickwork serve` on loopback)
recomputes every record in one UPDATE. The baseline is one hand-written UPDATE of the same
values on the same database through the driver. Prints a Markdown table for
docs/PERFORMANCE.md; each figure is the median of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import bench_database  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402

BATCH = 20_000


def form(formula: str) -> dict:
    return {"key": "deals", "label": {"en": "Deals"}, "fields": [
        {"id": "name", "key": "name", "label": {"en": "Name"}, "type": "text"},
        {"id": "amount", "key": "amount", "label": {"en": "Amount"}, "type": "money"},
        {"id": "qty", "key": "qty", "label": {"en": "Qty"}, "type": "number"},
        {"id": "total", "key": "total", "label": {"en": "Total"}, "type": "formula", "formula": formula}]}


def fill(engine, n: int) -> None:
    insert = text("INSERT INTO r1_deals (created_at, updated_at, version, f_name, f_amount, f_qty) "
                  "VALUES ('2025-01-01 00:00:00', '2025-01-01 00:00:00', 1, :name, :amount, :qty)")
    for start in range(0, n, BATCH):
        with engine.begin() as conn:
            conn.execute(insert, [{"name": f"Deal {i}", "amount": 1000 + i % 997 * 13, "qty": 1 + i % 9}
                                  for i in range(start, min(n, start + BATCH))])


def publish(http: httpx.Client, formula: str) -> float:
    start = time.perf_counter()
    http.put("/api/v1/apps/crm/forms/deals", json=form(formula)).raise_for_status()
    http.post("/api/v1/apps/crm/forms/deals:publish").raise_for_status()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder, url, drop, engine, token = bench_database(args.database_url)
    server = LiveServer(folder / "data", url)
    # amount is money (scale 2), qty a whole number, total a number formula (scale 2):
    # the stored total is amount's integer * qty, plus 100 for "+ 1".
    by_hand = "UPDATE r1_deals SET f_total = f_amount * f_qty + %d"
    try:
        http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=600)
        http.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).raise_for_status()
        publish(http, "amount * qty")
        fill(engine, args.records)
        api, raw = [], []
        for run in range(args.runs):
            api.append(publish(http, f"amount * qty + {run + 1}"))
            with engine.begin() as conn:
                start = time.perf_counter()
                conn.execute(text(by_hand % ((run + 1) * 100)))
                raw.append(time.perf_counter() - start)
        with engine.connect() as conn:
            wrong = conn.scalar(text(f"SELECT count(*) FROM r1_deals WHERE f_total <> f_amount * f_qty + "
                                     f"{args.runs * 100}"))
        assert wrong == 0, f"{wrong} totals differ from the hand-written UPDATE"
        dialect = "PostgreSQL" if engine.dialect.name == "postgresql" else "SQLite"
        print(f"**{dialect}, {args.records:,} records** (median of {args.runs} runs)\n")
        print("| measure | Brickwork | raw SQL, same database |")
        print("|---|---:|---:|")
        print(f"| change a formula, publish over HTTP (recomputes every record) | "
              f"{statistics.median(api) * 1000:,.0f} ms | {statistics.median(raw) * 1000:,.0f} ms |")
    finally:
        server.stop()
        engine.dispose()
        drop()


if __name__ == "__main__":
    main()
