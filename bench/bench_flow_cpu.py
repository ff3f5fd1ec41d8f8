"""Client CPU per approval, one process, no contention: the flow service beside the same
statements as raw SQL text (``bench_flow_actions.RAW``), on the same database in the same run.

    .venv/bin/python bench/bench_flow_cpu.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

On a machine shared with other work the wall time swings with the load; the CPU time the
process itself spends (``time.process_time``) much less, and it is what bounds the actions a
core can carry. Approvals that do not decide their node (one approver of an ``all`` node of 8).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_flow_actions import RAW, setup, submit  # noqa: E402
from bench.harness import fresh_database  # noqa: E402
from brickwork.engines.flow import service  # noqa: E402
from brickwork.platform.db import transaction  # noqa: E402
from brickwork.platform.identity.users import principal_for  # noqa: E402
from brickwork.platform.models import FlowTask  # noqa: E402
from tests.engines.flow.helpers import approval, flow, publish_flow, users  # noqa: E402

WARM, RUNS = 10, 200


def measure(step, instances: list[int]) -> tuple[float, float]:
    """(client CPU ms, wall ms) per call of ``step``, after a few to warm up."""
    for i in instances[:WARM]:
        step(i)
    cpu, wall = time.process_time(), time.perf_counter()
    for i in instances[WARM:]:
        step(i)
    n = len(instances) - WARM
    return (time.process_time() - cpu) / n * 1000, (time.perf_counter() - wall) / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url, drop = fresh_database(args.database_url, folder)
    try:
        engine, sessions, client, ids = setup(url, folder)
        publish_flow(client, flow("cpu", approval("n", users(*ids[1:]), mode="all")))
        instances = submit(sessions, ids[0], "cpu", WARM + RUNS)
        with sessions() as s:
            tasks = {(r.assignee_id, r.instance_id): r.id for r in s.execute(
                select(FlowTask.assignee_id, FlowTask.instance_id, FlowTask.id))}
            who = principal_for(s, ids[1])

        def approve(i: int) -> None:
            with transaction(sessions) as s:
                service.act_on_task(s, tasks[ids[1], i], "approve", {}, who)

        sql, user = {name: text(q) for name, q in RAW.items()}, ids[2]

        def raw(i: int) -> None:
            t = tasks[user, i]
            with engine.begin() as conn:
                conn.execute(sql["lock"], {"t": t}).all()
                conn.execute(sql["read"], {"t": t}).all()
                conn.execute(sql["close"], {"t": t, "u": user})
                conn.execute(sql["audit"], {"u": user, "i": str(i)})
                conn.execute(sql["entry"], {"i": i, "t": t, "u": user})
                conn.execute(sql["outbox"], {"k": uuid.uuid4().hex, "p": json.dumps({"instance": i})})
                conn.execute(sql["wanted"]).one()

        print("| database | path | approvals | client CPU ms/approval | wall ms/approval |")
        print("|---|---|---|---|---|")
        for name, step in (("flow service", approve), ("raw SQL, same statements", raw)):
            cpu, wall = measure(step, instances)
            print(f"| {engine.dialect.name} | {name} | {RUNS} | {cpu:.2f} | {wall:.2f} |")
        client.close()
        engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
