"""Approvers acting at once: actions per second and double decisions, beside a raw SQL baseline.

    .venv/bin/python bench/bench_flow_actions.py                                  # SQLite
    .venv/bin/python bench/bench_flow_actions.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test          # the acceptance figure

A published flow with one approval node of 8 approvers; ``--instances`` records are submitted.
Then 8 processes, one per approver (as behind several web workers), each with its own
connection, act on every instance, each action in its own transaction through the flow
service (lock the instance, close the task conditionally, recount the node, timeline, record
state, events, audit):

- ``all``: every approver approves their task of every instance (8 actions per instance, all
  count; the 8th decides the node and ends the instance), each starting at another point of
  the list, as people working through their inboxes;
- ``any``: the 8 race for each instance; one decision counts, the other 7 get 409
  ``task_closed``; all go in the same order, so every instance is raced. A double decision
  (two approved tasks in one node run) is counted.

The baseline does the bare minimum of the same action in raw SQL with the same 8 threads:
``SELECT … FOR UPDATE`` the instance row, the conditional ``UPDATE`` of the task, one timeline
row. Prints Markdown rows for docs/PERFORMANCE.md. On PostgreSQL a fresh schema is used and dropped.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from brickwork.app import create_app  # noqa: E402
from brickwork.engines.flow import service  # noqa: E402
from brickwork.engines.flow.engine import FlowConflict  # noqa: E402
from brickwork.engines.form.forms import load_form  # noqa: E402
from brickwork.engines.form.records import RecordService  # noqa: E402
from brickwork.platform import migrate  # noqa: E402
from brickwork.platform.db import make_engine, make_sessionmaker, transaction  # noqa: E402
from brickwork.platform.identity.tokens import create_token  # noqa: E402
from brickwork.platform.identity.users import create_user, principal_for  # noqa: E402
from brickwork.platform.models import FlowTask, User  # noqa: E402
from brickwork.platform.settings import load_settings  # noqa: E402
from tests.engines.flow.helpers import EXPENSES, approval, flow, publish_flow, users  # noqa: E402
from tests.engines.form.helpers import publish  # noqa: E402

APPROVERS = 8


def setup(url: str, folder: Path):
    settings = load_settings(data_dir=folder / "data", database_url=url, worker=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        ids = [create_user(s, "admin", "admin-password-1", is_admin=True).id]  # the submitter
        token = create_token(s, "admin", "bench")[1]
        for n in range(APPROVERS):
            user = User(username=f"p{n}")
            s.add(user)
            s.flush()
            ids.append(user.id)
    client = TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"})
    assert publish(client, {**EXPENSES, "permissions": []}).status_code == 200
    return engine, sessions, client, ids


def submit(sessions, submitter: int, flow_key: str, n: int) -> list[int]:
    with transaction(sessions) as s:
        who = principal_for(s, submitter)
        form = load_form(s, "crm", "expenses")
        made = RecordService(s, form, who).bulk_create([{"amount": i} for i in range(n)])
        return [service.start(s, "crm", flow_key, {"record_id": r["id"]}, who).id for r in made]


def _approver(url: str, user: int, instances: list[int], gate, done, refused) -> None:
    """One approver in their own process (as behind several web workers), own connection."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        who = principal_for(s, user)
        mine = dict(s.execute(select(FlowTask.instance_id, FlowTask.id).where(
            FlowTask.assignee_id == user, FlowTask.instance_id.in_(instances))).all())
    ok = bad = 0
    gate.wait()
    for instance in instances:
        try:
            with transaction(sessions) as s:
                service.act_on_task(s, mine[instance], "approve", {}, who)
            ok += 1
        except FlowConflict:
            bad += 1
    with done.get_lock():
        done.value += ok
    with refused.get_lock():
        refused.value += bad
    engine.dispose()


