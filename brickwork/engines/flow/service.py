"""What people and the job queue do with approvals: start one, act on a task or on the
instance (``actions.py``), read an instance with its timeline and the record as the caller
may see it, list their inbox, batch-approve, set a delegate while away, and the timeout job.

Each write runs in the caller's transaction holding the instance's row lock (``engine.lock``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from brickwork.engines.flow import approvers, timeouts
from brickwork.engines.flow.actions import ACTIONS, DEFAULT_ACTIONS, Acting, edit_record
from brickwork.engines.flow.engine import (
    FlowConflict,
    Runtime,
    allowed,
    load_flow,
    lock,
    lock_for_step,
    passed_nodes,
    permissions,
)
from brickwork.engines.flow.nodes import setting
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.platform.db import utcnow, whole_id
from brickwork.platform.errors import FieldError, Forbidden, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.identity.app_roles import role_keys_in
from brickwork.platform.identity.org import subtree_ids
from brickwork.platform.identity.users import Principal
from brickwork.platform.jobs import RunContext, task
from brickwork.platform.models import (
    App,
    FlowCc,
    FlowDelegation,
    FlowEntry,
    FlowInstance,
    FlowNodeRun,
    FlowTask,
    Membership,
    User,
)

BOXES = ("todo", "done", "started", "cc")
MAX_PAGE = 200
MAX_BATCH = 100


def _invalid(field: str, code: str, message: str) -> Invalid:
    return Invalid(_("The request is not valid."), errors=[FieldError(field, code, message)])


# --- start


def may_start(session: Session, app: App, shape, who: Principal) -> bool:
    init = shape.flow.initiators
    if init.everyone or who.is_admin or who.user_id in init.users:
        return True
    if init.roles and set(init.roles) & role_keys_in(session, app.id, who.user_id):
        return True
    if init.departments:
        mine = set(session.scalars(select(Membership.department_id).where(Membership.user_id == who.user_id)))
        return any(mine & set(subtree_ids(session, d)) for d in init.departments)
    return False


def start(session: Session, app_key: str, flow_key: str, body: Any, who: Principal,
          causation: dict[str, Any] | None = None) -> FlowInstance:
    """Submit a record to a flow: the live version is pinned, the record locks, the first
    nodes activate, all in this transaction (a refusal leaves nothing behind). A rule's
    ``start_flow`` gives its ``causation``: the submit's events carry it, for loop protection."""
    if not isinstance(body, dict) or whole_id(body.get("record_id")) is None or isinstance(body.get("record_id"), str):
        raise _invalid("record_id", "required", _("Give the id of the record to submit."))
    chosen = body.get("chosen") or {}
    if not isinstance(chosen, dict) or not all(isinstance(v, list) and all(
            isinstance(u, int) and not isinstance(u, bool) for u in v) for v in chosen.values()):
        raise _invalid("chosen", "type", _("Give the chosen people per step: {step: [user ids]}."))
    shape = load_flow(session, app_key, flow_key)
    flow = shape.flow
    app = session.scalar(select(App).where(App.key == app_key))
    if not flow.enabled:
        raise FlowConflict("flow_disabled", _("This flow is switched off."))
    if not may_start(session, app, shape, who):
        raise Forbidden(_("You may not start this flow."))
    form = load_form(session, app_key, flow.form)
    record_id = int(body["record_id"])
    service = RecordService(session, form, who)
    row = service.row(record_id, lock=True, action="read")
    if row.flow_state in ("running", "returned"):
        raise FlowConflict("in_approval", _("This record is in approval already."))
    if row.owner_id != who.user_id and not who.is_admin and "update" not in service.allowed(record_id):
        raise Forbidden(_("You may only submit records you own or may change."))
    _check_chosen(session, shape, chosen)
    instance = FlowInstance(app=app_key, flow=flow_key, flow_version=shape.version, form=flow.form,
                            record_id=record_id, state="running", submitter_id=who.user_id,
                            department_id=who.main_department, chosen={k: list(v) for k, v in chosen.items()},
                            version=1, created_at=utcnow(), updated_at=utcnow())
    session.add(instance)
    session.flush()
    rt = Runtime(session, instance, shape, who.user_id, submitting=True)
    rt.causation = causation
    rt.service().set_flow_state(record_id, "running")
    rt.entry("submitted", node_id=flow.root.id, actor=who.user_id, comment=(body.get("comment") or None))
    rt.emit("flow.instance.submitted")
    rt.audit("submitted", record=record_id, flow_version=shape.version)
    rt.activate(flow.root)
    rt.done()
    return instance


