"""Reading the audit log: how long one page (50 entries, newest first) of each kind of
filter takes over a log of ``--size`` entries (a tenth about people, the rest record
changes of two apps), on a fresh database.

    .venv/bin/python bench/bench_audit.py --size 200000 --database-url sqlite:////tmp/audit.db
    .venv/bin/python bench/bench_audit.py --size 200000 \\
        --database-url "postgresql+psycopg://postgres@127.0.0.1:5432/test"

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import insert

from brickwork.platform.audit_log import AuditFilter, entries
from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.migrate import upgrade
from brickwork.platform.models import AuditEntry

FILTERS = [("newest, no filter", AuditFilter()), ("one app", AuditFilter(app="crm")),
           ("one record", AuditFilter(app="crm", form="customers", record="4321")),
           ("kind = user", AuditFilter(kind="user")), ("an action nothing matches", AuditFilter(action="app.delete"))]


def fill(sessions, size: int) -> None:
    rows = []
    for i in range(size):
        if i % 10 == 0:
            rows.append({"actor_id": None, "action": "user.update", "subject_type": "user",
                         "subject_id": str(i % 500), "changes": {"title": {"before": "a", "after": "b"}}})
        else:
            rows.append({"actor_id": None, "action": "record.updated",
                         "subject_type": f"{'crm' if i % 2 else 'hr'}/customers", "subject_id": str(i % 5000),
                         "changes": {"name": ["x", "y"]}})
    with transaction(sessions) as s:
        s.execute(insert(AuditEntry.__table__), rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    fill(sessions, args.size)
    print(f"| filter ({args.size} entries, {engine.dialect.name}) | entries | ms |\n|---|---|---|")
    for label, wanted in FILTERS:
        with transaction(sessions) as s:
            started = time.perf_counter()
            found, _more = entries(s, wanted, limit=50)
            took = (time.perf_counter() - started) * 1000
        print(f"| {label} | {len(found)} | {took:.1f} |")


if __name__ == "__main__":
    main()