def race(url: str, approvers: list[int], instances: list[int], rotate: bool) -> tuple[float, int, int]:
    """Every approver acts on every instance, one transaction each; (seconds, done, refused).
    ``rotate``: each starts at another point of the list (people working through their own
    inboxes); otherwise all go in the same order (the race for each instance)."""
    context = multiprocessing.get_context("fork")
    gate = context.Barrier(len(approvers) + 1)
    done, refused = context.Value("i", 0), context.Value("i", 0)
    step = len(instances) // len(approvers)
    workers = [context.Process(target=_approver, args=(
        url, user, instances[k * step:] + instances[:k * step] if rotate else instances, gate, done, refused))
        for k, user in enumerate(approvers)]
    for w in workers:
        w.start()
    gate.wait()
    started = time.perf_counter()
    for w in workers:
        w.join()
    return time.perf_counter() - started, done.value, refused.value


def double_decisions(sessions, instances: list[int]) -> int:
    with sessions() as s:
        per_run = s.execute(select(FlowTask.node_run_id, func.count()).where(
            FlowTask.instance_id.in_(instances), FlowTask.outcome == "approved")
            .group_by(FlowTask.node_run_id)).all()
    return sum(1 for _run, n in per_run if n > 1)


def raw_baseline(engine, sessions, approvers: list[int], instances: list[int]) -> float:
    """The bare action in SQL: lock the instance, close the task if open, one timeline row."""
    with sessions() as s:
        tasks = {(r.assignee_id, r.instance_id): r.id for r in s.execute(select(
            FlowTask.assignee_id, FlowTask.instance_id, FlowTask.id).where(FlowTask.instance_id.in_(instances)))}
    with engine.begin() as conn:  # open them again
        conn.execute(text("UPDATE flow_tasks SET state = 'open', outcome = NULL WHERE instance_id IN ("
                          + ",".join(map(str, instances)) + ")"))
    gate = threading.Barrier(len(approvers))
    pg = engine.dialect.name == "postgresql"

    def work(user: int) -> None:
        gate.wait()
        for instance in instances:
            with engine.begin() as conn:
                if not pg:
                    conn.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE is the engine's (db.py)
                conn.execute(text("SELECT id FROM flow_instances WHERE id = :i" + (" FOR UPDATE" if pg else "")),
                             {"i": instance})
                conn.execute(text("UPDATE flow_tasks SET state = 'closed', outcome = 'approved', closed_at = "
                                  "CURRENT_TIMESTAMP WHERE id = :t AND state = 'open'"), {"t": tasks[user, instance]})
                conn.execute(text("INSERT INTO flow_entries (instance_id, action, data, at) VALUES "
                                  "(:i, 'approved', '{}', CURRENT_TIMESTAMP)"), {"i": instance})

    threads = [threading.Thread(target=work, args=(u,)) for u in approvers]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--instances", type=int, default=100)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url, schema, admin = args.database_url or f"sqlite:///{folder / 'bench.db'}", None, None
    if url.startswith("postgresql"):
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    try:
        engine, sessions, client, ids = setup(url, folder)
        submitter, approvers = ids[0], ids[1:]
        print("| database | mode | instances | actions | decisions | refused (409) | seconds | actions/s |"
              " double decisions | raw SQL actions/s |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for mode in ("all", "any"):
            publish_flow(client, flow(f"bench_{mode}", approval("n", users(*approvers), mode=mode)))
            instances = submit(sessions, submitter, f"bench_{mode}", args.instances)
            seconds, done, refused = race(url, approvers, instances, rotate=mode == "all")
            doubles = double_decisions(sessions, instances) if mode == "any" else 0
            raw = raw_baseline(engine, sessions, approvers, instances)
            attempts = done + refused
            print(f"| {engine.dialect.name} | {mode} | {len(instances)} | {attempts} | "
                  f"{done if mode == 'any' else len(instances)} | {refused} | {seconds:.2f} | "
                  f"{attempts / seconds:.0f} | {doubles} | {attempts / raw:.0f} |")
        client.close()
        engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