def _check_chosen(session: Session, shape, chosen: dict[str, list[int]]) -> None:
    for node in shape.by_id.values():
        for spec in setting(node, "approvers", []) or []:
            if not isinstance(spec, dict) or spec.get("source") != "self_select":
                continue
            picked = chosen.get(node.id) or []
            if not picked:
                raise _invalid(f"chosen.{node.id}", "required", _("Choose who approves this step."))
            allowed_users = approvers.in_range(session, spec)
            if allowed_users is not None and not set(picked) <= allowed_users:
                raise _invalid(f"chosen.{node.id}", "out_of_range", _("Choose among the people this step offers."))
            if not spec.get("multiple", True) and len(picked) > 1:
                raise _invalid(f"chosen.{node.id}", "one", _("Choose one person."))


# --- actions


# Built once, as the lock (engine.lock_for_step): the hot path of every approval.
_TASKS_OF_RUN = select(FlowTask, FlowNodeRun).join(FlowNodeRun, FlowNodeRun.id == FlowTask.node_run_id).where(
    FlowTask.node_run_id == select(FlowTask.node_run_id).where(FlowTask.id == bindparam("task")).scalar_subquery()) \
    .order_by(FlowTask.position, FlowTask.id).execution_options(populate_existing=True)


def act_on_task(session: Session, task_id: int, action: str, body: Any, who: Principal) -> FlowInstance:
    entry = ACTIONS.get(action)
    if entry is None or entry.on != "task":
        raise NotFound(_("There is no such action."))
    instance = lock_for_step(session, task_id=task_id)
    if instance is None:
        raise NotFound(_("There is no such task."))
    # The task, its node run and the run's other tasks as they are now that the lock is ours,
    # in one read: a decision recounts the node from them (``Runtime.recompute``).
    rows = session.execute(_TASKS_OF_RUN, {"task": task_id}).all()
    siblings = [row[0] for row in rows]
    mine = next(t for t in siblings if t.id == task_id)
    return _run(session, instance, entry, mine, body, who, siblings)


def act_on_instance(session: Session, instance_id: int, action: str, body: Any, who: Principal) -> FlowInstance:
    entry = ACTIONS.get(action)
    if entry is None or entry.on != "instance":
        raise NotFound(_("There is no such action."))
    instance = lock_for_step(session, instance_id=instance_id)
    if instance is None:
        raise NotFound(_("There is no such approval."))
    mine = session.scalar(select(FlowTask).where(FlowTask.instance_id == instance.id, FlowTask.assignee_id ==
                                                 who.user_id, FlowTask.state == "open").order_by(FlowTask.id).limit(1))
    return _run(session, instance, entry, mine, body, who)


def _run(session: Session, instance: FlowInstance, entry, task_row: FlowTask | None, body: Any,
         who: Principal, siblings: list[FlowTask] | None = None) -> FlowInstance:
    if body is not None and not isinstance(body, dict):
        raise _invalid("$", "type", _("Send the action's details as an object."))
    shape = load_flow(session, instance.app, instance.flow, instance.flow_version)
    acting = Acting(Runtime(session, instance, shape, who.user_id, touched=True), who, task_row, dict(body or {}),
                    siblings)
    if not entry.who(acting):
        raise Forbidden(_("You may not do this on this approval."))
    task_id = task_row.id if task_row else None  # read now: a decision expires the node's tasks
    entry.guard(acting)
    entry.effect(acting)
    acting.rt.touch()
    acting.rt.audit(entry.name, task=task_id, comment=acting.comment)
    acting.rt.done()
    return instance


