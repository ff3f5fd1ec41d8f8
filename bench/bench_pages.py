"""How long the pages take to answer, with many records behind them.

    .venv/bin/python bench/bench_pages.py --records 100000
    .venv/bin/python bench/bench_pages.py --records 100000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

A real `brickwork serve` on loopback, signed in through the login page with a browser's
cookies; one request at a time; the time from sending the request to the last byte of
the page (the server's time plus loopback). The table view is a page and then its rows,
which the page fetches (and fetches again on every sort, filter and scroll): both are
timed. Figures are medians (p50) of 30 requests.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from urllib.parse import quote

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_records import FILTER, FORM, row  # noqa: E402
from bench.harness import bench_database, p50, timed  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402

BASE = "/apps/crm/forms/deals"
STAGE_S3 = quote(json.dumps(FILTER))


def signed_in(url: str) -> httpx.Client:
    browser = httpx.Client(base_url=url, timeout=60, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text).group(1)
    answer = browser.post("/login", data={"username": "bench", "password": "bench-password", "next": "/",
                                          "csrf_token": token})
    assert answer.status_code == 303, answer.text
    return browser


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder, url, drop, engine, token = bench_database(args.database_url)
    server = LiveServer(folder / "data", url)
    try:
        api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=120)
        api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).raise_for_status()
        api.put("/api/v1/apps/crm/forms/deals", json=FORM).raise_for_status()
        api.post("/api/v1/apps/crm/forms/deals:publish").raise_for_status()
        for start in range(0, args.records, 1000):
            batch = [row(i) for i in range(start, min(args.records, start + 1000))]
            api.post("/api/v1/apps/crm/forms/deals/records:bulk", json={"records": batch}).raise_for_status()
        browser = signed_in(server.url)
        pages = [
            ("the app's forms", "/apps/crm"),
            ("table view (the page)", BASE),
            ("table rows: first page, with the total", f"{BASE}/rows"),
            ("table rows: filtered by stage, sorted by amount", f"{BASE}/rows?sort=-amount&filter={STAGE_S3}"),
            ("kanban by stage", f"{BASE}/kanban?by=stage"),
            ("calendar, one month", f"{BASE}/calendar?by=close&month=2025-03"),
            ("record page", f"{BASE}/records/{args.records // 2}"),
            ("edit page", f"{BASE}/records/{args.records // 2}/edit"),
            ("new record page", f"{BASE}/records/new"),
            ("recycle bin", f"{BASE}/trash"),
            ("form designer", f"{BASE}/design"),
        ]
        results = []
        for name, path in pages:
            answer = browser.get(path)
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
            results.append((name, path, p50(timed(lambda p=path: browser.get(p).raise_for_status(), 30))))
        floor = p50(timed(lambda: browser.get("/healthz").raise_for_status(), 100))
    finally:
        server.stop()
        engine.dispose()
        drop()
    print(f"\n{engine.dialect.name}, {args.records} records; GET /healthz {floor:.1f} ms\n")
    print("| page | path | ms (p50) |")
    print("|---|---|---:|")
    for name, path, ms in results:
        print(f"| {name} | `{re.sub('filter=[^&]+', 'filter=(stage = s3)', path)}` | {ms:.1f} |")


if __name__ == "__main__":
    main()
