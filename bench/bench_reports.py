"""Reports beside raw SQL on the same database, in the same run: a count + sum by group,
and a monthly trend, at 100k records (or --records N).

    .venv/bin/python bench/bench_reports.py --records 100000
    .venv/bin/python bench/bench_reports.py --records 100000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    # 1M (not part of the usual run: loading takes minutes):
    .venv/bin/python bench/bench_reports.py --records 1000000 --database-url ...

Records are loaded by raw INSERTs (loading is not what is measured). Timed, each as a
median of repeated runs: the report through the engine in-process (compile + execute +
shape), over HTTP on a real `brickwork serve`, the engine's generated SQL through the
driver, and the hand-written GROUP BY. Prints a Markdown table for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_records import FORM, row  # noqa: E402
from bench.harness import bench_database, p50, timed  # noqa: E402
from brickwork.engines.form.forms import load_form  # noqa: E402
from brickwork.engines.form.records import RecordService  # noqa: E402
from brickwork.engines.report.compiler import compile_query  # noqa: E402
from brickwork.engines.report.model import Query  # noqa: E402
from brickwork.engines.report.run import run_query  # noqa: E402
from brickwork.platform.db import make_sessionmaker, transaction  # noqa: E402
from brickwork.platform.identity.users import Principal  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402

BY_STAGE = {"source": {"form": "deals"}, "dimensions": [{"id": "stage", "field": "stage"}],
            "measures": [{"id": "n", "agg": "count"}, {"id": "total", "agg": "sum", "field": "amount"}]}
BY_MONTH = {"source": {"form": "deals"}, "dimensions": [{"id": "month", "field": "close", "grain": "month"}],
            "measures": [{"id": "n", "agg": "count"}, {"id": "total", "agg": "sum", "field": "amount"}]}
RAW = {
    "by_stage": "SELECT f_stage, count(*), sum(f_amount) FROM r1_deals WHERE deleted_at IS NULL "
                "GROUP BY f_stage ORDER BY f_stage",
    "by_month": {"sqlite": "SELECT strftime('%Y-%m', f_close) AS m, count(*), sum(f_amount) FROM r1_deals "
                           "WHERE deleted_at IS NULL GROUP BY m ORDER BY m",
                 "postgresql": "SELECT to_char(f_close, 'YYYY-MM') AS m, count(*), sum(f_amount) FROM r1_deals "
                               "WHERE deleted_at IS NULL GROUP BY m ORDER BY m"},
}


def load(engine, count: int) -> None:
    placeholder = "%s" if engine.dialect.name == "postgresql" else "?"
    insert = ("INSERT INTO r1_deals (created_at, updated_at, version, f_name, f_amount, f_stage, f_close) "
              f"VALUES ({', '.join([placeholder] * 7)})")
    raw = engine.raw_connection()
    cur = raw.cursor()
    for start in range(0, count, 10_000):
        batch = [row(i) for i in range(start, min(count, start + 10_000))]
        cur.executemany(insert, [("2025-01-01 00:00:00", "2025-01-01 00:00:00", 1, r["name"],
                                  int(r["amount"].replace(".", "")), r["stage"], r["close"]) for r in batch])
        raw.commit()
    if engine.dialect.name == "postgresql":
        cur.execute("ANALYZE r1_deals")
        raw.commit()
    raw.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    folder, url, drop, engine, token = bench_database(args.database_url)
    dialect = engine.dialect.name
    server = LiveServer(folder / "data", url)
    results = []
    try:
        http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=120)
        http.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).raise_for_status()
        http.put("/api/v1/apps/crm/forms/deals", json=FORM).raise_for_status()
        http.post("/api/v1/apps/crm/forms/deals:publish").raise_for_status()
        load(engine, args.records)
        sessions = make_sessionmaker(engine, read_only=True)
        who = Principal(1, "bench", "bench", True, "token")
        raw = engine.raw_connection()
        cur = raw.cursor()
        for name, body in (("count + sum by group", BY_STAGE), ("count + sum by month", BY_MONTH)):
            query = Query.model_validate(body)

            def in_process(query=query):
                with transaction(sessions) as session:
                    run_query(RecordService(session, load_form(session, "crm", "deals"), who), query)

            with transaction(sessions) as session:
                service = RecordService(session, load_form(session, "crm", "deals"), who)
                statement = compile_query(service, query).statement.compile(
                    dialect=engine.dialect, compile_kwargs={"literal_binds": True})
            generated = str(statement)
            hand = RAW["by_stage"] if body is BY_STAGE else RAW["by_month"][dialect]
            calls = {
                "raw": lambda hand=hand: (cur.execute(hand), cur.fetchall()),
                "ours_sql": lambda sql=generated: (cur.execute(sql), cur.fetchall()),
                "engine": in_process,
                "http": lambda body=body: http.post("/api/v1/apps/crm/reports:query",
                                                    json={"query": body}).raise_for_status(),
            }
            samples: dict[str, list[float]] = {k: [] for k in calls}
            for call in calls.values():
                call()  # warm up: caches, plans
            for _ in range(args.repeat):  # interleaved, so a drift in the machine hits all alike
                for key, call in calls.items():
                    samples[key] += timed(call, 1)
            raw_ms, ours_sql, engine_ms, http_ms = (p50(samples[k]) for k in ("raw", "ours_sql", "engine", "http"))
            results.append((name, raw_ms, ours_sql, engine_ms, http_ms))
        raw.close()
    finally:
        server.stop()
        engine.dispose()
        drop()
    print(f"\n{dialect}, {args.records} records; medians of {args.repeat} runs (ms)\n")
    print("| report | raw GROUP BY | Brickwork's SQL | engine in-process | over HTTP | engine / raw |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, raw_ms, ours_sql, engine_ms, http_ms in results:
        print(f"| {name} | {raw_ms:.1f} | {ours_sql:.1f} | {engine_ms:.1f} | {http_ms:.1f} | "
              f"{engine_ms / raw_ms:.2f}× |")


if __name__ == "__main__":
    main()
