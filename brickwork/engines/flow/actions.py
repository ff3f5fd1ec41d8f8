"""What people do to an approval (engine-semantics §1.4): one entry per action, all of the
same shape: who may take it (a wrong actor gets 403), its guard (the state allows it, or
409 / 422), and its effect. ``service.act`` runs an entry inside the instance's lock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from brickwork.engines.flow.engine import (
    DECIDED_BY_PEOPLE,
    FlowConflict,
    Runtime,
    allowed,
    passed_nodes,
    permissions,
)
from brickwork.engines.flow.nodes import setting
from brickwork.platform.db import utcnow
from brickwork.platform.errors import FieldError, Invalid, TooManyRequests
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import FlowCc, FlowNodeRun, FlowTask, StoredFile, User

DEFAULT_ACTIONS = ["approve", "reject", "return", "transfer"]
DEFAULT_COMMENT_REQUIRED = ["reject", "return"]
URGE_EVERY = timedelta(hours=1)
MAX_ADDED = 20


@dataclass
class Acting:
    """One action being taken: the locked instance's runtime, the caller, the task (task
    actions), and what they sent."""

    rt: Runtime
    who: Principal
    task: FlowTask | None
    body: dict[str, Any] = field(default_factory=dict)
    siblings: list[FlowTask] | None = None  # the task's run's tasks, read with it under the lock

    @property
    def comment(self) -> str | None:
        text = self.body.get("comment")
        return text.strip()[:4000] if isinstance(text, str) and text.strip() else None

    @property
    def is_flow_admin(self) -> bool:
        return self.who.is_admin or self.who.user_id in self.rt.shape.flow.settings.admins

    @property
    def node(self):
        run = self.run
        return self.rt.shape.by_id[run.node_id] if run else self.rt.shape.flow.root

    @property
    def run(self) -> FlowNodeRun | None:
        return self.rt.session.get(FlowNodeRun, self.task.node_run_id) if self.task else None

    def users(self) -> list[int]:
        users = self.body.get("users")
        if not isinstance(users, list) or not users or len(users) > MAX_ADDED or not all(
                isinstance(u, int) and not isinstance(u, bool) for u in users):
            raise Invalid(_("The request is not valid."), errors=[FieldError("users", "required", _(
                "Choose the people (at most %(n)s).", n=MAX_ADDED))])
        users = list(dict.fromkeys(users))
        active = set(self.rt.session.scalars(select(User.id).where(User.id.in_(users), User.is_active.is_(True))))
        missing = [u for u in users if u not in active]
        if missing:
            raise Invalid(_("The request is not valid."), errors=[FieldError("users", "inactive", _(
                "These people cannot take tasks: %(ids)s.", ids=", ".join(map(str, missing))))])
        return users


@dataclass(frozen=True)
class Action:
    name: str
    on: str  # "task": the caller's task; "instance": the approval as a whole
    who: Callable[[Acting], bool]
    guard: Callable[[Acting], None]
    effect: Callable[[Acting], None]


ACTIONS: dict[str, Action] = {}


def register(entry: Action) -> Action:
    ACTIONS[entry.name] = entry
    return entry


# --- who


def _assignee(a: Acting) -> bool:
    return a.task is not None and a.task.assignee_id == a.who.user_id


def _assignee_or_admin(a: Acting) -> bool:
    return _assignee(a) or (a.task is not None and a.is_flow_admin)


def _submitter(a: Acting) -> bool:
    return a.rt.instance.submitter_id == a.who.user_id


def _flow_admin(a: Acting) -> bool:
    return a.is_flow_admin


def _involved(a: Acting) -> bool:
    """The submitter, anyone with a task in it, anyone copied, an admin."""
    i = a.rt.instance
    s = a.rt.session
    return _submitter(a) or a.is_flow_admin or s.scalar(select(FlowTask.id).where(
        FlowTask.instance_id == i.id, FlowTask.assignee_id == a.who.user_id).limit(1)) is not None or s.scalar(
        select(FlowCc.id).where(FlowCc.instance_id == i.id, FlowCc.user_id == a.who.user_id).limit(1)) is not None


# --- guards


def _enabled(name: str) -> Callable[[Acting], None]:
    """The task is open, the instance running, the node enables the action, and the comment
    is there if the node wants one."""
    def guard(a: Acting) -> None:
        if a.task.state != "open":
            raise FlowConflict("task_closed", _("This task has been handled already."))
        if a.rt.instance.state != "running":
            raise FlowConflict("not_running", _("This approval is not running."))
        node = a.node
        enabled = setting(node, "actions", DEFAULT_ACTIONS)
        if node.type == "handler" and name == "reject":
            raise FlowConflict("action_not_enabled", _("A handling step is submitted, not rejected."))
        if name not in enabled and name != "approve" and not (name == "transfer" and a.is_flow_admin):
            raise FlowConflict("action_not_enabled", _("This step does not allow this action."))
        if name in setting(node, "comment_required", DEFAULT_COMMENT_REQUIRED) and not a.comment:
            raise Invalid(_("The request is not valid."), errors=[FieldError(
                "comment", "required", _("Say why, in a comment.")),
            ])
    return guard


def _running(a: Acting) -> None:
    if a.rt.instance.state != "running":
        raise FlowConflict("not_running", _("This approval is not running."))


def _not_ended(a: Acting) -> None:
    if a.rt.instance.state not in ("running", "returned", "error"):
        raise FlowConflict("not_running", _("This approval has ended."))


def _nothing(a: Acting) -> None:
    return None


# --- effects


def edit_record(a: Acting, node_id: str) -> None:
    """Values sent with an action: written through the record service, only the fields the
    node lets the caller edit (403 listing the others, nothing saved)."""
    values = a.body.get("values")
    if not values:
        return
    if not isinstance(values, dict):
        raise Invalid(_("The request is not valid."), errors=[FieldError("values", "type", _(
            "Send the changed fields as an object."))])
    perms = permissions(a.rt.shape, node_id)
    service = a.rt.service(a.who.user_id)
    service.flow_fields = frozenset(f.key for f in a.rt.form.definition.fields if allowed(perms, f.key) == "edit")
    service.update(a.rt.instance.record_id, values, a.body.get("version"))
    a.rt.entry("edited", node_id=node_id, task=a.task, actor=a.who.user_id, fields=sorted(values))


def _decide(outcome_of: Callable[[Acting], str]) -> Callable[[Acting], None]:
    def effect(a: Acting) -> None:
        run = a.run
        edit_record(a, run.node_id)
        outcome = outcome_of(a)
        a.rt.close(a.task, outcome, a.who.user_id)
        a.rt.entry(outcome, node_id=run.node_id, task=a.task, actor=a.who.user_id, comment=a.comment,
                   attachments=_attachments(a))
        a.rt.recompute(run, a.siblings)  # only this task changed since they were read
    return effect


def _approve_outcome(a: Acting) -> str:
    return "submitted" if a.task.kind == "handle" else "approved"


def _return(a: Acting) -> None:
    """Back to a node this instance passed (the start: to the submitter, who fixes and
    resubmits); the whole node returns, whatever its mode."""
    rt, run = a.rt, a.run
    root = rt.shape.flow.root.id
    target = a.body.get("target") or root
    passed = passed_nodes(rt.session, rt.instance.id)
    wanted = setting(a.node, "return_targets", "passed")
    if target not in passed or target == run.node_id or (isinstance(wanted, list) and target not in wanted
                                                          and target != root):
        raise Invalid(_("The request is not valid."), errors=[FieldError("target", "not_passed", _(
            "Return to a step this approval has passed: %(nodes)s.",
            nodes=", ".join(n for n in passed if n != run.node_id)))])
    rt.close(a.task, "returned", a.who.user_id)
    rt.end_tasks([run.id], "cancelled", "returned")
    rt.session.execute(update(FlowNodeRun).where(FlowNodeRun.id == run.id).values(
        state="returned", ended_at=utcnow()))
    rt.entry("returned", node_id=run.node_id, task=a.task, actor=a.who.user_id, comment=a.comment, target=target,
             attachments=_attachments(a))
    rt.instance.returned_from = run.node_id
    if target == root:
        rt.cancel_runs()
        rt.set_state("returned")
        start = rt.new_run(rt.shape.flow.root)
        rt.open_task(start, rt.instance.submitter_id, "resubmit", 0)
        rt.emit("flow.instance.returned", node=run.node_id, target=target)
        return
    node = rt.shape.by_id[target]
    keep = _group_runs_of(rt, target)
    rt.cancel_runs(keep)
    rt.touch()
    rt.activate(node)


def _group_runs_of(rt: Runtime, node_id: str) -> set[int]:
    """The active runs of the groups a node sits in: a return inside a group keeps them."""
    groups = [g.id for g in rt.shape.groups_above(node_id)]
    if not groups:
        return set()
    return set(rt.session.scalars(select(FlowNodeRun.id).where(
        FlowNodeRun.instance_id == rt.instance.id, FlowNodeRun.node_id.in_(groups), FlowNodeRun.state == "active")))


def _assignees(a: Acting) -> set[int]:
    return set(a.rt.session.scalars(select(FlowTask.assignee_id).where(
        FlowTask.node_run_id == a.task.node_run_id, FlowTask.state.in_(("open", "waiting")))))


def _transfer(a: Acting) -> None:
    users = a.users()
    if len(users) != 1:
        raise Invalid(_("The request is not valid."), errors=[FieldError("users", "one", _(
            "Transfer to one person."))])
    to = users[0]
    if to in _assignees(a):
        raise Invalid(_("The request is not valid."), errors=[FieldError("users", "already_assignee", _(
            "This person has a task in this step already."))])
    if to == a.rt.instance.submitter_id and setting(a.node, "on_self", "skip") != "self_approves":
        raise Invalid(_("The request is not valid."), errors=[FieldError("users", "submitter", _(
            "The submitter cannot approve their own request here."))])
    task, run = a.task, a.run
    a.rt.close(task, "transferred", a.who.user_id)
    new = a.rt.open_task(run, to, task.kind, task.position, added_by=task.added_by, sign=task.sign)
    a.rt.entry("transferred", node_id=run.node_id, task=task, actor=a.who.user_id, comment=a.comment,
               to=to, new_task=new.id)
    a.rt.emit("flow.task.transferred", node=run.node_id, task=task.id, to=to, new_task=new.id)


def _add_sign(a: Acting) -> None:
    """Before: the added people approve first, then the task comes back; after: the task is
    approved and the node waits for the added people too."""
    task, run = a.task, a.run
    where = a.body.get("position", "before")
    if where not in ("before", "after"):
        raise Invalid(_("The request is not valid."), errors=[FieldError("position", "choice", _(
            "Use before or after."))])
    if task.added_by is not None:
        raise FlowConflict("added_cannot_add", _("Someone added to a step cannot add others."))
    users = a.users()
    clash = set(users) & (_assignees(a) | {a.who.user_id})
    if clash:
        raise Invalid(_("The request is not valid."), errors=[FieldError("users", "already_assignee", _(
            "These people have a task in this step already: %(ids)s.", ids=", ".join(map(str, sorted(clash)))))])
    if where == "before":
        done = a.rt.session.execute(update(FlowTask).where(FlowTask.id == task.id, FlowTask.state == "open")
                                    .values(state="waiting").execution_options(synchronize_session=False))
        if done.rowcount != 1:
            raise FlowConflict("task_closed", _("This task has been handled already."))
        a.rt.session.refresh(task)
    else:
        a.rt.close(task, _approve_outcome(a), a.who.user_id)
    for user in users:
        a.rt.open_task(run, user, task.kind, task.position, added_by=task.id, sign=where)
    a.rt.entry("add_sign", node_id=run.node_id, task=task, actor=a.who.user_id, comment=a.comment,
               users=users, position=where)
    a.rt.recompute(run)


def _cc(a: Acting) -> None:
    users = a.users()
    node_id = a.run.node_id if a.task else a.rt.shape.flow.root.id
    new = a.rt.copy(users, node_id)
    a.rt.entry("cc", node_id=node_id, actor=a.who.user_id, comment=a.comment, users=new)


def _withdraw_guard(a: Acting) -> None:
    _not_ended(a)
    if a.rt.instance.state == "error":
        raise FlowConflict("withdraw_not_allowed", _("This approval cannot be withdrawn now."))
    how = a.rt.shape.flow.settings.withdraw
    acted = a.rt.session.scalar(select(FlowTask.id).where(
        FlowTask.instance_id == a.rt.instance.id, FlowTask.actor_id.is_not(None), FlowTask.kind != "resubmit",
        FlowTask.outcome.in_(DECIDED_BY_PEOPLE)).limit(1))
    if how == "never" or (how == "until_first_action" and acted is not None and a.rt.instance.state == "running"):
        raise FlowConflict("withdraw_not_allowed", _("This approval cannot be withdrawn now."),
                           detail=_("Someone has acted on it already."))


def _withdraw(a: Acting) -> None:
    a.rt.entry("withdraw", actor=a.who.user_id, comment=a.comment)
    a.rt.finish("withdrawn")


def _resubmit_guard(a: Acting) -> None:
    if a.rt.instance.state != "returned":
        raise FlowConflict("not_returned", _("Only a returned approval is resubmitted."))


def _resubmit(a: Acting) -> None:
    rt = a.rt
    task = rt.session.scalar(select(FlowTask).where(FlowTask.instance_id == rt.instance.id,
                                                    FlowTask.kind == "resubmit", FlowTask.state == "open"))
    if task is None:
        raise FlowConflict("task_closed", _("This task has been handled already."))
    a.task = task
    run = rt.session.get(FlowNodeRun, task.node_run_id)
    edit_record(a, run.node_id)
    rt.close(task, "submitted", a.who.user_id)
    run.state, run.ended_at = "approved", utcnow()
    rt.set_state("running")
    rt.entry("resubmitted", node_id=run.node_id, task=task, actor=a.who.user_id, comment=a.comment)
    rt.emit("flow.instance.resubmitted")
    back = rt.instance.returned_from
    if rt.shape.flow.settings.return_resume == "resume_at_returner" and back in rt.shape.by_id:
        rt.activate(rt.shape.by_id[back])
    else:
        rt.advance(run)


def _urge(a: Acting) -> None:
    i = a.rt.instance
    if i.urged_at is not None and utcnow() - i.urged_at < URGE_EVERY:
        raise TooManyRequests(_("You urged this approval a moment ago."), detail=_("Urge again in an hour."))
    i.urged_at = utcnow()
    open_users = list(a.rt.session.scalars(select(FlowTask.assignee_id).where(
        FlowTask.instance_id == i.id, FlowTask.state == "open")))
    a.rt.notify(open_users, _("Please handle this approval: the submitter is waiting."), "urged")
    a.rt.entry("urged", actor=a.who.user_id, comment=a.comment, users=open_users)
    a.rt.emit("flow.urged", users=open_users)


def _comment(a: Acting) -> None:
    if not a.comment and not a.body.get("attachments"):
        raise Invalid(_("The request is not valid."), errors=[FieldError("comment", "required", _(
            "Write a comment or attach a file."))])
    a.rt.entry("comment", node_id=a.run.node_id if a.task else None, actor=a.who.user_id, comment=a.comment,
               attachments=_attachments(a))


def _attachments(a: Acting) -> list[str]:
    ids = a.body.get("attachments") or []
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or len(ids) > 20:
        raise Invalid(_("The request is not valid."), errors=[FieldError("attachments", "type", _(
            "List the ids of uploaded files (at most 20)."))])
    found = set(a.rt.session.scalars(select(StoredFile.id).where(StoredFile.id.in_(ids)))) if ids else set()
    if len(found) != len(set(ids)):
        raise Invalid(_("The request is not valid."), errors=[FieldError("attachments", "missing", _(
            "Upload the files first."))])
    return ids


def _terminate(a: Acting) -> None:
    a.rt.entry("terminate", actor=a.who.user_id, comment=a.comment)
    a.rt.finish("terminated")


register(Action("approve", "task", _assignee, _enabled("approve"), _decide(_approve_outcome)))
register(Action("reject", "task", _assignee, _enabled("reject"), _decide(lambda a: "rejected")))
register(Action("return", "task", _assignee, _enabled("return"), _return))
register(Action("transfer", "task", _assignee_or_admin, _enabled("transfer"), _transfer))
register(Action("add_sign", "task", _assignee, _enabled("add_sign"), _add_sign))
register(Action("withdraw", "instance", _submitter, _withdraw_guard, _withdraw))
register(Action("resubmit", "instance", _submitter, _resubmit_guard, _resubmit))
register(Action("urge", "instance", _submitter, _running, _urge))
register(Action("comment", "instance", _involved, _nothing, _comment))
register(Action("cc", "instance", lambda a: _submitter(a) or _assignee(a) or a.is_flow_admin, _not_ended, _cc))
register(Action("terminate", "instance", _flow_admin, _not_ended, _terminate))