def edit_through_task(session: Session, task_id: int, body: Any, who: Principal) -> dict[str, Any]:
    """Save field edits from an open task without deciding: only the node's editable fields."""
    instance = lock_for_step(session, task_id=task_id)
    if instance is None:
        raise NotFound(_("There is no such task."))
    found = session.get(FlowTask, task_id, populate_existing=True)
    if found.assignee_id != who.user_id:
        raise Forbidden(_("You may not do this on this approval."))
    if found.state != "open":
        raise FlowConflict("task_closed", _("This task has been handled already."))
    shape = load_flow(session, instance.app, instance.flow, instance.flow_version)
    acting = Acting(Runtime(session, instance, shape, who.user_id, touched=True), who, found, {
        "values": (body or {}).get("values") if isinstance(body, dict) else None,
        "version": (body or {}).get("version") if isinstance(body, dict) else None})
    if not acting.body["values"]:
        raise _invalid("values", "required", _("Send the changed fields."))
    edit_record(acting, session.get(FlowNodeRun, found.node_run_id).node_id)
    acting.rt.touch()
    acting.rt.audit("edited", task=task_id)
    acting.rt.done()
    return view(session, instance.id, who)


def batch_approve(session: Session, ids: Any, comment: Any, who: Principal) -> dict[str, Any]:
    """Approve many open tasks of the caller at once; each in a savepoint, so one refused
    (closed meanwhile, a comment required) is reported and the others still count."""
    if not isinstance(ids, list) or not ids or len(ids) > MAX_BATCH or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise _invalid("ids", "required", _("List the tasks to approve (at most %(n)s).", n=MAX_BATCH))
    done, refused = [], []
    for task_id in dict.fromkeys(ids):
        savepoint = session.begin_nested()
        try:
            act_on_task(session, task_id, "approve", {"comment": comment}, who)
        except (FlowConflict, Forbidden, NotFound, Invalid) as exc:
            savepoint.rollback()
            refused.append({"id": task_id, "code": exc.code, "title": exc.title})
            continue
        savepoint.commit()
        done.append(task_id)
    return {"approved": done, "refused": refused}


# --- timeouts (a job)


def on_timeout(session: Session, args: dict[str, Any], ctx: RunContext) -> None:
    """A node's timeout fell due: does what the node says if its run is still active and a
    task still open (a decision made meanwhile wins: the job is then a no-op)."""
    run = session.get(FlowNodeRun, int(args["run"]))
    if run is None:
        return
    instance = lock(session, run.instance_id)
    session.refresh(run)
    open_tasks = list(session.scalars(select(FlowTask).where(FlowTask.node_run_id == run.id,
                                                             FlowTask.state == "open").order_by(FlowTask.id)))
    if run.state != "active" or instance.state != "running" or not open_tasks:
        return
    shape = load_flow(session, instance.app, instance.flow, instance.flow_version)
    node = shape.by_id[run.node_id]
    timeout = setting(node, "timeout") or {}
    rt = Runtime(session, instance, shape, None)
    action = timeout.get("action", "remind")
    rt.entry("timed_out", node_id=node.id, then=action)
    for t in open_tasks:
        rt.emit("flow.task.timed_out", node=node.id, task=t.id, action=action)
    if action == "remind":
        rt.notify([t.assignee_id for t in open_tasks], _("An approval is waiting for you, and it is overdue."),
                  "overdue")
        timeouts.schedule(session, run.id, timeout, int(args.get("n", 0)) + 1)
    elif action in ("auto_approve", "auto_reject"):
        outcome = "auto_approved" if action == "auto_approve" else "auto_rejected"
        for t in open_tasks:
            rt.close(t, outcome, None, reason="timeout")
            rt.entry(outcome, node_id=node.id, task=t, reason="timeout")
            if rt.recompute(run) is not None:
                break
    elif action == "transfer" and timeout.get("transfer_to"):
        for t in open_tasks:
            rt.close(t, "transferred", None, reason="timeout")
            rt.open_task(run, int(timeout["transfer_to"]), t.kind, t.position, added_by=t.added_by, sign=t.sign)
            rt.entry("transferred", node_id=node.id, task=t, reason="timeout", to=timeout["transfer_to"])
    elif action == "auto_return":
        passed = [n for n in passed_nodes(session, instance.id) if n != node.id]
        first = open_tasks[0]
        acting = Acting(rt, Principal(0, "system", "system", True, "flow"), first,
                        {"target": passed[-1] if passed else shape.flow.root.id})
        ACTIONS["return"].effect(acting)
        session.execute(  # the return was the system's, not a person's
            FlowTask.__table__.update().where(FlowTask.id == first.id).values(
                outcome="auto_returned", actor_id=None, reason="timeout"))
    rt.touch()
    rt.audit("timeout", node=node.id, then=action)
    rt.done()


