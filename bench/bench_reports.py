"""Reports beside raw SQL on the same database, in the same run.

    .venv/bin/python bench/bench_reports.py --records 100000                  # count + sum by group, by month
    .venv/bin/python bench/bench_reports.py --records 100000 --workload peers  # the peers' phase (d)
    .venv/bin/python bench/bench_reports.py --records 1000000 --workload dashboard \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test      # a 6-chart dashboard

Workloads:
- ``groups``: count + sum of amount by stage (a select of 7) and by month, on a deals form.
- ``peers``: the peers' workload phase (d): count and sum of revenue by industry on a
  customers form (industry a select of 10 options, revenue an integer 0..999 999), the
  query Directus answers in 48 ms at 100k. The report is saved first, as a dashboard's
  is, so the index it reads through is made (decision 0048; SQLite only): the raw SQL,
  on the same database, reads through it too.
- ``dashboard``: a published 6-chart dashboard on the deals form (KPI, bars by stage,
  monthly trend, funnel, pie, table of min/avg/max by stage), read in one
  ``GET …/dashboards/{key}/data``, beside the six hand-written statements run one after
  the other.

Records are loaded by raw INSERTs (PostgreSQL: COPY; loading is not what is measured).
Timed, each as a median of repeated runs interleaved in one loop: the hand-written SQL
through the driver, the engine's generated SQL through the driver, the report through the
engine in-process (compile + execute + shape), and over HTTP on a real `brickwork serve`.
Prints a Markdown table for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_records import FORM, row  # noqa: E402
from bench.harness import bench_database, p50, settled, timed  # noqa: E402
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


INDUSTRIES = [f"i{n}" for n in range(10)]
CUSTOMERS = {
    "key": "customers", "label": {"en": "Customers"},
    "fields": [
        {"id": "name", "key": "name", "label": {"en": "Name"}, "type": "text"},
        {"id": "industry", "key": "industry", "label": {"en": "Industry"}, "type": "select",
         "options": [{"id": i, "label": {"en": i}} for i in INDUSTRIES]},
        {"id": "revenue", "key": "revenue", "label": {"en": "Revenue"}, "type": "number"},
    ],
}
BY_INDUSTRY = {"source": {"form": "customers"}, "dimensions": [{"id": "industry", "field": "industry"}],
               "measures": [{"id": "n", "agg": "count"}, {"id": "revenue", "agg": "sum", "field": "revenue"}]}
RAW_BY_INDUSTRY = ("SELECT f_industry, count(*), sum(f_revenue) FROM r1_customers WHERE deleted_at IS NULL "
                   "GROUP BY f_industry ORDER BY f_industry")
COUNT_SUM = [{"id": "n", "agg": "count"}, {"id": "total", "agg": "sum", "field": "amount"}]
STAGE = [{"id": "stage", "field": "stage"}]
# The six cards: (report key, chart, query body, hand-written SQL per dialect or both).
CARDS = [
    ("kpi", {"type": "kpi"}, {"measures": COUNT_SUM[1:]},
     "SELECT sum(f_amount) FROM r1_deals WHERE deleted_at IS NULL"),
    ("by_stage", {"type": "bar"}, {"dimensions": STAGE, "measures": COUNT_SUM}, RAW["by_stage"]),
    ("trend", {"type": "line"}, {"dimensions": BY_MONTH["dimensions"], "measures": COUNT_SUM}, RAW["by_month"]),
    ("funnel", {"type": "funnel"}, {"dimensions": STAGE, "measures": COUNT_SUM[:1]},
     "SELECT f_stage, count(*) FROM r1_deals WHERE deleted_at IS NULL GROUP BY f_stage"),
    ("share", {"type": "pie"}, {"dimensions": STAGE, "measures": COUNT_SUM[1:]},
     "SELECT f_stage, sum(f_amount) FROM r1_deals WHERE deleted_at IS NULL GROUP BY f_stage"),
    ("spread", {"type": "table"}, {"dimensions": STAGE, "measures": [
        {"id": "lo", "agg": "min", "field": "amount"}, {"id": "mean", "agg": "avg", "field": "amount"},
        {"id": "hi", "agg": "max", "field": "amount"}]},
     "SELECT f_stage, min(f_amount), avg(f_amount), max(f_amount) FROM r1_deals WHERE deleted_at IS NULL "
     "GROUP BY f_stage ORDER BY f_stage"),
]


def load(engine, table: str, columns: list[str], make, count: int) -> None:
    """``count`` rows of ``make(i)`` (values for ``columns``) by the fastest raw path."""
    stamp = ["2025-01-01 00:00:00", "2025-01-01 00:00:00", 1]
    names = ["created_at", "updated_at", "version", *columns]
    raw = engine.raw_connection()
    cur = raw.cursor()
    if engine.dialect.name == "postgresql":
        with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for i in range(count):
                copy.write_row([*stamp, *make(i)])
    else:
        insert = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['?'] * len(names))})"
        for start in range(0, count, 10_000):
            cur.executemany(insert, [[*stamp, *make(i)] for i in range(start, min(count, start + 10_000))])
    raw.commit()
    raw.close()
    settled(engine, table)


def deal(i: int) -> list:
    r = row(i)
    return [r["name"], int(r["amount"].replace(".", "")), r["stage"], r["close"]]


def customer(i: int) -> list:
    return [f"Customer {i}", INDUSTRIES[(i * 7) % 10], (i * 7919) % 1_000_000]


def publish(http, kind: str, key: str, body: dict) -> None:
    http.put(f"/api/v1/apps/crm/definitions/{kind}/{key}", json=body).raise_for_status()
    http.post(f"/api/v1/apps/crm/definitions/{kind}/{key}:publish").raise_for_status()


def generated_sql(engine, sessions, who, form: str, body: dict) -> str:
    with transaction(sessions) as session:
        service = RecordService(session, load_form(session, "crm", form), who)
        statement = compile_query(service, Query.model_validate(body)).statement
        return str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))


def measure(calls: dict, repeat: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {k: [] for k in calls}
    for call in calls.values():
        call()  # warm up: caches, plans
    for _ in range(repeat):  # interleaved, so a drift in the machine hits all alike
        for name, call in calls.items():
            samples[name] += timed(call, 1)
    return {k: p50(v) for k, v in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--workload", choices=("groups", "peers", "dashboard"), default="groups")
    args = parser.parse_args()
    folder, url, drop, engine, token = bench_database(args.database_url)
    dialect = engine.dialect.name
    server = LiveServer(folder / "data", url)
    results = []
    try:
        http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=600)
        http.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).raise_for_status()
        form = CUSTOMERS if args.workload == "peers" else FORM
        http.put(f"/api/v1/apps/crm/forms/{form['key']}", json=form).raise_for_status()
        http.post(f"/api/v1/apps/crm/forms/{form['key']}:publish").raise_for_status()
        if args.workload == "peers":  # saved, as a dashboard's report is: its index is made (decision 0048)
            publish(http, "report", "by_industry", {"key": "by_industry", "label": {"en": "By industry"},
                                                    "chart": {"type": "bar"}, "query": BY_INDUSTRY})
        started = time.perf_counter()
        if args.workload == "peers":
            load(engine, "r1_customers", ["f_name", "f_industry", "f_revenue"], customer, args.records)
        else:
            load(engine, "r1_deals", ["f_name", "f_amount", "f_stage", "f_close"], deal, args.records)
        print(f"loaded {args.records} records in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        sessions = make_sessionmaker(engine, read_only=True)
        who = Principal(1, "bench", "bench", True, "token")
        raw = engine.raw_connection()
        cur = raw.cursor()

        def run_sql(sql: str):
            cur.execute(sql)
            return cur.fetchall()

        if args.workload == "dashboard":
            for key, chart, body, _sql in CARDS:
                publish(http, "report", key, {"key": key, "label": {"en": key}, "chart": chart,
                                              "query": {"source": {"form": "deals"}, **body}})
            publish(http, "dashboard", "crm", {"key": "crm", "label": {"en": "CRM"}, "cells": [
                {"report": key, "x": 6 * (i % 2), "y": 4 * (i // 2), "w": 6} for i, (key, *_rest) in enumerate(CARDS)]})
            hand = [sql[dialect] if isinstance(sql, dict) else sql for *_rest, sql in CARDS]
            ours = [generated_sql(engine, sessions, who, "deals", {"source": {"form": "deals"}, **body})
                    for _k, _c, body, _s in CARDS]
            got = measure({
                "raw": lambda: [run_sql(sql) for sql in hand],
                "ours_sql": lambda: [run_sql(sql) for sql in ours],
                "http": lambda: http.get("/api/v1/apps/crm/dashboards/crm/data").raise_for_status(),
            }, args.repeat)
            results.append(("6-chart dashboard, one call", got))
        else:
            named = [("count + sum by industry (phase d)", "customers", BY_INDUSTRY, RAW_BY_INDUSTRY)] \
                if args.workload == "peers" else \
                [("count + sum by group", "deals", BY_STAGE, RAW["by_stage"]),
                 ("count + sum by month", "deals", BY_MONTH, RAW["by_month"][dialect])]
            for name, form_key, body, hand in named:
                query = Query.model_validate(body)

                def in_process(query=query, form_key=form_key):
                    with transaction(sessions) as session:
                        run_query(RecordService(session, load_form(session, "crm", form_key), who), query)

                generated = generated_sql(engine, sessions, who, form_key, body)
                results.append((name, measure({
                    "raw": lambda hand=hand: run_sql(hand),
                    "ours_sql": lambda sql=generated: run_sql(sql),
                    "engine": in_process,
                    "http": lambda body=body: http.post("/api/v1/apps/crm/reports:query",
                                                        json={"query": body}).raise_for_status(),
                }, args.repeat)))
        raw.close()
    finally:
        server.stop()
        engine.dispose()
        drop()
    print(f"\n{dialect}, {args.records} records; medians of {args.repeat} runs (ms)\n")
    print("| report | raw SQL | Brickwork's SQL | engine in-process | over HTTP | engine / raw | HTTP / raw |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, got in results:
        has = "engine" in got
        engine_ms = f"{got['engine']:.1f}" if has else "–"
        ratio = f"{got['engine'] / got['raw']:.2f}×" if has else "–"
        print(f"| {name} | {got['raw']:.1f} | {got['ours_sql']:.1f} | {engine_ms} | {got['http']:.1f} | "
              f"{ratio} | {got['http'] / got['raw']:.2f}× |")


if __name__ == "__main__":
    main()
