"""The record picker's search (``records:pick``) over HTTP beside raw SQL of the same query.

    .venv/bin/python bench/bench_picker.py --records 1000000
    .venv/bin/python bench/bench_picker.py --records 1000000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

The customers are written straight into the form's table in batches (this measures the
search, not creating; bench_records.py measures that). A real `brickwork serve` on loopback,
one keep-alive client, one request at a time. Prints a Markdown table for
docs/PERFORMANCE.md; figures are medians (p50) of 50 requests.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import bench_database, p50, timed  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402

FORM = {"key": "customers", "label": {"en": "Customers"}, "fields": [
    {"id": "name", "key": "name", "label": {"en": "Name"}, "type": "text"},
    {"id": "city", "key": "city", "label": {"en": "City"}, "type": "text"}]}
WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne",
         "Soylent", "Vandelay", "Gringotts", "Monarch", "Oscorp", "Aperture"]
KINDS = ["Steel", "Foods", "Trading", "Logistics", "Labs", "Textiles", "Motors", "Pharma"]
BATCH = 20_000


def name(i: int) -> str:
    """Names like real ones: a word, a kind and a number, so prefixes match a share of them."""
    return f"{WORDS[i % len(WORDS)]} {KINDS[(i // len(WORDS)) % len(KINDS)]} {i}"


def fill(engine, n: int) -> None:
    insert = text("INSERT INTO r1_customers (created_at, updated_at, version, f_name, f_city) "
                  "VALUES ('2025-01-01 00:00:00', '2025-01-01 00:00:00', 1, :name, :city)")
    for start in range(0, n, BATCH):
        with engine.begin() as conn:
            conn.execute(insert, [{"name": name(i), "city": "Hangzhou"} for i in range(start, min(n, start + BATCH))])
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder, url, drop, engine, token = bench_database(args.database_url)
    server = LiveServer(folder / "data", url)
    postgres = engine.dialect.name == "postgresql"
    key = 'lower(f_name) COLLATE "C"' if postgres else "lower(f_name)"
    mark = "%s" if postgres else "?"
    # The two statements the endpoint runs for a text, written by hand.
    prefix_sql = (f"SELECT id, f_name FROM r1_customers WHERE deleted_at IS NULL AND {key} >= {mark} "
                  f"AND {key} < {mark} ORDER BY {key} LIMIT 20")
    contains_sql = (f"SELECT id, f_name FROM r1_customers WHERE deleted_at IS NULL AND {key} LIKE {mark} "
                    f"ORDER BY id DESC LIMIT 20")
    results = []
    try:
        http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        http.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).raise_for_status()
        http.put("/api/v1/apps/crm/forms/customers", json=FORM).raise_for_status()
        http.post("/api/v1/apps/crm/forms/customers:publish").raise_for_status()
        start = time.perf_counter()
        fill(engine, args.records)
        filled = time.perf_counter() - start
        pick = "/api/v1/apps/crm/forms/customers/records:pick"
        raw = engine.raw_connection()
        cur = raw.cursor()

        def run(sql: str, *params):
            cur.execute(sql, params)
            return cur.fetchall()

        cases = [
            ("prefix, 20 of many (`q=wayne`)", "wayne", lambda: run(prefix_sql, "wayne", "wayne\uffff")),
            ("fewer than 20 by prefix, then contains (`q=acme steel 128`)", "acme steel 128",
             lambda: (run(prefix_sql, "acme steel 128", "acme steel 128\uffff"),
                      run(contains_sql, "%acme steel 128%"))),
            ("none by prefix, contains (`q=steel 99999`)", "steel 99999",
             lambda: (run(prefix_sql, "steel 99999", "steel 99999\uffff"), run(contains_sql, "%steel 99999%"))),
            ("no text: the newest", "",
             lambda: run("SELECT id, f_name FROM r1_customers WHERE deleted_at IS NULL ORDER BY id DESC LIMIT 20")),
        ]
        for label, q, baseline in cases:
            assert http.get(pick, params={"q": q}).raise_for_status().json() is not None
            ours = timed(lambda q=q: http.get(pick, params={"q": q}).raise_for_status(), 50)
            results.append((label, p50(ours), p50(timed(baseline, 50))))
        plan = run(("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + prefix_sql, "wayne", "wayne\uffff")
        raw.close()
    finally:
        server.stop()
        engine.dispose()
        drop()
    print(f"\n{engine.dialect.name}, {args.records} records (written in {filled:.0f} s)\n")
    print("| search | Brickwork over HTTP | raw SQL, same database |")
    print("|---|---:|---:|")
    for label, ours, base in results:
        print(f"| {label} | {ours:.1f} ms | {base:.2f} ms |")
    print("\nplan of the prefix query:", "; ".join(str(row[-1]) for row in plan))


if __name__ == "__main__":
    main()
