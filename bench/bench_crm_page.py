"""The CRM's customers table page with many customers behind it (issue 19: "a table page of
the CRM at 1M customers opens in under 300 ms").

    .venv/bin/python bench/bench_crm_page.py --records 1000000
    .venv/bin/python bench/bench_crm_page.py --records 1000000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

The CRM template is installed as `make run` installs it; customers are written straight
into the form's table (name, industry, level, status, size, the four scores and the
weighted score the formula would store, an owner for one in twenty, one in four in the
pool), then the database is settled (vacuumed and analysed, as its upkeep leaves it). A
real `brickwork serve` on loopback, signed in through the login page; one request at a
time. Opening the page is the page itself and then its first rows with the total, which
the page fetches for the view it shows: both are timed, for each of the template's four
customer views, beside the view's statement as raw SQL (the rows with `LIMIT 50`, and the
count) on the same database. Medians (p50) of 20 requests, in ms.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bench.bench_pages import signed_in  # noqa: E402
from bench.harness import bench_database, p50, settled, timed  # noqa: E402
from brickwork.engines.form.forms import load_form  # noqa: E402
from brickwork.engines.form.storage import column_name  # noqa: E402
from brickwork.kinds import store  # noqa: E402
from brickwork.platform.appfile import install_template  # noqa: E402
from brickwork.platform.db import make_sessionmaker, transaction  # noqa: E402
from brickwork.templates import CATALOG  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402

CHUNK = 5000
MOMENT = datetime(2026, 1, 1)
INDUSTRIES = ["ind_it", "ind_manufacturing", "ind_retail", "ind_finance", "ind_healthcare", "ind_other"]
LEVELS = ["lvl_a", "lvl_b", "lvl_b", "lvl_c", "lvl_c", "lvl_c", "lvl_d", "lvl_d", "lvl_d", "lvl_d"]
STATUSES = ["st_lead", "st_active", "st_active", "st_dormant", "st_lost"]


def fill(engine, table, count: int, me: int) -> None:
    c = column_name
    pick = random.Random(7)
    with engine.begin() as conn:
        for start in range(0, count, CHUNK):
            rows = []
            for i in range(start, min(count, start + CHUNK)):
                scores = [pick.randint(0, 100) for _ in range(4)]
                owner = me if i % 20 == 0 else None
                rows.append({
                    c("cus_name"): f"Company {i}", c("cus_industry"): pick.choice(INDUSTRIES),
                    c("cus_level"): LEVELS[i % 10], c("cus_status"): pick.choice(STATUSES),
                    c("cus_size"): pick.randint(1, 5000), c("cus_profit_score"): scores[0],
                    c("cus_potential_score"): scores[1], c("cus_strategic_score"): scores[2],
                    c("cus_relationship_score"): scores[3],
                    c("cus_weighted_score"): sum(scores) * 10 // 4,  # the formula's value, one decimal, stored × 10
                    c("cus_owner"): owner, "owner_id": owner, c("cus_in_pool"): i % 4 == 0,
                    c("cus_pool_entered_at"): MOMENT if i % 4 == 0 else None,
                    "created_at": MOMENT, "updated_at": MOMENT, "version": 1})
            conn.execute(insert(table), rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder, url, drop, engine, _token = bench_database(args.database_url)
    server = None
    try:
        sessions = make_sessionmaker(engine)
        with transaction(sessions) as session:
            install_template(session, store(), CATALOG.load("crm"), None)
        with sessions() as session:
            form = load_form(session, "crm", "customers")
            me = session.execute(text("SELECT id FROM users WHERE username = 'bench'")).scalar_one()
        views = [v for v in CATALOG.load("crm")["views"] if v["form"] == "customers" and v["type"] == "table"]
        started = time.perf_counter()
        fill(engine, form.table, args.records, me)
        print(f"filled {args.records:,} customers in {time.perf_counter() - started:.0f} s", flush=True)
        settled(engine, form.table.name)
        server = LiveServer(folder / "data", url)
        browser = signed_in(server.url)
        base = "/apps/crm/forms/customers"
        page = p50(timed(lambda: browser.get(base).raise_for_status(), 20))
        print(f"\n{engine.dialect.name}, {args.records:,} customers; the table page itself "
              f"(`GET {base}`): {page:.1f} ms\n")
        print("| view | its rows with the total (ms) | page + rows (ms) | raw SQL: rows + count (ms) |")
        print("|---|---:|---:|---:|")
        for view in views:
            config = view["config"]
            params = {"columns": ",".join(config["columns"])}
            if config.get("sort"):
                params["sort"] = config["sort"]
            if config.get("filter"):
                params["filter"] = json.dumps(config["filter"])
            path = f"{base}/rows?{urlencode(params)}"
            first = browser.get(path)
            assert first.status_code == 200 and first.headers.get("X-Total"), (path, first.text[:300])
            rows = p50(timed(lambda p=path: browser.get(p).raise_for_status(), 20))
            raw = p50(timed(lambda v=view: raw_sql(engine, form.table.name, v, me), 20))
            print(f"| {view['name']['en']} (total {int(first.headers['X-Total']):,}) | {rows:.1f} | "
                  f"{page + rows:.1f} | {raw:.1f} |", flush=True)
    finally:
        if server is not None:
            server.stop()
        engine.dispose()
        drop()


def raw_sql(engine, table: str, view: dict, me: int) -> None:
    """The view's first page and its count, as a hand-written statement would read them."""
    c = column_name
    where = {"view_cus_all": "TRUE", "view_cus_mine": f"{c('cus_owner')} = {me}",
             "view_cus_pool": f"{c('cus_in_pool')} = TRUE", "view_cus_key": f"{c('cus_level')} = 'lvl_a'"}[view["id"]]
    sort = view["config"]["sort"]
    # descending with BLANKs last, as the listing sorts and its derived index is built
    last = " NULLS LAST" if engine.dialect.name == "postgresql" else ""
    order = f"{c(sort.lstrip('-'))} {'DESC' + last if sort.startswith('-') else 'ASC'}, id"
    columns = ", ".join(["id", *[c(k) for k in view["config"]["columns"]]])
    with engine.connect() as conn:
        conn.execute(text(f"SELECT {columns} FROM {table} WHERE deleted_at IS NULL AND {where}"
                          f" ORDER BY {order} LIMIT 50")).all()
        conn.execute(text(f"SELECT count(*) FROM {table} WHERE deleted_at IS NULL AND {where}")).scalar()


if __name__ == "__main__":
    main()
