"""Approvers acting at once: actions per second, latency, statements per action and double
decisions, beside a raw SQL baseline of the same statements.

    .venv/bin/python bench/bench_flow_actions.py                                  # SQLite
    .venv/bin/python bench/bench_flow_actions.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test          # the acceptance figure

A published flow with one approval node of 8 approvers; ``--instances`` records are submitted.
Then 8 processes, one per approver (as behind several web workers), each with its own
connection, act on every instance, each action in its own transaction through the flow
service (the service call a request makes after authentication: lock the instance and bump
its version, read the task with its run's tasks, close it conditionally, recount the node,
timeline, audit, events):

- ``all``: every approver approves their task of every instance (8 actions per instance, all
  count; the 8th decides the node and ends the instance), each starting at another point of
  the list, as people working through their inboxes: at any moment the 8 act on different
  instances, mostly;
- ``any``: the 8 race for each instance; one decision counts, the other 7 get 409
  ``task_closed``; all go in the same order, so every instance is raced.

After each mode the outcome is checked: every instance approved exactly once, its node decided
once (one ``flow.node.completed`` event), ``all``: 8 approvals each, ``any``: exactly one. Any
double decision or miscount is printed and the bench exits with status 1.

The baseline runs the statements of an approval that does not decide the node, as raw SQL text
in the same 8 processes over the same instances and order (the instance's ``UPDATE …
RETURNING`` lock, the read of the run's tasks, the conditional ``UPDATE`` of the task, the
timeline, audit and outbox inserts, the subscribers' one ``EXISTS`` query). Prints Markdown
rows for docs/PERFORMANCE.md. On PostgreSQL a fresh schema is used and dropped.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import event, func, select, text, update
from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import fresh_database  # noqa: E402
from brickwork.app import create_app  # noqa: E402
from brickwork.engines.flow import service  # noqa: E402
from brickwork.engines.flow.engine import FlowConflict  # noqa: E402
from brickwork.engines.form.forms import load_form  # noqa: E402
from brickwork.engines.form.records import RecordService  # noqa: E402
from brickwork.platform import migrate  # noqa: E402
from brickwork.platform.db import make_engine, make_sessionmaker, transaction  # noqa: E402
from brickwork.platform.identity.tokens import create_token  # noqa: E402
from brickwork.platform.identity.users import create_user, principal_for  # noqa: E402
from brickwork.platform.models import FlowEntry, FlowInstance, FlowTask, OutboxEvent, User  # noqa: E402
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


def _approver(url: str, user: int, instances: list[int], gate, results) -> None:
    """One approver in their own process (as behind several web workers), own connection."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        who = principal_for(s, user)
        mine = dict(s.execute(select(FlowTask.instance_id, FlowTask.id).where(
            FlowTask.assignee_id == user, FlowTask.instance_id.in_(instances))).all())
    statements = [0]
    event.listen(engine, "before_cursor_execute", lambda *args: statements.__setitem__(0, statements[0] + 1))
    ok = bad = 0
    took: list[float] = []
    gate.wait()
    for instance in instances:
        started = time.perf_counter()
        try:
            with transaction(sessions) as s:
                service.act_on_task(s, mine[instance], "approve", {}, who)
            ok += 1
        except FlowConflict:
            bad += 1
        took.append(time.perf_counter() - started)
    results.put((ok, bad, statements[0], took))
    engine.dispose()