task(timeouts.TASK, on_timeout)


# --- reading


def related(session: Session, instance: FlowInstance, shape, who: Principal) -> dict[str, str] | None:
    """The field permissions the caller reads the instance with: their task's node, the
    node that copied them, the start node for the submitter; None: not theirs to read."""
    if who.is_admin or who.user_id in shape.flow.settings.admins:
        return {"*": "read"}
    mine = session.execute(select(FlowNodeRun.node_id).join(FlowTask, FlowTask.node_run_id == FlowNodeRun.id).where(
        FlowTask.instance_id == instance.id, FlowTask.assignee_id == who.user_id)
        .order_by(FlowTask.state.in_(("open", "waiting")).desc(), FlowTask.id.desc()).limit(1)).first()
    if mine is not None:
        return permissions(shape, mine.node_id)
    cc = session.scalar(select(FlowCc.node_id).where(FlowCc.instance_id == instance.id,
                                                     FlowCc.user_id == who.user_id).limit(1))
    if cc is not None:
        return permissions(shape, cc)
    if instance.submitter_id == who.user_id:  # reads what the start node does not hide
        return {"*": "read", **{k: v for k, v in permissions(shape, shape.flow.root.id).items() if v == "hidden"}}
    return None


def view(session: Session, instance_id: int, who: Principal) -> dict[str, Any]:
    """An instance as the caller may see it: state, timeline, tasks, the record without
    the fields hidden from them, and the actions they may take now."""
    instance = session.get(FlowInstance, instance_id)
    if instance is None:
        raise NotFound(_("There is no such approval."))
    shape = load_flow(session, instance.app, instance.flow, instance.flow_version)
    perms = related(session, instance, shape, who)
    if perms is None:
        raise NotFound(_("There is no such approval."))
    rt = Runtime(session, instance, shape, None)
    record = RecordService(session, rt.form, Principal(0, "system", "system", True, "flow")).get(
        instance.record_id, deleted=None)
    hidden = {f.key for f in rt.form.definition.fields if allowed(perms, f.key) == "hidden"}
    editable = sorted(f.key for f in rt.form.definition.fields if allowed(perms, f.key) == "edit")
    tasks = list(session.scalars(select(FlowTask).where(FlowTask.instance_id == instance.id).order_by(FlowTask.id)))
    runs = {r.id: r for r in session.scalars(select(FlowNodeRun).where(FlowNodeRun.instance_id == instance.id))}
    mine = next((t for t in tasks if t.assignee_id == who.user_id and t.state == "open"), None)
    return {
        "id": instance.id, "app": instance.app, "flow": instance.flow, "flow_version": instance.flow_version,
        "form": instance.form, "record_id": instance.record_id, "state": instance.state,
        "submitter": instance.submitter_id, "version": instance.version,
        "created_at": _iso(instance.created_at), "ended_at": _iso(instance.ended_at),
        "record": {k: v for k, v in record.items() if k not in hidden},
        "editable": editable if mine or (instance.state == "returned" and who.user_id == instance.submitter_id)
        else [],
        "my_task": mine.id if mine else None,
        "actions": _actions_for(session, instance, shape, who, mine, runs),
        "tasks": [_task_view(t, runs.get(t.node_run_id), shape) for t in tasks],
        "timeline": [_entry_view(e) for e in session.scalars(
            select(FlowEntry).where(FlowEntry.instance_id == instance.id).order_by(FlowEntry.id))],
    }


