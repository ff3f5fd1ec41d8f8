"""What a write answers, and what it costs: full records against ``Prefer: return=minimal``
(bulk create of 100, an update of 3 fields), and a text filter against its JSON tree,
over HTTP beside raw SQL on the same database, in the same run.

    .venv/bin/python bench/bench_write_answers.py
    .venv/bin/python bench/bench_write_answers.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

The workload is issue 19's ``customers`` form (8 fields). A real ``brickwork serve`` on
loopback, one keep-alive client, one request at a time. Prints a Markdown table for
docs/PERFORMANCE.md; times are medians (p50).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_records import bench_database, p50, timed  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402

INDUSTRIES = [f"i{n}" for n in range(10)]
LEVELS = "ABBCCCDDDD"  # weighted 1:2:3:4


def _field(key: str, type_: str, **more) -> dict:
    return {"id": key, "key": key, "label": {"en": key.title()}, "type": type_, **more}


FORM = {"key": "customers", "label": {"en": "Customers"}, "fields": [
    _field("name", "text"), _field("industry", "select", options=[{"id": i, "label": {"en": i}} for i in INDUSTRIES]),
    _field("city", "text"), _field("revenue", "number"),
    _field("level", "select", options=[{"id": c, "label": {"en": c}} for c in "ABCD"]),
    _field("owner", "text"), _field("followed_up", "date"), _field("created", "date")]}
TEXT_FILTER = 'level = "A" AND revenue > 500000'
TREE_FILTER = json.dumps({"fn": "AND", "args": [
    {"fn": "=", "args": [{"ref": "level"}, {"lit": "A", "type": "choice"}]},
    {"fn": ">", "args": [{"ref": "revenue"}, {"lit": "500000", "type": "number"}]}]})


def alternating(first, second, repeat: int) -> tuple[list[float], list[float]]:
    """Samples of two calls taken in turn, so a busy machine slows both alike."""
    a, b = [], []
    for _ in range(repeat):
        a += timed(first, 1)
        b += timed(second, 1)
    return a, b


def row(i: int) -> dict:
    return {"name": f"Customer {i}", "industry": INDUSTRIES[i % 10], "city": f"City {i % 300}",
            "revenue": str((i * 7919) % 1_000_000), "level": LEVELS[i % 10], "owner": f"owner{i % 40}",
            "followed_up": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", "created": f"2024-{1 + i % 12:02d}-01"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--batches", type=int, default=30, help="bulk requests of 100 timed per answer kind")
    parser.add_argument("--updates", type=int, default=300, help="single updates timed per answer kind")
    args = parser.parse_args()
    folder, url, drop, engine, token = bench_database(args.database_url)
    server = LiveServer(folder / "data", url)
    pg = engine.dialect.name == "postgresql"
    mark = "%s" if pg else "?"
    lines: list[tuple[str, str, str, str]] = []
    try:
        http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        http.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).raise_for_status()
        http.put("/api/v1/apps/crm/forms/customers", json=FORM).raise_for_status()
        http.post("/api/v1/apps/crm/forms/customers:publish").raise_for_status()
        records = "/api/v1/apps/crm/forms/customers/records"
        counter = iter(range(10**9))

        def bulk(headers: dict) -> int:
            answer = http.post(f"{records}:bulk", headers=headers,
                               json={"records": [row(next(counter)) for _ in range(100)]})
            answer.raise_for_status()
            return len(answer.content)

        sizes = {"full": bulk({}), "minimal": bulk({"Prefer": "return=minimal"})}
        full, minimal = alternating(lambda: bulk({}), lambda: bulk({"Prefer": "return=minimal"}), args.batches)
        raw = engine.raw_connection()
        cur = raw.cursor()
        columns = ["created_at", "updated_at", "version", *[f"f_{f['id']}" for f in FORM["fields"]]]
        insert = f"INSERT INTO r1_customers ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"

        def raw_bulk() -> None:
            values = []
            for _ in range(100):
                r = row(next(counter))
                values.append(("2025-01-01 00:00:00", "2025-01-01 00:00:00", 1, r["name"], r["industry"], r["city"],
                               int(r["revenue"]), r["level"], r["owner"], r["followed_up"], r["created"]))
            cur.executemany(insert, values)
            raw.commit()

        raw_insert = timed(raw_bulk, args.batches)
        lines.append(("bulk create of 100, answer size (bytes)", f"{sizes['full']:,}", f"{sizes['minimal']:,}", "–"))
        lines.append(("bulk create of 100 (ms p50)", f"{p50(full):.1f}", f"{p50(minimal):.1f}",
                      f"{p50(raw_insert):.1f}"))

        version = {"n": 1}

        def update(headers: dict) -> int:
            n = version["n"]
            answer = http.patch(f"{records}/1", headers=headers, json={
                "version": n, "city": f"City {n}", "revenue": str(n), "owner": f"o{n}"})
            answer.raise_for_status()
            version["n"] += 1
            return len(answer.content)

        one_full, one_min = update({}), update({"Prefer": "return=minimal"})
        full, minimal = alternating(lambda: update({}), lambda: update({"Prefer": "return=minimal"}), args.updates)
        change = (f"UPDATE r1_customers SET f_city = {mark}, f_revenue = {mark}, f_owner = {mark}, "
                  f"version = version + 1 WHERE id = {mark}")

        def raw_update() -> None:
            cur.execute(change, ("City x", 7, "ox", 2))
            raw.commit()

        raw_change = timed(raw_update, args.updates)
        lines.append(("update of 3 fields, answer size (bytes)", f"{one_full:,}", f"{one_min:,}", "–"))
        lines.append(("update of 3 fields (ms p50)", f"{p50(full):.2f}", f"{p50(minimal):.2f}",
                      f"{p50(raw_change):.2f}"))

        params = {"sort": "-revenue", "limit": 25}
        text, tree = alternating(lambda: http.get(records, params={**params, "filter": TEXT_FILTER}).raise_for_status(),
                                 lambda: http.get(records, params={**params, "filter": TREE_FILTER}).raise_for_status(),
                                 50)
        page = (f"SELECT * FROM r1_customers WHERE deleted_at IS NULL AND f_level = {mark} AND f_revenue > {mark} "
                "ORDER BY f_revenue DESC NULLS LAST, id LIMIT 26")

        def raw_page() -> None:
            cur.execute(page, ("A", 500000))
            cur.fetchall()
            cur.execute(f"SELECT count(*) FROM r1_customers WHERE deleted_at IS NULL AND f_level = {mark} "
                        f"AND f_revenue > {mark}", ("A", 500000))
            cur.fetchall()

        raw_list = timed(raw_page, 50)
        lines.append(("list, text filter / JSON tree, 25 a page with total (ms p50)", f"{p50(text):.2f}",
                      f"{p50(tree):.2f}", f"{p50(raw_list):.2f}"))
        raw.close()
        with engine.connect() as conn:
            total = conn.exec_driver_sql("SELECT count(*) FROM r1_customers").scalar()
    finally:
        server.stop()
        engine.dispose()
        drop()
    print(f"\n{engine.dialect.name}, {total} customers, load average {os.getloadavg()[0]:.1f}\n")
    print("| measure | full answer (or text filter) | minimal answer (or JSON tree) | raw SQL, same database |")
    print("|---|---:|---:|---:|")
    for name, a, b, c in lines:
        print(f"| {name} | {a} | {b} | {c} |")


if __name__ == "__main__":
    main()
