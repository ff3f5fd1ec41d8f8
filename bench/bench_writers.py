"""Single creates over HTTP, one client and sixteen, beside raw-SQL inserts on the same database
in the same run (issue 19, goal (b)).

    .venv/bin/python bench/bench_writers.py --records 100000
    .venv/bin/python bench/bench_writers.py --records 100000 --workers 2 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

A real `brickwork serve` (uvicorn) on loopback, filled through the bulk API to --records
customers (the peers' workload: 8 fields), then:
- 1 client: --creates POSTs one after another on one keep-alive connection;
- 16 clients: --creates POSTs in all, each client on its own keep-alive connection;
each beside the same number of raw INSERT + COMMIT on the driver (one connection, then 16).
Prints a Markdown table for docs/PERFORMANCE.md and the server's resident memory at the end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_records import bench_database  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402

INDUSTRIES = [f"i{n}" for n in range(10)]
LEVELS = "ABCD"


def option(key: str) -> dict:
    return {"id": key, "label": {"en": key}}


FORM = {
    "key": "customers", "label": {"en": "Customers"},
    "fields": [
        {"id": "name", "key": "name", "label": {"en": "Name"}, "type": "text"},
        {"id": "industry", "key": "industry", "label": {"en": "Industry"}, "type": "select",
         "options": [option(i) for i in INDUSTRIES]},
        {"id": "city", "key": "city", "label": {"en": "City"}, "type": "text"},
        {"id": "revenue", "key": "revenue", "label": {"en": "Revenue"}, "type": "number"},
        {"id": "level", "key": "level", "label": {"en": "Level"}, "type": "select",
         "options": [option(v) for v in LEVELS]},
        {"id": "owner", "key": "owner", "label": {"en": "Owner"}, "type": "text"},
        {"id": "followup", "key": "followup", "label": {"en": "Last follow-up"}, "type": "date"},
        {"id": "since", "key": "since", "label": {"en": "Created"}, "type": "date"},
    ],
}
RECORDS = "/api/v1/apps/crm/forms/customers/records"
RAW_COLUMNS = ("created_at", "updated_at", "version", "f_name", "f_industry", "f_city", "f_revenue", "f_level",
               "f_owner", "f_followup", "f_since")


def row(i: int) -> dict:
    level = LEVELS[[0, 1, 1, 2, 2, 2, 3, 3, 3, 3][i % 10]]  # weighted 1:2:3:4
    return {"name": f"Customer {i}", "industry": INDUSTRIES[(i * 7) % 10], "city": f"City {i % 300}",
            "revenue": (i * 7919) % 1_000_000, "level": level, "owner": f"owner{i % 50}",
            "followup": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", "since": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"}


def raw_values(i: int) -> tuple:
    r = row(i)
    return ("2025-01-01 00:00:00", "2025-01-01 00:00:00", 1, r["name"], r["industry"], r["city"], r["revenue"],
            r["level"], r["owner"], r["followup"], r["since"])


def figures(latencies: list[float], seconds: float) -> tuple[float, float, float]:
    """req/s, p50 ms, p99 ms."""
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(ordered) / seconds, statistics.median(ordered) * 1000, p99 * 1000


def in_clients(clients: int, total: int, one) -> tuple[float, float, float]:
    """``total`` calls of ``one(slot, i)`` spread over ``clients`` threads, each timed."""
    latencies: list[float] = []
    lock = threading.Lock()

    def run(slot: int) -> None:
        mine = []
        with one(slot) as call:
            for i in range(slot, total, clients):
                start = time.perf_counter()
                call(i)
                mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return figures(latencies, time.perf_counter() - start)


class HttpClient:
    def __init__(self, base_url: str, token: str, offset: int):
        self.http = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        self.offset = offset

    def __enter__(self):
        return lambda i: self.http.post(RECORDS, json=row(self.offset + i)).raise_for_status()

    def __exit__(self, *_exc):
        self.http.close()


class RawClient:
    def __init__(self, engine):
        self.raw = engine.raw_connection()
        marks = ", ".join(["%s" if engine.dialect.name == "postgresql" else "?"] * len(RAW_COLUMNS))
        self.insert = f"INSERT INTO r1_customers ({', '.join(RAW_COLUMNS)}) VALUES ({marks})"
        self.sqlite = engine.dialect.name == "sqlite"

    def __enter__(self):
        cur = self.raw.cursor()

        def call(i: int) -> None:
            if self.sqlite:  # as a Brickwork writer does: the write lock up front
                cur.execute("BEGIN IMMEDIATE")
            cur.execute(self.insert, raw_values(i))
            self.raw.commit()
        return call

    def __exit__(self, *_exc):
        self.raw.close()


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn's workers), in MB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--creates", type=int, default=2000, help="single-record POSTs timed per phase")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="web processes of the server")
    args = parser.parse_args()
    folder, url, drop, engine, token = bench_database(args.database_url)
    server = LiveServer(folder / "data", url, workers=args.workers)
    rows = []
    try:
        http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=120)
        http.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).raise_for_status()
        http.put("/api/v1/apps/crm/forms/customers", json=FORM).raise_for_status()
        http.post("/api/v1/apps/crm/forms/customers:publish").raise_for_status()
        start = time.perf_counter()
        for first in range(0, args.records, 1000):
            batch = [row(i) for i in range(first, min(args.records, first + 1000))]
            http.post(f"{RECORDS}:bulk", json={"records": batch}).raise_for_status()
        fill = args.records / (time.perf_counter() - start)
        n = args.creates
        one = in_clients(1, n, lambda _slot: HttpClient(server.url, token, 10_000_000))
        raw_one = in_clients(1, n, lambda _slot: RawClient(engine))
        many = in_clients(args.clients, n, lambda _slot: HttpClient(server.url, token, 20_000_000))
        raw_many = in_clients(args.clients, n, lambda _slot: RawClient(engine))
        rows.append(("create, 1 client", one, raw_one))
        rows.append((f"create, {args.clients} clients", many, raw_many))
        memory = rss_mb(server.process.pid)
    finally:
        server.stop()
        engine.dispose()
        drop()
    print(f"\n{engine.dialect.name}, {args.records} records before (filled at {fill:.0f} records/s in bulk), "
          f"{args.workers} web process(es); server RSS at the end {memory:.0f} MB\n")
    print("| measure | Brickwork req/s | p50 ms | p99 ms | raw SQL /s | raw p50 ms | raw p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, ours, raw in rows:
        print(f"| {name} | {ours[0]:.0f} | {ours[1]:.1f} | {ours[2]:.1f} | {raw[0]:.0f} | {raw[1]:.2f} | "
              f"{raw[2]:.2f} |")


if __name__ == "__main__":
    main()