def _actions_for(session: Session, instance: FlowInstance, shape, who: Principal, mine: FlowTask | None,
                 runs: dict[int, FlowNodeRun]) -> list[str]:
    found = []
    if mine is not None and instance.state == "running" and mine.kind != "resubmit":
        node = shape.by_id[runs[mine.node_run_id].node_id]
        enabled = setting(node, "actions", DEFAULT_ACTIONS)
        found = ["approve"] + [a for a in ("reject", "return", "transfer", "add_sign")
                               if a in enabled and not (a == "reject" and node.type == "handler")]
    if who.user_id == instance.submitter_id:
        if instance.state == "returned":
            found.append("resubmit")
        if instance.state in ("running", "returned") and shape.flow.settings.withdraw != "never":
            found.append("withdraw")
        if instance.state == "running":
            found.append("urge")
    if (who.is_admin or who.user_id in shape.flow.settings.admins) and instance.state in ("running", "returned"):
        found.append("terminate")
    return found + ["comment"]


def _task_view(t: FlowTask, run: FlowNodeRun | None, shape) -> dict[str, Any]:
    node = shape.by_id.get(run.node_id) if run else None
    return {"id": t.id, "node": run.node_id if run else None, "node_label": node.label if node else None,
            "kind": t.kind, "assignee": t.assignee_id, "on_behalf_of": t.on_behalf_of, "state": t.state,
            "outcome": t.outcome, "actor": t.actor_id, "reason": t.reason, "added_by": t.added_by, "sign": t.sign,
            "created_at": _iso(t.created_at), "closed_at": _iso(t.closed_at)}


def _entry_view(e: FlowEntry) -> dict[str, Any]:
    return {"id": e.id, "action": e.action, "node": e.node_id, "task": e.task_id, "actor": e.actor_id,
            "on_behalf_of": e.on_behalf_of, "comment": e.comment, "data": e.data, "at": _iso(e.at)}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat() + "Z"


