"""The peers' workload (issue 19) over HTTP, beside the same statements as raw SQL on the
same database, in the same run.

    .venv/bin/python bench/bench_workload.py --records 100000
    .venv/bin/python bench/bench_workload.py --records 100000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

A `customers` form of 8 fields (name, industry one of 10, city, revenue 0..999 999, level
A/B/C/D weighted 1:2:3:4, owner, last follow-up, created), a real `brickwork serve` on
loopback, a keep-alive HTTP client. Phases, as the peers were measured:

(a) bulk insert, 100 records a request, up to ``--records``;
(b) single create, one client: records/s, p50, p99;
(c) the list: ``level = A and revenue > X``, sorted by revenue descending, 25 a page,
    with ``total`` (a new X for every request), p50 and p99;
(d) count and sum of revenue by industry: the report engine's, bench/bench_reports.py;
(e) update 3 fields of a record, one client: records/s;
then 16 clients creating 2 000 records between them (records/s, p99), and the server's
memory at the end. The list's view (the same filter and sort, saved as a shared view as
a builder would) is saved before (c), unless ``--no-view``: its derived index is part of
what is measured (docs/decisions/0038-derived-indexes.md).
Prints a Markdown table for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import bench_database, captured, p50, p99, query_plan, settled, timed, tree_rss_mb  # noqa: E402
from brickwork.engines.form.forms import load_form  # noqa: E402
from brickwork.engines.form.listing import list_records  # noqa: E402
from brickwork.engines.form.records import RecordService  # noqa: E402
from brickwork.platform.db import make_sessionmaker, transaction  # noqa: E402
from brickwork.platform.identity.users import Principal  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402

INDUSTRIES = [f"i{n}" for n in range(10)]
LEVELS = ["A"] * 1 + ["B"] * 2 + ["C"] * 3 + ["D"] * 4  # weighted 1:2:3:4
CITIES = [f"City {n}" for n in range(50)]
OWNERS = [f"Owner {n}" for n in range(20)]
PAGE = 25
CLIENTS, CONCURRENT_CREATES = 16, 2000


def label(text_: str) -> dict:
    return {"en": text_}


FORM = {
    "key": "customers", "label": label("Customers"),
    "fields": [
        {"id": "name", "key": "name", "label": label("Name"), "type": "text"},
        {"id": "industry", "key": "industry", "label": label("Industry"), "type": "select",
         "options": [{"id": i, "label": label(i)} for i in INDUSTRIES]},
        {"id": "city", "key": "city", "label": label("City"), "type": "text"},
        {"id": "revenue", "key": "revenue", "label": label("Revenue"), "type": "number"},
        {"id": "level", "key": "level", "label": label("Level"), "type": "select",
         "options": [{"id": v, "label": label(v)} for v in "ABCD"]},
        {"id": "owner", "key": "owner", "label": label("Owner"), "type": "text"},
        {"id": "follow_up", "key": "follow_up", "label": label("Last follow-up"), "type": "date"},
        {"id": "created", "key": "created", "label": label("Created"), "type": "date"},
    ],
}
RECORDS = "/api/v1/apps/crm/forms/customers/records"
COLUMNS = ["f_name", "f_industry", "f_city", "f_revenue", "f_level", "f_owner", "f_follow_up", "f_created"]


def the_filter(threshold: int) -> dict:
    return {"fn": "AND", "args": [
        {"fn": "=", "args": [{"ref": "level"}, {"lit": "A", "type": "choice"}]},
        {"fn": ">", "args": [{"ref": "revenue"}, {"lit": threshold, "type": "number"}]}]}


def customer(rng: random.Random, i: int) -> dict:
    start = date(2020, 1, 1)
    return {"name": f"Customer {i}", "industry": rng.choice(INDUSTRIES), "city": rng.choice(CITIES),
            "revenue": rng.randint(0, 999_999), "level": rng.choice(LEVELS), "owner": rng.choice(OWNERS),
            "follow_up": (start + timedelta(days=rng.randint(0, 2000))).isoformat(),
            "created": (start + timedelta(days=rng.randint(0, 2000))).isoformat()}


class Raw:
    """The same statements through the driver: no HTTP, no ORM, no audit or outbox."""

    def __init__(self, engine, table: str):
        self.engine, self.table = engine, table
        self.conn = engine.raw_connection()
        self.cur = self.conn.cursor()
        self.mark = "%s" if engine.dialect.name == "postgresql" else "?"
        marks = ", ".join([self.mark] * (3 + len(COLUMNS)))
        self.insert = f"INSERT INTO {table} (created_at, updated_at, version, {', '.join(COLUMNS)}) VALUES ({marks})"
        where = f"deleted_at IS NULL AND f_level = {self.mark} AND f_revenue > {self.mark}"
        self.page = f"SELECT * FROM {table} WHERE {where} ORDER BY f_revenue DESC NULLS LAST, id LIMIT {PAGE + 1}"
        self.count = f"SELECT count(*) FROM {table} WHERE {where}"
        m = self.mark
        self.update = (f"UPDATE {table} SET f_revenue = {m}, f_level = {m}, f_follow_up = {m}, "
                       f"version = version + 1, updated_at = {m} WHERE id = {m} AND version = {m}")

    def values(self, r: dict) -> tuple:
        return ("2026-01-01 00:00:00", "2026-01-01 00:00:00", 1, *[r[c[2:]] for c in COLUMNS])

    def top_id(self) -> int:
        self.cur.execute(f"SELECT max(id) FROM {self.table}")
        return self.cur.fetchone()[0]

    def forget_after(self, top: int) -> None:
        """Raw inserts are measured, then removed, so every phase sees the same table."""
        self.cur.execute(f"DELETE FROM {self.table} WHERE id > {self.mark}", (top,))
        self.conn.commit()

    def list_page(self, threshold: int) -> None:
        self.cur.execute(self.page, ("A", threshold))
        self.cur.fetchall()
        self.cur.execute(self.count, ("A", threshold))
        self.cur.fetchone()


def engine_statements(engine, threshold: int) -> list[tuple[str, object]]:
    """The page and count statements the records API runs for (c), as the driver gets them."""
    def page() -> None:
        with transaction(make_sessionmaker(engine, read_only=True)) as session:
            service = RecordService(session, load_form(session, "crm", "customers"),
                                    Principal(1, "bench", "bench", True, "token"))
            list_records(service, filter_ast=the_filter(threshold), sort="-revenue", limit=PAGE)

    return [(s, p) for s, p in captured(engine, page) if "r1_customers" in s]


def concurrent(call, clients: int, per_client: int) -> tuple[float, list[float]]:
    """``call(slot, n)`` ``per_client`` times from each of ``clients`` threads: (records/s, samples)."""
    samples: list[list[float]] = [[] for _ in range(clients)]

    def run(slot: int) -> None:
        for n in range(per_client):
            start = time.perf_counter()
            call(slot, n)
            samples[slot].append(time.perf_counter() - start)

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return clients * per_client / elapsed, [s for per in samples for s in per]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--creates", type=int, default=1000, help="single creates timed in (b)")
    parser.add_argument("--lists", type=int, default=200, help="pages timed in (c)")
    parser.add_argument("--updates", type=int, default=500, help="updates timed in (e)")
    parser.add_argument("--no-view", action="store_true", help="(c) without the saved view and its derived index")
    args = parser.parse_args()
    rng = random.Random(19)
    folder, url, drop, engine, token = bench_database(args.database_url)
    server = LiveServer(folder / "data", url)
    rows: list[tuple[str, str, str]] = []
    try:
        http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=120)
        http.post("/api/v1/apps", json={"key": "crm", "label": label("CRM")}).raise_for_status()
        http.put("/api/v1/apps/crm/forms/customers", json=FORM).raise_for_status()
        http.post("/api/v1/apps/crm/forms/customers:publish").raise_for_status()
        raw = Raw(engine, "r1_customers")

        # (a) bulk insert, 100 a request; raw: 100-row executemany + commit, a tenth as many, then removed.
        start, made = time.perf_counter(), 0
        while made < args.records:
            batch = [customer(rng, made + j) for j in range(min(100, args.records - made))]
            http.post(f"{RECORDS}:bulk", json={"records": batch}).raise_for_status()
            made += len(batch)
        api_bulk = args.records / (time.perf_counter() - start)
        top, raw_rows = raw.top_id(), max(1000, args.records // 10)
        start = time.perf_counter()
        for n in range(0, raw_rows, 100):
            raw.cur.executemany(raw.insert, [raw.values(customer(rng, n + j)) for j in range(100)])
            raw.conn.commit()
        raw_bulk = raw_rows / (time.perf_counter() - start)
        raw.forget_after(top)
        rows.append(("(a) bulk insert, batches of 100 (records/s)", f"{api_bulk:,.0f}", f"{raw_bulk:,.0f}"))

        # (b) single create, one client.
        samples = timed(lambda: http.post(RECORDS, json=customer(rng, 0)).raise_for_status(), args.creates)
        top = raw.top_id()

        def raw_create() -> None:
            raw.cur.execute(raw.insert, raw.values(customer(rng, 0)))
            raw.conn.commit()

        raw_samples = timed(raw_create, args.creates)
        raw.forget_after(top)
        rows.append(("(b) single create, 1 client: records/s / p50 / p99 (ms)",
                     f"{len(samples) / sum(samples):,.0f} / {p50(samples):.1f} / {p99(samples):.1f}",
                     f"{len(raw_samples) / sum(raw_samples):,.0f} / {p50(raw_samples):.2f} / {p99(raw_samples):.2f}"))

        # (c) the list. The same thresholds for Brickwork and for raw SQL, on the table as the
        # database's upkeep leaves it after the load (PostgreSQL: autovacuum's visibility map).
        settled(engine, "r1_customers")
        if not args.no_view:
            view = {"name": "A customers by revenue", "type": "table", "shared": True,
                    "config": {"filter": the_filter(500_000), "sort": "-revenue"}}
            start = time.perf_counter()
            http.post("/api/v1/apps/crm/forms/customers/views", json=view).raise_for_status()
            rows.append(("saving the list's view, which builds its derived index (ms)",
                         f"{(time.perf_counter() - start) * 1000:,.0f}", "–"))
        thresholds = [rng.randint(0, 999_999) for _ in range(args.lists)]
        first = http.get(RECORDS, params={"filter": json.dumps(the_filter(thresholds[0])), "sort": "-revenue",
                                          "limit": PAGE}).json()
        raw.cur.execute(raw.count, ("A", thresholds[0]))
        assert first["total"] == raw.cur.fetchone()[0], "the API's total differs from count(*)"
        listed = iter(thresholds)
        samples = timed(lambda: http.get(RECORDS, params={
            "filter": json.dumps(the_filter(next(listed))), "sort": "-revenue", "limit": PAGE}).raise_for_status(),
            args.lists)
        listed = iter(thresholds)
        raw_samples = timed(lambda: raw.list_page(next(listed)), args.lists)
        rows.append((f"(c) level = A and revenue > X, sort revenue desc, {PAGE} a page, with total: p50 / p99 (ms)",
                     f"{p50(samples):.1f} / {p99(samples):.1f}", f"{p50(raw_samples):.1f} / {p99(raw_samples):.1f}"))
        generated = [engine_statements(engine, x) for x in thresholds]
        pairs = iter(generated)

        def engine_sql() -> None:
            for statement, parameters in next(pairs):
                raw.cur.execute(statement, parameters)
                raw.cur.fetchall()

        ours_sql = timed(engine_sql, args.lists)
        rows.append(("(c) the same page and total as the SQL the engine generates, through the driver: p50 / p99 (ms)",
                     f"{p50(ours_sql):.1f} / {p99(ours_sql):.1f}", f"{p50(raw_samples):.1f} / {p99(raw_samples):.1f}"))
        plans = [query_plan(raw.cur, engine.dialect.name, s, p) for s, p in generated[0]]
        raw.conn.commit()
        floor = timed(lambda: http.get("/healthz").raise_for_status(), 200)

        rows.append(("(d) count and sum of revenue by industry", "see bench/bench_reports.py", "–"))

        # (e) update 3 fields, one client, of records spread over the table.
        raw.cur.execute(f"SELECT id, version FROM r1_customers ORDER BY id LIMIT {2 * args.updates}")
        targets = raw.cur.fetchall()
        raw.conn.commit()
        api_targets, raw_targets = iter(targets[:args.updates]), iter(targets[args.updates:])

        def api_update() -> None:
            record_id, version = next(api_targets)
            http.patch(f"{RECORDS}/{record_id}", json={
                "version": version, "revenue": rng.randint(0, 999_999), "level": rng.choice(LEVELS),
                "follow_up": "2026-12-01"}).raise_for_status()

        def raw_update() -> None:
            record_id, version = next(raw_targets)
            raw.cur.execute(raw.update, (rng.randint(0, 999_999), rng.choice(LEVELS), "2026-12-01",
                                         "2026-12-01 00:00:00", record_id, version))
            assert raw.cur.rowcount == 1, "the raw update found no record at that version"
            raw.conn.commit()

        samples, raw_samples = timed(api_update, args.updates), timed(raw_update, args.updates)
        rows.append(("(e) update 3 fields, 1 client (records/s)", f"{len(samples) / sum(samples):,.0f}",
                     f"{len(raw_samples) / sum(raw_samples):,.0f}"))

        # 16 clients, 2 000 creates between them; raw: 16 threads, a connection each.
        per = CONCURRENT_CREATES // CLIENTS
        clients = [httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=120)
                   for _ in range(CLIENTS)]
        rate, samples = concurrent(lambda slot, n: clients[slot].post(
            RECORDS, json=customer(random.Random(slot * per + n), n)).raise_for_status(), CLIENTS, per)
        for client in clients:
            client.close()
        top = raw.top_id()
        raw.conn.commit()

        def raw_concurrent(slot: int, n: int) -> None:  # a connection from the pool per insert, as a server does
            conn = engine.raw_connection()
            try:
                conn.cursor().execute(raw.insert, raw.values(customer(random.Random(slot * per + n), n)))
                conn.commit()
            finally:
                conn.close()

        raw_rate, raw_samples = concurrent(raw_concurrent, CLIENTS, per)
        raw.forget_after(top)
        rows.append((f"{CLIENTS} clients, {CONCURRENT_CREATES:,} creates: records/s / p99 (ms)",
                     f"{rate:,.0f} / {p99(samples):,.0f}", f"{raw_rate:,.0f} / {p99(raw_samples):,.1f}"))
        rows.append(("server memory at the end (RSS, MB)", f"{tree_rss_mb(server.process.pid):.0f}", "–"))
        rows.append(("HTTP floor: GET /healthz p50 (ms)", f"{p50(floor):.1f}", "–"))
        with engine.connect() as conn:
            total = conn.execute(text("SELECT count(*) FROM r1_customers")).scalar()
        raw.conn.close()
    finally:
        server.stop()
        engine.dispose()
        drop()
    view = "without the saved view" if args.no_view else "the list's view saved (its derived index made)"
    print(f"\n{engine.dialect.name}, {args.records:,} records bulk-inserted, {total:,} at the end; {view}\n")
    print("| phase | Brickwork over HTTP | raw SQL, same database |")
    print("|---|---:|---:|")
    for name, ours, base in rows:
        print(f"| {name} | {ours} | {base} |")
    print("\nPlans of the engine's statements for (c), page then total:\n")
    for plan in plans:
        print("\n".join(f"    {line}" for line in plan) + "\n")


if __name__ == "__main__":
    main()
