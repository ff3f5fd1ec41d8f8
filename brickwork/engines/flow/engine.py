"""The flow engine's runtime: instances, node runs and tasks (engine-semantics §1.2, §1.3).

Everything here runs inside one transaction that holds the instance's row lock (``lock``):
``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite every writing session began with
``BEGIN IMMEDIATE`` (decision 0010), so it holds the database's write lock already. Tasks
close with a conditional ``UPDATE … WHERE state = 'open'``; a node's outcome is recounted
from the task table each time (``recompute``). An instance keeps the flow version it started
with: its body is loaded by (key, version).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from brickwork.engines.flow import approvers, timeouts
from brickwork.engines.flow.definition import FlowDefinition, Node
from brickwork.engines.flow.modes import MODES
from brickwork.engines.flow.nodes import NODES, setting
from brickwork.engines.form.conditions import context as expression_context
from brickwork.engines.form.conditions import with_ids
from brickwork.engines.form.forms import Form, load_form
from brickwork.engines.form.formulas import formula_infos
from brickwork.engines.form.records import RecordService
from brickwork.platform import generation
from brickwork.platform.audit import audit
from brickwork.platform.db import utcnow
from brickwork.platform.errors import BrickworkError, Conflict, NotFound
from brickwork.platform.expression import evaluate, parse_condition
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import PRINCIPAL_COLUMNS, Principal
from brickwork.platform.models import (
    App,
    Definition,
    FlowCc,
    FlowDelegation,
    FlowEntry,
    FlowInstance,
    FlowNodeRun,
    FlowTask,
    User,
)
from brickwork.platform.notifications import notify
from brickwork.platform.outbox import NewEvent, emit_many

TERMINAL = ("approved", "rejected", "withdrawn", "terminated")
APPROVED = ("approved", "auto_approved", "submitted")
REJECTED = ("rejected", "auto_rejected")
DECIDED_BY_PEOPLE = ("approved", "rejected", "returned", "submitted", "transferred")


class FlowConflict(Conflict):
    """A 409 with its own code (``task_closed``, ``withdraw_not_allowed`` …)."""

    def __init__(self, code: str, title: str, detail: str | None = None):
        super().__init__(title, detail=detail)
        self.code = code


# --- the flow's shape


@dataclass
class Shape:
    """A flow version indexed: nodes by id and, for each node, the group it sits in."""

    flow: FlowDefinition
    version: int
    by_id: dict[str, Node] = field(default_factory=dict)
    parent: dict[str, Node | None] = field(default_factory=dict)
    branch_of: dict[str, str] = field(default_factory=dict)  # node id → branch id in its group

    def __post_init__(self) -> None:
        self._index(self.flow.root, None, None)

    def _index(self, node: Node | None, group: Node | None, branch: str | None) -> None:
        while node is not None:
            self.by_id[node.id] = node
            self.parent[node.id] = group
            if branch:
                self.branch_of[node.id] = branch
            for b in [*node.branches, *([node.default] if node.default else [])]:
                self._index(b.node, node, b.id)
            node = node.next

    def groups_above(self, node_id: str) -> list[Node]:
        """The groups a node sits in, outermost first."""
        found, group = [], self.parent.get(node_id)
        while group is not None:
            found.append(group)
            group = self.parent.get(group.id)
        return list(reversed(found))


_pinned: dict[tuple[str, str, str, int], Shape] = {}


def load_flow(session: Session, app_key: str, key: str, version: int | None = None) -> Shape:
    """A published flow: its live version, or the version an instance pinned (parsed once
    per process: a published version is never changed nor removed, so a pinned one is not
    even read again)."""
    url = str(session.get_bind().url)
    if version and (url, app_key, key, version) in _pinned:
        return _pinned[url, app_key, key, version]
    query = select(Definition.id, Definition.published_at, Definition.version, Definition.body) \
        .join(App, App.id == Definition.app_id) \
        .where(App.key == app_key, Definition.kind == "flow", Definition.key == key, Definition.state == "published")
    query = query.where(Definition.version == version) if version else query.order_by(Definition.version.desc())
    row = session.execute(query.limit(1)).first()
    if row is None:
        raise NotFound(_("The app %(app)s has no published flow %(flow)s.", app=app_key, flow=key))
    found = _pinned.get((url, app_key, key, row.version))
    if found is None:
        found = _pinned[url, app_key, key, row.version] = Shape(FlowDefinition.model_validate(row.body), row.version)
    return found


def lock(session: Session, instance_id: int) -> FlowInstance:
    """The instance, its row locked for the rest of the transaction."""
    instance = session.scalar(select(FlowInstance).where(FlowInstance.id == instance_id)
                              .with_for_update().execution_options(populate_existing=True))
    if instance is None:
        raise NotFound(_("There is no such approval."))
    return instance


def lock_for_step(session: Session, *, instance_id: int | None = None, task_id: int | None = None) \
        -> FlowInstance | None:
    """The instance a person's step acts on (by its id or by one of its tasks), in one
    statement: its row locked for the rest of the transaction and its version bumped (the
    step's ``touch``), returned as it is once the lock is ours. An UPDATE waits for the row
    lock as ``SELECT … FOR UPDATE`` does and then works on the row's newest version (READ
    COMMITTED), so this is the same lock with two statements fewer (find the instance of the
    task; bump the version at the end). A refused step rolls the bump back with everything else.
    None: no such instance (or task)."""
    statement, key = (_LOCK_BY_INSTANCE, instance_id) if task_id is None else (_LOCK_BY_TASK, task_id)
    row = session.execute(statement, {"key": key, "now": utcnow()}).first()
    if row is None:
        return None
    instance, app_generation = row
    # The app's generation comes with the lock, so the outbox's subscribers (rules, webhooks)
    # ask no query of their own to know whether the app's events concern them.
    generation.seen(session, instance.app, app_generation)
    return instance


def _lock_statement(target):
    # Built once (a statement is immutable): building it per action costs more Python time
    # than running it.
    return update(FlowInstance).where(target).values(version=FlowInstance.version + 1, updated_at=bindparam("now")) \
        .returning(FlowInstance, select(App.generation).where(App.key == FlowInstance.app).scalar_subquery()) \
        .execution_options(populate_existing=True, synchronize_session=False)


_CLOSE = update(FlowTask).where(FlowTask.id == bindparam("task"), FlowTask.state == bindparam("was")).values(
    {c: bindparam(f"new_{c}") for c in ("state", "outcome", "actor_id", "reason", "closed_at")}) \
    .execution_options(synchronize_session=False)
_LOCK_BY_INSTANCE = _lock_statement(FlowInstance.id == bindparam("key"))
_LOCK_BY_TASK = _lock_statement(FlowInstance.id == select(FlowTask.instance_id).where(
    FlowTask.id == bindparam("key")).scalar_subquery())


def system_principal(session: Session, user_id: int | None) -> Principal:
    """Who the flow writes the record as: the acting person's name, every field's rights
    (the node's permissions say what may change, ``RecordService.flow_fields``)."""
    if not user_id:  # the system (a timeout): its writes carry the first administrator's name, as rules do
        user_id = session.scalar(select(User.id).where(User.is_admin.is_(True)).order_by(User.id).limit(1))
    row = session.execute(select(*PRINCIPAL_COLUMNS).where(User.id == user_id)).first() if user_id else None
    if row is None:
        return Principal(0, "system", "system", True, "flow")
    return Principal(row.user_id, row.username, row.display_name or row.username, True, "flow",
                     main_department=row.main_department)


def permissions(shape: Shape, node_id: str | None) -> dict[str, str]:
    """A node's field permissions by field key, with its type's default for unlisted fields
    under the key ``*``: start edit, approval and handler read, CC hidden."""
    node = shape.by_id.get(node_id or "")
    if node is None:
        return {"*": "read"}
    default = {"start": "edit", "cc": "hidden"}.get(node.type, "read")
    return {"*": default, **(setting(node, "permissions", {}) or {})}


def allowed(perms: dict[str, str], key: str) -> str:
    return perms.get(key, perms.get("*", "read"))


# --- one instance at work


class Runtime:
    """One instance inside its locked transaction: activates nodes, opens and closes
    tasks, recounts outcomes, ends the instance, and writes the timeline, the record's
    state, events, notifications and audit entries as it goes."""

    def __init__(self, session: Session, instance: FlowInstance, shape: Shape, actor: int | None,
                 *, submitting: bool = False, touched: bool = False):
        self.session, self.instance, self.shape, self.actor = session, instance, shape, actor
        self.submitting = submitting  # an empty node with on_empty=reject refuses the submit
        self.touched = touched  # the version was bumped already, by ``lock_for_step``
        self.events: list[NewEvent] = []
        self.causation: dict[str, Any] | None = None  # a rule's chain, when a rule started the step

    @cached_property
    def form(self) -> Form:
        return load_form(self.session, self.instance.app, self.instance.form)

    @cached_property
    def app(self) -> App:
        return self.session.scalar(select(App).where(App.key == self.instance.app))

    def service(self, actor: int | None = None) -> RecordService:
        service = RecordService(self.session, self.form, system_principal(self.session, actor or self.actor))
        service.source = "flow"
        service.causation = self.causation
        return service

    def record_row(self):
        t = self.form.table
        return self.session.connection().execute(select(t).where(t.c.id == self.instance.record_id)).first()

    # --- writes that go with every step
    def entry(self, action: str, *, node_id: str | None = None, task: FlowTask | None = None,
              actor: int | None = None, comment: str | None = None, **data: Any) -> None:
        self.session.add(FlowEntry(instance_id=self.instance.id, node_id=node_id, task_id=task.id if task else None,
                                   action=action, actor_id=actor, comment=comment, data=data, at=utcnow(),
                                   on_behalf_of=task.on_behalf_of if task and actor == task.assignee_id else None))

    def emit(self, topic: str, **payload: Any) -> None:
        """An event, written with the others of this step in one statement (``done``)."""
        i = self.instance
        self.events.append(NewEvent(topic, {
            "app": i.app, "form": i.form, "id": i.record_id, "instance": i.id, "flow": i.flow,
            "flow_version": i.flow_version, "actor": self.actor, "occurred_at": utcnow().isoformat() + "Z",
            **({"causation": self.causation} if self.causation else {}),
            **payload}, order_key=f"{i.app}/{i.form}/{i.record_id}"))

    def done(self) -> None:
        """The end of a step: its events into the outbox, in this transaction."""
        self.session.flush()
        emit_many(self.session, self.events)
        self.events = []

    def notify(self, users: list[int], text: str, event: str) -> None:
        """The bell, and the app's channels that pass ``event`` on, with a link to the approval page."""
        i = self.instance
        notify(self.session, users, text, app=i.app, form=i.form, record_id=i.record_id, source=f"flow:{i.id}",
               event=event, link=f"/inbox/{i.id}")

    def audit(self, action: str, **changes: Any) -> None:
        audit(self.session, self.actor, f"flow.{action}", "flow_instance", self.instance.id, changes)

    def touch(self) -> None:
        if self.touched:  # once per step: the lock bumped it, no second UPDATE of the instance
            return
        self.instance.version += 1
        self.instance.updated_at = utcnow()

    def set_state(self, state: str) -> None:
        """The instance's state and the record's ``flow_state`` with it."""
        self.instance.state = state
        if state in TERMINAL:
            self.instance.ended_at = utcnow()
        self.touch()
        self.service().set_flow_state(self.instance.record_id, state)

    # --- node runs
    def new_run(self, node: Node, state: str = "active", branch: str | None = None) -> FlowNodeRun:
        run = FlowNodeRun(instance_id=self.instance.id, parent_id=self.parent_run(node), node_id=node.id,
                          node_type=node.type, branch=branch, state=state, started_at=utcnow(),
                          ended_at=None if state == "active" else utcnow())
        self.session.add(run)
        self.session.flush()
        self.emit("flow.node.activated", node=node.id, node_run=run.id)
        return run

    def parent_run(self, node: Node) -> int | None:
        """The active run of the group the node sits in (made anew when a return re-enters a
        group that had ended)."""
        group = self.shape.parent.get(node.id)
        if group is None:
            return None
        found = self.session.scalar(select(FlowNodeRun.id).where(
            FlowNodeRun.instance_id == self.instance.id, FlowNodeRun.node_id == group.id,
            FlowNodeRun.state == "active").order_by(FlowNodeRun.id.desc()).limit(1))
        if found is None:
            found = self.new_run(group, branch=self.shape.branch_of.get(node.id)).id
        return found

    def activate(self, node: Node) -> None:
        if self.instance.state != "running":
            return
        NODES[node.type].activate(self, node)

    def activate_start(self, node: Node) -> None:
        run = self.new_run(node, state="approved")
        self.advance(run)

    def activate_cc(self, node: Node) -> None:
        run = self.new_run(node, state="approved")
        users = approvers.resolve_all(self.resolving(node), setting(node, "recipients", []))
        self.copy(users, node.id)
        self.entry("cc", node_id=node.id, users=users)
        self.emit("flow.node.completed", node=node.id, node_run=run.id, outcome="approved")
        self.advance(run)

    def copy(self, users: list[int], node_id: str) -> list[int]:
        """CC people on the instance: they read it with the fields of ``node_id``."""
        have = set(self.session.scalars(select(FlowCc.user_id).where(
            FlowCc.instance_id == self.instance.id, FlowCc.node_id == node_id)))
        new = [u for u in dict.fromkeys(users) if u not in have]
        self.session.add_all(FlowCc(instance_id=self.instance.id, user_id=u, node_id=node_id) for u in new)
        self.notify(new, _("You were copied on an approval."), "cc")
        return new

    def activate_condition(self, node: Node) -> None:
        """The first branch whose condition holds on the record as it is now, else the
        default; a condition that cannot be evaluated counts false (and is logged)."""
        values = self._logical()
        infos = formula_infos(self.form.definition.fields)
        chosen = node.default
        for branch in node.branches:
            try:
                holds = bool(evaluate(parse_condition(with_ids(self.form, branch.condition), infos), values,
                                      infos, expression_context(system_principal(self.session, None))))
            except (BrickworkError, ValueError, TypeError, KeyError, ArithmeticError) as exc:
                self.entry("condition_error", node_id=node.id, branch=branch.id, error=str(exc)[:500])
                holds = False
            if holds:
                chosen = branch
                break
        run = self.new_run(node, branch=chosen.id if chosen else None)
        self.entry("branch", node_id=node.id, branch=chosen.id if chosen else None)
        if chosen is not None and chosen.node is not None:
            self.activate(chosen.node)
        else:
            self.join(run)

    def activate_parallel(self, node: Node) -> None:
        run = self.new_run(node)
        for branch in node.branches:
            if branch.node is not None:
                self.activate(branch.node)
        self.join(run)

    def _logical(self) -> dict[str, Any]:
        service = self.service(0)
        return service.logical(self.record_row())

    def resolving(self, node: Node) -> approvers.Resolving:
        return approvers.Resolving(self.session, self.app, self.instance.submitter_id, self.instance.department_id,
                                   _api_values(self.service(0), self.instance.record_id), self.form.definition,
                                   self.instance.chosen or {}, node.id)

    # --- approval and handler nodes
    def activate_tasks(self, node: Node, kind: str) -> None:
        ctx = self.resolving(node)
        users = approvers.resolve_all(ctx, setting(node, "approvers", []))
        users = approvers.apply_on_self(ctx, users, setting(node, "on_self", "skip"))
        fallback = False
        if not users:
            policy = setting(node, "on_empty", "assign_to_flow_admin")
            if policy == "reject" and self.submitting:
                raise FlowConflict("no_approver", _("Nobody can approve this step, so it cannot be submitted."),
                                   detail=_("Step: %(node)s", node=node.id))
            run = self.new_run(node)
            if policy in ("auto_approve", "reject"):
                outcome = "approved" if policy == "auto_approve" else "rejected"
                self.entry("auto_approved" if outcome == "approved" else "auto_rejected", node_id=node.id,
                           reason="no_approver")
                self.decide(run, outcome, reason="no_approver")
                return
            users = approvers.on_empty_users(self.session, policy, setting(node, "assign_to"),
                                             self.shape.flow.settings.admins)
            fallback = True
        else:
            run = self.new_run(node)
        mode = MODES[setting(node, "mode", "any")]
        deduped = set() if fallback else self.dedupe(node, users)
        for position, user in enumerate(users):
            task = self.open_task(run, user, kind, position, fallback=fallback,
                                  state="open" if mode.opens_all or position == 0 else "waiting")
            if user in deduped:  # also a later turn of a sequential node: decided once is enough
                self.close(task, "auto_approved", None, reason="dedupe", state_was=task.state)
                self.entry("auto_approved", node_id=node.id, task=task, reason="dedupe", user=user)
        if self.recompute(run) is None:
            timeouts.schedule(self.session, run.id, setting(node, "timeout"), 0)

    def open_task(self, run: FlowNodeRun, user: int, kind: str, position: int, *, state: str = "open",
                  fallback: bool = False, added_by: int | None = None, sign: str | None = None) -> FlowTask:
        """A task for ``user``, or for their delegate while they are away."""
        moment = utcnow()
        delegate = self.session.scalar(select(FlowDelegation.delegate_id).where(
            FlowDelegation.user_id == user, FlowDelegation.starts_at <= moment, FlowDelegation.ends_at > moment))
        task = FlowTask(instance_id=self.instance.id, node_run_id=run.id, kind=kind,
                        assignee_id=delegate or user, on_behalf_of=user if delegate else None, state=state,
                        position=position, fallback=fallback, added_by=added_by, sign=sign, created_at=moment)
        self.session.add(task)
        self.session.flush()
        self.emit("flow.task.created", node=run.node_id, task=task.id, assignee=task.assignee_id)
        if state == "open":
            self.notify([task.assignee_id], _("An approval is waiting for you."), "task_created")
        return task

    def dedupe(self, node: Node, users: list[int]) -> set[int]:
        """The people who approve this node for having approved earlier (settings.dedupe),
        except where §1.7 forbids it: the record changed since, the earlier node showed
        other field permissions, or a return, transfer or add-sign happened in between."""
        how = self.shape.flow.settings.dedupe
        if how == "none":
            return set()
        done = self.session.execute(
            select(FlowTask.assignee_id, FlowTask.closed_at, FlowNodeRun.node_id,
                   FlowNodeRun.id).join(FlowNodeRun, FlowNodeRun.id == FlowTask.node_run_id)
            .where(FlowTask.instance_id == self.instance.id, FlowTask.outcome.in_(("approved", "auto_approved")),
                   FlowTask.actor_id.is_not(None) | (FlowTask.reason == "dedupe"), FlowTask.kind == "approve",
                   FlowNodeRun.node_type.in_(("approval",)), FlowTask.added_by.is_(None))
            .order_by(FlowTask.closed_at)).all()
        if node.type != "approval" or not done:
            return set()
        if how == "consecutive":
            last_run = max(row.id for row in done)
            done = [row for row in done if row.id == last_run]
        mine = permissions(self.shape, node.id)
        # The record changes only through the flow while it runs (it is locked), and every
        # such change leaves an ``edited`` entry: an entry after the approval is a change since.
        disruptions = self.session.scalar(select(FlowEntry.at).where(
            FlowEntry.instance_id == self.instance.id,
            FlowEntry.action.in_(("returned", "transferred", "add_sign", "resubmitted", "edited")))
            .order_by(FlowEntry.at.desc()).limit(1))
        found = set()
        for earlier in done:
            if earlier.assignee_id not in users:
                continue
            if permissions(self.shape, earlier.node_id) != mine:
                continue
            if disruptions is not None and disruptions >= earlier.closed_at:
                continue
            found.add(earlier.assignee_id)
        return found

    def close(self, task: FlowTask, outcome: str, actor: int | None, *, reason: str | None = None,
              state_was: str = "open") -> None:
        """Close one task if it is still ``state_was``: otherwise someone was first (409)."""
        values = {"state": "closed", "outcome": outcome, "actor_id": actor, "reason": reason, "closed_at": utcnow()}
        done = self.session.execute(_CLOSE, {"task": task.id, "was": state_was, **{f"new_{k}": v
                                                                                for k, v in values.items()}})
        if done.rowcount != 1:
            raise FlowConflict("task_closed", _("This task has been handled already."))
        for key, value in values.items():  # as written: no read back
            set_committed_value(task, key, value)
        self.emit("flow.task.closed", node=None, task=task.id, outcome=outcome, reason=reason,
                  assignee=task.assignee_id)

    def recompute(self, run: FlowNodeRun, tasks: list[FlowTask] | None = None) -> str | None:
        """The node's outcome from its tasks as they are now (the row lock is held): decided
        → the rest close and the flow moves on; undecided → the next turn opens. ``tasks``:
        the run's tasks as this step read them under the lock and changed them since (a
        decision: only its own task closed), ordered as below; else they are read here."""
        if run.state != "active":
            return run.state
        node = self.shape.by_id[run.node_id]
        if tasks is None:
            tasks = list(self.session.scalars(select(FlowTask).where(FlowTask.node_run_id == run.id)
                                              .order_by(FlowTask.position, FlowTask.id)))
        primary = [t for t in tasks if t.added_by is None and t.outcome != "transferred"]
        added = [t for t in tasks if t.added_by is not None and t.outcome != "transferred"]
        a = sum(t.outcome in APPROVED for t in primary)
        r = sum(t.outcome in REJECTED for t in primary)
        mode = MODES[setting(node, "mode", "any")]
        outcome = mode.outcome(a, r, len(primary), int(setting(node, "ratio", 100)))
        if any(t.outcome in REJECTED for t in added):
            outcome = "rejected"
        if outcome == "approved" and any(t.state != "closed" for t in added):
            outcome = None
        if outcome is not None:
            self.decide(run, outcome)
            return outcome
        # Add-sign before: the adder's task reopens once everyone added has approved.
        for t in primary:
            before = [x for x in added if x.added_by == t.id and x.sign == "before"]
            if t.state == "waiting" and before and all(x.outcome in APPROVED for x in before):
                self.reopen(t)
        if not mode.opens_all and not any(t.state == "open" or (t.state == "waiting" and any(
                x.added_by == t.id and x.state != "closed" for x in added)) for t in primary):
            following = next((t for t in primary if t.state == "waiting"), None)
            if following is not None:
                self.reopen(following)
        return None

    def reopen(self, task: FlowTask) -> None:
        task.state = "open"
        self.session.flush()
        self.notify([task.assignee_id], _("An approval is waiting for you."), "task_created")

    def decide(self, run: FlowNodeRun, outcome: str, *, reason: str | None = None) -> None:
        """The node run ends: open tasks close ``no_response``, waiting ones ``cancelled``."""
        self.end_tasks([run.id], "no_response", "node_decided")
        run.state, run.reason, run.ended_at = outcome, reason, utcnow()
        self.session.flush()
        self.emit("flow.node.completed", node=run.node_id, node_run=run.id, outcome=outcome, reason=reason)
        if outcome == "approved":
            self.advance(run)
        elif outcome == "rejected":
            self.finish("rejected")

    def end_tasks(self, run_ids: list[int] | None, open_outcome: str, reason: str) -> None:
        """Close every open (``open_outcome``) and waiting (``cancelled``) task of the runs
        (None: of the whole instance)."""
        where = [FlowTask.instance_id == self.instance.id]
        if run_ids is not None:
            where.append(FlowTask.node_run_id.in_(run_ids))
        # One statement for both: SET reads the row as it was, so CASE sees the old state.
        self.session.execute(update(FlowTask).where(*where, FlowTask.state.in_(("open", "waiting"))).values(
            state="closed", outcome=case((FlowTask.state == "open", open_outcome), else_="cancelled"),
            reason=reason, closed_at=utcnow()).execution_options(synchronize_session=False))
        self.forget(FlowTask)

    def forget(self, *kinds: type) -> None:
        """Expire the loaded rows of ``kinds`` after a set-wise UPDATE of their table, so they
        are read again when next used; the instance and the rest stay as they are (no reloads)."""
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, kinds):
                self.session.expire(obj)

    def advance(self, run: FlowNodeRun) -> None:
        """After a node: the next node of its chain; at the end of a branch, the group's join;
        at the end of the root chain, the instance is approved."""
        if self.instance.state != "running":
            return
        node = self.shape.by_id[run.node_id]
        if node.next is not None:
            self.activate(node.next)
        elif run.parent_id is None:
            self.finish("approved")
        else:
            self.join(self.session.get(FlowNodeRun, run.parent_id))

    def join(self, group_run: FlowNodeRun) -> None:
        """A group ends when none of its runs is still active (every parallel branch done)."""
        if group_run.state != "active" or self.instance.state != "running":
            return
        busy = self.session.scalar(select(FlowNodeRun.id).where(
            FlowNodeRun.parent_id == group_run.id, FlowNodeRun.state == "active").limit(1))
        if busy is None:
            group_run.state, group_run.ended_at = "approved", utcnow()
            self.session.flush()
            self.emit("flow.node.completed", node=group_run.node_id, node_run=group_run.id, outcome="approved")
            self.advance(group_run)

    def cancel_runs(self, keep: set[int] = frozenset()) -> None:
        """Every active run and its tasks ends ``cancelled`` (but those in ``keep``)."""
        active = list(self.session.scalars(select(FlowNodeRun).where(
            FlowNodeRun.instance_id == self.instance.id, FlowNodeRun.state == "active")))
        gone = [r for r in active if r.id not in keep]
        if not gone:  # nothing to end (an instance finishing after its last node decided)
            return
        self.end_tasks([r.id for r in gone], "cancelled", "cancelled")
        for r in gone:
            self.session.execute(update(FlowNodeRun).where(FlowNodeRun.id == r.id).values(
                state="cancelled", ended_at=utcnow()))
        self.forget(FlowTask, FlowNodeRun)

    def finish(self, state: str) -> None:
        """The instance ends: every task left closes, the record unlocks."""
        self.end_tasks(None, "no_response" if state in ("approved", "rejected") else "cancelled", state)
        self.cancel_runs()
        self.set_state(state)
        self.entry(state)
        self.emit(f"flow.instance.{state}")
        self.notify([self.instance.submitter_id], {
            "approved": _("Your approval request was approved."),
            "rejected": _("Your approval request was rejected."),
            "withdrawn": _("Your approval request was withdrawn."),
            "terminated": _("Your approval request was terminated."),
        }[state], state)


def _api_values(service: RecordService, record_id: int) -> dict[str, Any]:
    try:
        return service.get(record_id)
    except NotFound:
        return {}


def passed_nodes(session: Session, instance_id: int) -> list[str]:
    """Nodes this instance went through (start, approval and handler nodes), in order."""
    rows = session.execute(select(FlowNodeRun.node_id, FlowNodeRun.node_type).where(
        FlowNodeRun.instance_id == instance_id, FlowNodeRun.state == "approved").order_by(FlowNodeRun.id)).all()
    return list(dict.fromkeys(r.node_id for r in rows if r.node_type in ("start", "approval", "handler")))