def inbox(session: Session, who: Principal, box: str, limit: int = 50, before: int | None = None) -> dict[str, Any]:
    """The caller's 待办 (todo), 已办 (done), 我发起的 (started) or 抄送我 (cc), newest first,
    with the count of each box."""
    if box not in BOXES:
        raise _invalid("box", "choice", _("Use one of %(values)s.", values=", ".join(BOXES)))
    if not 1 <= limit <= MAX_PAGE:
        raise _invalid("limit", "range", _("Give a number from 1 to %(max)s.", max=MAX_PAGE))
    queries = _boxes(who)
    rows_query = queries[box].order_by(FlowInstance.id.desc() if box in ("started", "cc") else FlowTask.id.desc())
    if before:
        rows_query = rows_query.where((FlowInstance.id if box in ("started", "cc") else FlowTask.id) < before)
    rows = session.execute(rows_query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    shown = func.coalesce(func.nullif(User.display_name, ""), User.username)
    names = dict(session.execute(select(User.id, shown).where(
        User.id.in_({r.FlowInstance.submitter_id for r in rows}))).all()) if rows else {}
    items = []
    for r in rows:
        i = r.FlowInstance
        item = {"instance": i.id, "app": i.app, "flow": i.flow, "form": i.form, "record_id": i.record_id,
                "state": i.state, "submitter": i.submitter_id, "submitter_name": names.get(i.submitter_id),
                "created_at": _iso(i.created_at)}
        if box in ("todo", "done"):
            t = r.FlowTask
            item.update(task=t.id, node=r.node_id, kind=t.kind, outcome=t.outcome, on_behalf_of=t.on_behalf_of,
                        task_created_at=_iso(t.created_at), closed_at=_iso(t.closed_at))
        items.append(item)
    counts = {name: session.scalar(select(func.count()).select_from(q.subquery())) for name, q in queries.items()}
    cursor = (items[-1]["task"] if box in ("todo", "done") else items[-1]["instance"]) if more else None
    return {"box": box, "counts": counts, "items": items, "next_cursor": str(cursor) if cursor else None}


def _boxes(who: Principal) -> dict[str, Any]:
    me = who.user_id
    task_rows = select(FlowTask, FlowInstance, FlowNodeRun.node_id) \
        .join(FlowInstance, FlowInstance.id == FlowTask.instance_id) \
        .join(FlowNodeRun, FlowNodeRun.id == FlowTask.node_run_id)
    return {
        "todo": task_rows.where(FlowTask.assignee_id == me, FlowTask.state == "open"),
        "done": task_rows.where(FlowTask.actor_id == me, FlowTask.state == "closed"),
        "started": select(FlowInstance).where(FlowInstance.submitter_id == me),
        "cc": select(FlowInstance).where(FlowInstance.id.in_(
            select(FlowCc.instance_id).where(FlowCc.user_id == me))),
    }


def instances_of_record(session: Session, app: str, form: str, record_id: int, who: Principal) -> list[dict]:
    """The approvals of a record, newest first (who may read the record sees the list)."""
    RecordService(session, load_form(session, app, form), who).get(record_id)
    rows = session.scalars(select(FlowInstance).where(FlowInstance.app == app, FlowInstance.form == form,
                                                      FlowInstance.record_id == record_id)
                           .order_by(FlowInstance.id.desc()))
    return [{"id": i.id, "flow": i.flow, "flow_version": i.flow_version, "state": i.state,
             "submitter": i.submitter_id, "created_at": _iso(i.created_at), "ended_at": _iso(i.ended_at)}
            for i in rows]


# --- delegation while away


def get_delegation(session: Session, who: Principal) -> dict[str, Any] | None:
    d = session.get(FlowDelegation, who.user_id)
    return None if d is None else {"delegate": d.delegate_id, "from": _iso(d.starts_at), "until": _iso(d.ends_at)}


def set_delegation(session: Session, body: Any, who: Principal) -> dict[str, Any] | None:
    """``{"delegate": user id, "from": ISO time, "until": ISO time}``, or null to stop."""
    current = session.get(FlowDelegation, who.user_id)
    if body is None:
        if current is not None:
            session.delete(current)
        return None
    if not isinstance(body, dict):
        raise _invalid("$", "type", _("Send the delegate and the period."))
    delegate = body.get("delegate")
    if not isinstance(delegate, int) or isinstance(delegate, bool) or delegate == who.user_id or not session.scalar(
            select(User.id).where(User.id == delegate, User.is_active.is_(True))):
        raise _invalid("delegate", "user", _("Choose another active person."))
    starts, ends = _moment(body.get("from"), "from"), _moment(body.get("until"), "until")
    if ends <= starts:
        raise _invalid("until", "order", _("The end comes after the start."))
    if current is None:
        current = FlowDelegation(user_id=who.user_id, delegate_id=delegate, starts_at=starts, ends_at=ends)
        session.add(current)
    else:
        current.delegate_id, current.starts_at, current.ends_at = delegate, starts, ends
    session.flush()
    return get_delegation(session, who)


def _moment(value: Any, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(name, "datetime", _("Give a date and time (ISO 8601).")) from None
    if moment.tzinfo is not None:  # stored as naive UTC, as every timestamp here
        moment = (moment - moment.utcoffset()).replace(tzinfo=None)
    return moment
