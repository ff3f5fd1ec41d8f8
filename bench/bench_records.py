"""Records over HTTP beside raw SQL on the same database, in the same run.

    .venv/bin/python bench/bench_records.py --records 100000
    .venv/bin/python bench/bench_records.py --records 100000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

A real `brickwork serve` (uvicorn) on loopback; a keep-alive HTTP client; one request at
a time. Prints a Markdown table for docs/PERFORMANCE.md. Figures are medians (p50).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import bench_database, captured, p50, timed  # noqa: E402
from brickwork.engines.form.forms import load_form  # noqa: E402
from brickwork.engines.form.listing import configure, list_records  # noqa: E402
from brickwork.engines.form.records import RecordService  # noqa: E402
from brickwork.platform.db import make_sessionmaker, transaction  # noqa: E402
from brickwork.platform.identity.users import Principal  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402

STAGES = ["s1", "s2", "s3", "s4", "s5", "s6", "s7"]
FORM = {
    "key": "deals", "label": {"en": "Deals"},
    "fields": [
        {"id": "name", "key": "name", "label": {"en": "Name"}, "type": "text"},
        {"id": "amount", "key": "amount", "label": {"en": "Amount"}, "type": "money", "indexed": True},
        {"id": "stage", "key": "stage", "label": {"en": "Stage"}, "type": "select", "indexed": True,
         "options": [{"id": s, "label": {"en": s}} for s in STAGES]},
        {"id": "close", "key": "close", "label": {"en": "Close"}, "type": "date"},
    ],
}
FILTER = {"fn": "=", "args": [{"ref": "stage"}, {"lit": "s3", "type": "choice"}]}
RAW_LIST = ('SELECT * FROM r1_deals WHERE deleted_at IS NULL AND f_stage = :stage '
            'ORDER BY f_amount DESC NULLS LAST, id LIMIT 51')


def row(i: int) -> dict:
    return {"name": f"Deal {i}", "amount": f"{(i * 7919) % 1_000_000}.{i % 100:02d}",
            "stage": STAGES[i % len(STAGES)], "close": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"}






def generated_page_query(engine, cursor: str, data_dir: Path) -> tuple[str, tuple]:
    """The statement the records API runs for a page, captured as the driver receives it.
    The server signed the cursor with the installation's key, kept in its data folder."""
    configure((data_dir / "secret_key").read_text().strip())

    def page() -> None:
        with transaction(make_sessionmaker(engine, read_only=True)) as session:
            service = RecordService(session, load_form(session, "crm", "deals"),
                                    Principal(1, "bench", "bench", True, "token"))
            list_records(service, filter_ast=FILTER, sort="-amount", limit=50, cursor=cursor)

    return captured(engine, page)[-1]


def concurrent_creates(base_url: str, token: str, clients: int, seconds: float) -> float:
    counts = [0] * clients

    def run(slot: int) -> None:
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                client.post("/api/v1/apps/crm/forms/deals/records", json=row(slot * 1_000_000 + counts[slot]))
                counts[slot] += 1

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds






def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--creates", type=int, default=1000, help="single-record POSTs timed")
    args = parser.parse_args()
    folder, url, drop, engine, token = bench_database(args.database_url)
    server = LiveServer(folder / "data", url)
    results: list[tuple[str, float, float, str]] = []
    try:
        http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        http.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).raise_for_status()
        http.put("/api/v1/apps/crm/forms/deals", json=FORM).raise_for_status()
        http.post("/api/v1/apps/crm/forms/deals:publish").raise_for_status()
        records = "/api/v1/apps/crm/forms/deals/records"

        # Create, one record per request, against one INSERT + COMMIT per record in raw SQL.
        n = args.creates
        start = time.perf_counter()
        for i in range(n):
            http.post(records, json=row(i)).raise_for_status()
        api_rate = n / (time.perf_counter() - start)
        raw = engine.raw_connection()
        cur = raw.cursor()
        insert = ("INSERT INTO r1_deals (created_at, updated_at, version, f_name, f_amount, f_stage, f_close) "
                  "VALUES (%s)" % ", ".join(["%s"] * 7 if engine.dialect.name == "postgresql" else ["?"] * 7))
        start = time.perf_counter()
        for i in range(n):
            r = row(i)
            cur.execute(insert, ("2025-01-01 00:00:00", "2025-01-01 00:00:00", 1, r["name"],
                                 int(r["amount"].replace(".", "")), r["stage"], r["close"]))
            raw.commit()
        raw_rate = n / (time.perf_counter() - start)
        results.append(("create, one record per request, 1 client (records/s)", api_rate, raw_rate,
                        "higher is better"))
        floor = timed(lambda: http.get("/healthz").raise_for_status(), 200)

        # Bulk create up to the target size, 1000 records per request.
        remaining, i, start = args.records - 2 * n, 2 * n, time.perf_counter()
        while remaining > 0:
            batch = min(1000, remaining)
            http.post(f"{records}:bulk", json={"records": [row(j) for j in range(i, i + batch)]}).raise_for_status()
            i, remaining = i + batch, remaining - batch
        bulk_rate = (args.records - 2 * n) / (time.perf_counter() - start) if args.records > 2 * n else 0
        with engine.connect() as conn:
            total = conn.execute(text("SELECT count(*) FROM r1_deals")).scalar()

        # A filtered, sorted page: first page (with the total), then a page deep in the listing.
        params = {"filter": json.dumps(FILTER), "sort": "-amount", "limit": 50}
        first = timed(lambda: http.get(records, params=params).raise_for_status(), 50)
        cursor = None
        for _ in range(20):
            page = http.get(records, params={**params, **({"cursor": cursor} if cursor else {})})
            cursor = page.json()["next_cursor"]
        deep = timed(lambda: http.get(records, params={**params, "cursor": cursor}).raise_for_status(), 50)

        def raw_page():
            cur.execute(RAW_LIST.replace(":stage", "%s" if engine.dialect.name == "postgresql" else "?"), ("s3",))
            cur.fetchall()

        raw_samples = timed(raw_page, 50)
        statement, parameters = generated_page_query(engine, cursor, folder / "data")
        ours_sql = timed(lambda: (cur.execute(statement, parameters), cur.fetchall()), 50)
        raw.close()
        results.append(("filtered sorted page, first, with total (ms p50)", p50(first), p50(raw_samples),
                        "lower is better"))
        results.append(("filtered sorted page, 21st, by cursor (ms p50)", p50(deep), p50(raw_samples),
                        "lower is better"))
        results.append(("the 21st page's SQL as Brickwork generates it, through the driver (ms p50)",
                        p50(ours_sql), p50(raw_samples), "the engine's SQL against hand-written SQL"))
        results.append(("HTTP floor: GET /healthz (ms p50)", p50(floor), 0.0, "the stack's cost of any request"))
    finally:
        server.stop()
    # Several clients at once against two web processes sharing the database.
    server = LiveServer(folder / "data", url, workers=2)
    try:
        results.append(("create, one record per request, 4 clients, 2 processes (records/s)",
                        concurrent_creates(server.url, token, clients=4, seconds=10), 0.0, "higher is better"))
    finally:
        server.stop()
        engine.dispose()
        drop()
    db = engine.dialect.name
    print(f"\n{db}, {total} records; bulk create {bulk_rate:.0f} records/s over HTTP (1000 per request)\n")
    print("| measure | Brickwork over HTTP | raw SQL, same database | |")
    print("|---|---:|---:|---|")
    for name, ours, base, note in results:
        print(f"| {name} | {ours:.1f} | {f'{base:.1f}' if base else '–'} | {note} |")


if __name__ == "__main__":
    main()
