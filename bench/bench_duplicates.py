"""Duplicate detection on a form of many customers, beside raw SQL on the same database.

    .venv/bin/python bench/bench_duplicates.py                                  # SQLite, 100,000 customers
    .venv/bin/python bench/bench_duplicates.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Customers (Chinese company names: place + trade name + trade + legal form, and a phone) are
written straight into the form's table; one in a hundred is a copy of an earlier one with
its phone written another way (``+86 138-0013-8000``) and its legal form dropped. Measured:
(a) the scan (``duplicates.scan``: phones grouped in SQL, names blocked and scored by
rapidfuzz) against raw SQL that groups the stored phones as they are and reads every name;
(b) the check of one record being saved (``duplicates.likely``), against the raw statements
a hand-written check would send (phone equality, name contains). Prints Markdown rows for
docs/PERFORMANCE.md. On PostgreSQL a fresh schema is used and dropped.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from sqlalchemy import text
from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import bench_database  # noqa: E402
from brickwork.app import create_app  # noqa: E402
from brickwork.engines.form import duplicates  # noqa: E402
from brickwork.engines.form.forms import load_form  # noqa: E402
from brickwork.engines.form.records import RecordService  # noqa: E402
from brickwork.engines.form.transfer.jobs import principal  # noqa: E402
from brickwork.platform.db import make_sessionmaker  # noqa: E402
from brickwork.platform.settings import load_settings  # noqa: E402

CHUNK = 20_000
PLACES = "北京 上海 广州 深圳 杭州 南京 苏州 成都 武汉 西安".split()
CHARS = "华信达盛泰鑫恒通博瑞远宏佳安康源和丰创新智联科云图星辰光明天宇海峰金银德正中兴启航"
TRADES = "科技 网络 贸易 实业 电子 软件 信息 物流 建设 医疗".split()
SUFFIXES = ("有限公司", "股份有限公司", "有限责任公司", "")
FORM = {"key": "customers", "label": {"en": "Customers"},
        "fields": [{"id": "c_name", "key": "name", "label": {"en": "Name"}, "type": "text"},
                   {"id": "c_phone", "key": "phone", "label": {"en": "Phone"}, "type": "text"}],
        "duplicates": {"match": [{"field": "c_phone", "how": "phone"}, {"field": "c_name", "how": "fuzzy"}]}}


def people(n: int, seed: int = 20) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    for i in range(n):
        if i > 100 and i % 100 == 0:  # a duplicate of an earlier customer, written another way
            earlier = rows[rng.randrange(len(rows))]
            phone = earlier["phone"]
            rows.append({"name": earlier["name"].removesuffix("有限公司").removesuffix("股份"),
                         "phone": f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"})
            continue
        trade_name = "".join(rng.choice(CHARS) for _ in range(rng.choice((3, 4))))
        rows.append({"name": rng.choice(PLACES) + trade_name + rng.choice(TRADES) + rng.choice(SUFFIXES),
                     "phone": f"1{rng.randrange(3, 10)}{rng.randrange(10**9):09d}"})
    return rows


def fill(engine, table: str, rows: list[dict[str, str]]) -> None:
    with engine.begin() as conn:
        for start in range(0, len(rows), CHUNK):
            conn.execute(text(f"INSERT INTO {table} (f_c_name, f_c_phone, created_at, updated_at, version)"
                              " VALUES (:name, :phone, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"),
                         rows[start:start + CHUNK])


def timed(fn, repeat: int = 1) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    folder, url, drop, engine, token = bench_database(args.database_url)
    try:
        sessions = make_sessionmaker(engine)
        settings = load_settings(data_dir=folder / "data", database_url=url, worker=False)
        with TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"}) as api:
            assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
            assert api.put("/api/v1/apps/crm/forms/customers", json=FORM).status_code == 200
            assert api.post("/api/v1/apps/crm/forms/customers:publish").status_code == 200
        with sessions() as s:
            table = load_form(s, "crm", "customers").table.name
        rows = people(args.records)
        fill(engine, table, rows)
        with engine.begin() as conn:  # the planner's statistics, as autovacuum would have them
            conn.execute(text(f"ANALYZE {table}"))

        def raw_scan() -> None:
            with engine.connect() as conn:
                conn.execute(text(f"SELECT f_c_phone, count(*) FROM {table} WHERE deleted_at IS NULL"
                                  " GROUP BY f_c_phone HAVING count(*) > 1")).all()
                conn.execute(text(f"SELECT id, f_c_name FROM {table} WHERE deleted_at IS NULL")).all()

        found: dict = {}

        def scan() -> None:
            with sessions() as s:
                who = principal(s, None)
                found.update(duplicates.scan(RecordService(s, load_form(s, "crm", "customers"), who)))

        probes = [rows[i] for i in range(101, args.records, max(1, args.records // 20))][:20]

        def raw_check() -> None:
            with engine.connect() as conn:
                for row in probes:
                    conn.execute(text(f"SELECT id FROM {table} WHERE deleted_at IS NULL AND f_c_phone = :p"),
                                 {"p": row["phone"]}).all()
                    conn.execute(text(f"SELECT id, f_c_name FROM {table} WHERE deleted_at IS NULL"
                                      " AND lower(f_c_name) >= :n AND lower(f_c_name) < :n || '\uffff'"),
                                 {"n": row["name"][:4]}).all()

        def check() -> None:
            with sessions() as s:
                service = RecordService(s, load_form(s, "crm", "customers"), principal(s, None))
                for row in probes:
                    duplicates.likely(service, {"c_name": row["name"], "c_phone": row["phone"]})

        raw_scan_s, scan_s = timed(raw_scan), timed(scan)
        raw_check_s, check_s = timed(raw_check) / len(probes), timed(check) / len(probes)
        backend = engine.dialect.name
        copies = sum(1 for i in range(args.records) if i > 100 and i % 100 == 0)
        print(f"| duplicate scan, {args.records:,} customers ({copies:,} copies; {found['total']:,} groups found), "
              f"{backend} | raw GROUP BY + read {raw_scan_s:.2f} s | scan {scan_s:.2f} s | "
              f"{scan_s / raw_scan_s:.1f}× |")
        print(f"| duplicate check of one record, {args.records:,} customers, {backend} | "
              f"raw {raw_check_s * 1000:.1f} ms | likely {check_s * 1000:.1f} ms | {check_s / raw_check_s:.1f}× |")
    finally:
        engine.dispose()
        drop()


if __name__ == "__main__":
    main()
