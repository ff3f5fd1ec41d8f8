"""Import of a large xlsx (and csv) through `brickwork import`, beside a raw-SQL executemany of
the same rows on the same database, in the same run; peak memory of the importing process.

    .venv/bin/python bench/bench_import.py --rows 100000
    .venv/bin/python bench/bench_import.py --rows 100000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Each import runs in its own process, so its peak resident memory (VmHWM) is its own.
A 1-row import gives the floor (the interpreter and libraries). Prints a Markdown table
for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from starlette.testclient import TestClient  # noqa: E402

from bench.harness import fresh_database  # noqa: E402
from brickwork.app import create_app  # noqa: E402
from brickwork.engines.form import storage  # noqa: E402
from brickwork.engines.form.forms import load_form  # noqa: E402
from brickwork.platform import migrate  # noqa: E402
from brickwork.platform.db import make_engine, make_sessionmaker, transaction  # noqa: E402
from brickwork.platform.identity.tokens import create_token  # noqa: E402
from brickwork.platform.identity.users import create_user  # noqa: E402
from brickwork.platform.settings import load_settings  # noqa: E402

LEVELS = ["A", "B", "C", "D"]
FORM = {
    "key": "customers", "label": {"en": "Customers", "zh-CN": "客户"},
    "fields": [
        {"id": "name", "key": "name", "label": {"en": "Name", "zh-CN": "客户名称"}, "type": "text",
         "required": True, "unique": True},
        {"id": "level", "key": "level", "label": {"en": "Level", "zh-CN": "客户级别"}, "type": "select",
         "options": [{"id": x.lower(), "label": {"en": x, "zh-CN": x + "类"}} for x in LEVELS]},
        {"id": "revenue", "key": "revenue", "label": {"en": "Annual revenue", "zh-CN": "年营业额"}, "type": "money"},
        {"id": "email", "key": "email", "label": {"en": "Email", "zh-CN": "邮箱"}, "type": "email"},
        {"id": "since", "key": "since", "label": {"en": "Customer since", "zh-CN": "签约日期"}, "type": "date"},
        {"id": "owner", "key": "owner", "label": {"en": "Owner", "zh-CN": "负责人"}, "type": "user"},
        {"id": "vip", "key": "vip", "label": {"en": "Key account", "zh-CN": "重点客户"}, "type": "boolean"},
    ],
}
HEADERS = ["客户名称", "客户级别", "年营业额", "邮箱", "签约日期", "负责人", "重点客户"]
# VmHWM is the peak resident memory of this process image (ru_maxrss would carry the parent's over exec).
CHILD = ("import re, sys; from brickwork.cli import main; code = main(sys.argv[1:]); "
         "print('MAXRSS', re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1), "
         "file=sys.stderr); sys.exit(code)")


def row(i: int) -> list:
    return [f"客户 {i:07d} 有限公司", LEVELS[i % 4] + "类", round((i * 7919) % 10_000_000 + (i % 100) / 100, 2),
            f"c{i}@example.com", datetime(2020 + i % 5, 1 + i % 12, 1 + i % 28), "销售一", "是" if i % 7 else "否"]


def write_xlsx(path: Path, rows: int) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADERS)
    for i in range(rows):
        sheet.append(row(i))
    book.save(path)


def write_csv(path: Path, rows: int) -> None:
    import csv

    with path.open("w", encoding="gb18030", newline="") as out:  # what a Chinese Excel saves
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for i in range(rows):
            r = row(i)
            writer.writerow(r[:4] + [r[4].date().isoformat()] + r[5:])


def cli_import(url: str, data_dir: Path, path: Path) -> tuple[float, int, str]:
    """Seconds, peak RSS in MiB, and the line the command printed."""
    env = {**os.environ, "BRICKWORK_DATABASE_URL": url, "BRICKWORK_DATA_DIR": str(data_dir), "LANG": "C.UTF-8"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, "import", "crm", "customers", str(path)], env=env,
                          capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"import failed ({done.returncode}): {done.stdout} {done.stderr[-2000:]}")
    rss = int(next(line.split()[1] for line in done.stderr.splitlines() if line.startswith("MAXRSS")))
    return seconds, rss // 1024, done.stdout.strip()


def raw_executemany(engine, rows: int, owner: int) -> float:
    """The same rows, already as column values, in one executemany and one commit."""
    with transaction(make_sessionmaker(engine)) as session:
        table = load_form(session, "crm", "customers").table
    columns = ["created_at", "updated_at", "version"] + [storage.column_name(f["id"]) for f in FORM["fields"]]
    marker = "%s" if engine.dialect.name == "postgresql" else "?"
    insert = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    now = datetime(2025, 1, 1)
    values = []
    for i in range(rows):
        r = row(i)
        values.append((now, now, 1, r[0], LEVELS[i % 4].lower(), round(r[2] * 100), r[3], r[4].date(), owner,
                       r[6] == "是"))
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql(insert, values)
    seconds = time.perf_counter() - start
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM {table.name}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bw-bench-import-"))
    url, drop = fresh_database(args.database_url, folder)
    engine = make_engine(url)
    migrate.upgrade(engine)
    with transaction(make_sessionmaker(engine)) as session:
        create_user(session, "bench", "bench-password", is_admin=True)
        owner = create_user(session, "sales1", "bench-password", display_name="销售一").id
        token = create_token(session, "bench")[1]
    try:
        settings = load_settings(data_dir=folder / "data", database_url=url)
        with TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"}) as http:
            http.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).raise_for_status()
            http.put("/api/v1/apps/crm/forms/customers", json=FORM).raise_for_status()
            http.post("/api/v1/apps/crm/forms/customers:publish").raise_for_status()
        files = {}
        for name, rows, writer in (("floor.xlsx", 1, write_xlsx), ("tenth.xlsx", args.rows // 10, write_xlsx),
                                   ("all.xlsx", args.rows, write_xlsx), ("all.csv", args.rows, write_csv)):
            files[name] = (folder / name, rows)
            writer(folder / name, rows)
        raw_seconds = raw_executemany(engine, args.rows, owner)
        table = load_form_table(engine)
        results = []
        for name, (path, rows) in files.items():
            with engine.begin() as conn:  # each import starts from an empty form
                conn.exec_driver_sql(f"DELETE FROM {table}")
            seconds, rss, printed = cli_import(url, folder / "data", path)
            results.append((name, rows, seconds, rss, printed))
        print(f"\n{engine.dialect.name}, {args.rows} rows, {date.today()}\n")
        start_up = results[0][2]  # the 1-row import: starting Python, loading the libraries
        print("| import | rows | seconds | rows/s (less start-up) | peak RSS |")
        print("|---|---:|---:|---:|---:|")
        for name, rows, seconds, rss, _printed in results:
            rate = rows / max(seconds - start_up, 1e-3) if rows > 1 else 0
            print(f"| `brickwork import` {name} | {rows:,} | {seconds:.1f} | {rate:,.0f} | {rss} MiB |")
        print(f"| raw SQL executemany, one transaction | {args.rows:,} | {raw_seconds:.1f} | "
              f"{args.rows / raw_seconds:,.0f} | – |")
        print("\n" + "\n".join(f"{name}: {printed}" for name, _r, _s, _m, printed in results))
    finally:
        engine.dispose()
        drop()


def load_form_table(engine) -> str:
    with transaction(make_sessionmaker(engine)) as session:
        return load_form(session, "crm", "customers").table.name


if __name__ == "__main__":
    main()