def race(url: str, approvers: list[int], instances: list[int], rotate: bool, target=None) -> dict:
    """Every approver acts on every instance, one transaction each. ``rotate``: each starts at
    another point of the list (people working through their own inboxes); otherwise all go in
    the same order (the race for each instance). ``target``: the worker (the flow service or
    the raw SQL baseline)."""
    context = multiprocessing.get_context("fork")
    gate = context.Barrier(len(approvers) + 1)
    results = context.Queue()
    step = len(instances) // len(approvers)
    workers = [context.Process(target=target or _approver, args=(
        url, user, instances[k * step:] + instances[:k * step] if rotate else instances, gate, results))
        for k, user in enumerate(approvers)]
    for w in workers:
        w.start()
    gate.wait()
    started = time.perf_counter()
    got = [results.get() for _w in workers]
    seconds = time.perf_counter() - started
    for w in workers:
        w.join()
    took = sorted(t for *_rest, times in got for t in times)
    return {"seconds": seconds, "done": sum(g[0] for g in got), "refused": sum(g[1] for g in got),
            "statements": sum(g[2] for g in got), "p50": took[len(took) // 2] * 1000,
            "p99": took[min(len(took) - 1, int(len(took) * 0.99))] * 1000}


def problems(sessions, instances: list[int], mode: str) -> tuple[list[str], int]:
    """What is wrong with the outcome (a node decided twice, approvals miscounted, an instance
    not approved exactly once), and the number of double decisions among it."""
    wanted = APPROVERS if mode == "all" else 1
    with sessions() as s:
        approved = dict(s.execute(select(FlowTask.instance_id, func.count()).where(
            FlowTask.instance_id.in_(instances), FlowTask.outcome == "approved")
            .group_by(FlowTask.instance_id)).all())
        ended = dict(s.execute(select(FlowEntry.instance_id, func.count()).where(
            FlowEntry.instance_id.in_(instances), FlowEntry.action == "approved", FlowEntry.node_id.is_(None))
            .group_by(FlowEntry.instance_id)).all())
        states = dict(s.execute(select(FlowInstance.id, FlowInstance.state).where(
            FlowInstance.id.in_(instances))).all())
        completed: dict[int, int] = {}
        for payload in s.scalars(select(OutboxEvent.payload).where(OutboxEvent.topic == "flow.node.completed")):
            if payload.get("node") == "n" and payload.get("instance") in states:
                completed[payload["instance"]] = completed.get(payload["instance"], 0) + 1
    found, doubles = [], 0
    for i in instances:
        doubles += completed.get(i, 0) > 1 or approved.get(i, 0) > wanted
        if approved.get(i, 0) != wanted:
            found.append(f"instance {i}: {approved.get(i, 0)} approvals, {wanted} wanted")
        if completed.get(i, 0) != 1:
            found.append(f"instance {i}: its node decided {completed.get(i, 0)} times")
        if ended.get(i, 0) != 1 or states.get(i) != "approved":
            found.append(f"instance {i}: {states.get(i)}, ended {ended.get(i, 0)} times")
    return found, doubles


RAW = {
    "lock": "UPDATE flow_instances SET version = version + 1, updated_at = CURRENT_TIMESTAMP WHERE id = "
            "(SELECT instance_id FROM flow_tasks WHERE id = :t) RETURNING *",
    "read": "SELECT t.*, r.* FROM flow_tasks t JOIN flow_node_runs r ON r.id = t.node_run_id WHERE t.node_run_id = "
            "(SELECT node_run_id FROM flow_tasks WHERE id = :t) ORDER BY t.position, t.id",
    "close": "UPDATE flow_tasks SET state = 'closed', outcome = 'approved', actor_id = :u, closed_at = "
             "CURRENT_TIMESTAMP WHERE id = :t AND state = 'open'",
    "audit": "INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id, changes) VALUES "
             "(CURRENT_TIMESTAMP, :u, 'flow.approve', 'flow_instance', :i, '{}')",
    "entry": "INSERT INTO flow_entries (instance_id, node_id, task_id, action, actor_id, data, at) VALUES "
             "(:i, 'n', :t, 'approved', :u, '{}', CURRENT_TIMESTAMP)",
    "outbox": "INSERT INTO outbox_events (\"key\", topic, payload, created_at, available_at, attempts, processed_at) "
              "VALUES (:k, 'flow.task.closed', :p, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0, CURRENT_TIMESTAMP)",
    "wanted": "SELECT EXISTS (SELECT 1 FROM definitions d JOIN apps a ON a.id = d.app_id WHERE a.key = 'crm' AND "
              "d.kind = 'rule' AND d.state = 'published'), EXISTS (SELECT 1 FROM webhook_subscriptions WHERE "
              "app = 'crm' AND enabled)",
}


def _raw_approver(url: str, user: int, instances: list[int], gate, results) -> None:
    """The baseline: the same statements as raw SQL text in one transaction per action."""
    engine = make_engine(url)
    with engine.connect() as conn:
        mine = dict(conn.execute(select(FlowTask.instance_id, FlowTask.id).where(
            FlowTask.assignee_id == user, FlowTask.instance_id.in_(instances))).all())
    sql = {name: text(q) for name, q in RAW.items()}
    took: list[float] = []
    gate.wait()
    for instance in instances:
        started = time.perf_counter()
        task_id = mine[instance]
        with engine.begin() as conn:
            conn.execute(sql["lock"], {"t": task_id}).all()
            conn.execute(sql["read"], {"t": task_id}).all()
            conn.execute(sql["close"], {"t": task_id, "u": user})
            conn.execute(sql["audit"], {"u": user, "i": str(instance)})
            conn.execute(sql["entry"], {"i": instance, "t": task_id, "u": user})
            conn.execute(sql["outbox"], {"k": uuid.uuid4().hex, "p": json.dumps({"instance": instance})})
            conn.execute(sql["wanted"]).one()
        took.append(time.perf_counter() - started)
    results.put((len(instances), 0, len(RAW) * len(instances), took))
    engine.dispose()


def reopen(engine, instances: list[int]) -> None:
    with engine.begin() as conn:
        conn.execute(update(FlowTask).where(FlowTask.instance_id.in_(instances)).values(state="open", outcome=None))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--instances", type=int, default=100)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url, drop = fresh_database(args.database_url, folder)
    wrong: list[str] = []
    try:
        engine, sessions, client, ids = setup(url, folder)
        submitter, approvers = ids[0], ids[1:]
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("| database | mode | instances | actions | decisions | refused (409) | seconds | actions/s |"
              " p50 ms | p99 ms | statements/action | double decisions | raw SQL actions/s | raw p50 ms |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for mode in ("all", "any"):
            publish_flow(client, flow(f"bench_{mode}", approval("n", users(*approvers), mode=mode)))
            instances = submit(sessions, submitter, f"bench_{mode}", args.instances)
            got = race(url, approvers, instances, rotate=mode == "all")
            found, doubles = problems(sessions, instances, mode)
            wrong += [f"{mode}: {p}" for p in found]
            reopen(engine, instances)
            raw = race(url, approvers, instances, rotate=mode == "all", target=_raw_approver)
            attempts = got["done"] + got["refused"]
            decisions = got["done"] if mode == "any" else len(instances)
            print(f"| {engine.dialect.name} | {mode} | {len(instances)} | {attempts} | {decisions} | "
                  f"{got['refused']} | {got['seconds']:.2f} | {attempts / got['seconds']:.0f} | {got['p50']:.1f} | "
                  f"{got['p99']:.1f} | {got['statements'] / attempts:.1f} | {doubles} | "
                  f"{raw['done'] / raw['seconds']:.0f} | {raw['p50']:.1f} |")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        client.close()
        engine.dispose()
    finally:
        drop()
    if wrong:
        print("WRONG OUTCOMES (double decisions or miscounts):", *wrong[:50], sep="\n  ", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
