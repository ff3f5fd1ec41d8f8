"""REST for approvals: start a flow on a record, the inbox, an instance with its timeline,
actions on a task and on an instance, batch approve, and delegation while away. Flows
themselves are saved and published through the definitions API (kind ``flow``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from brickwork.engines.flow import service
from brickwork.platform.http.deps import bearer, work
from brickwork.platform.http.params import PathId, id_cursor

router = APIRouter(prefix="/api/v1", tags=["flows"], dependencies=[Depends(bearer)])

TASK_ACTIONS = {"approve": "approve", "reject": "reject", "return": "return", "transfer": "transfer",
                "add-sign": "add_sign"}
INSTANCE_ACTIONS = {"withdraw": "withdraw", "resubmit": "resubmit", "urge": "urge", "terminate": "terminate",
                    "cc": "cc", "comment": "comment"}


@router.post("/apps/{app}/flows/{flow}:start", status_code=201)
def flow_start(request: Request, app: str, flow: str, body: Any = Body(default=None)) -> dict:
    """Submit a record to the flow: ``{"record_id": 7, "chosen": {"node id": [user ids]}, "comment": ".."}``.
    The record locks against normal edits until the approval ends."""
    with work(request) as (session, who):
        instance = service.start(session, app, flow, body, who)
        return service.view(session, instance.id, who)


@router.get("/flow-tasks")
def flow_tasks(request: Request, box: str = "todo", cursor: str | None = None, limit: int = 50) -> dict:
    """The caller's inbox: ``todo`` (待办), ``done`` (已办), ``started`` (我发起的), ``cc`` (抄送我),
    newest first, with the count of every box."""
    with work(request, read_only=True) as (session, who):
        return service.inbox(session, who, box, limit, id_cursor(cursor))


@router.post("/flow-tasks:batch-approve")
def flow_batch_approve(request: Request, body: Any = Body(default=None)) -> dict:
    """Approve several of the caller's open tasks: ``{"ids": [..], "comment": ".."}``; the
    ones refused are listed with their reason."""
    body = body if isinstance(body, dict) else {}
    with work(request) as (session, who):
        return service.batch_approve(session, body.get("ids"), body.get("comment"), who)


@router.patch("/flow-tasks/{task_id}/record")
def flow_task_edit(request: Request, task_id: PathId, body: Any = Body(default=None)) -> dict:
    """Save edits of the record through an open task (``{"values": {..}, "version": n}``):
    only the fields its node makes editable; any other is 403 and nothing is saved."""
    with work(request) as (session, who):
        return service.edit_through_task(session, task_id, body, who)


@router.post("/flow-tasks/{task_id}:{action}")
def flow_task_act(request: Request, task_id: PathId, action: str, body: Any = Body(default=None)) -> dict:
    """Act on a task: ``approve``, ``reject``, ``return`` (``target``: a node passed, default
    the submitter), ``transfer`` (``users``: [one]), ``add-sign`` (``users``, ``position``:
    before|after). Body: ``comment``, ``attachments`` (file ids), ``values`` + ``version``
    (edits the node allows). A task handled already is 409 ``task_closed``."""
    name = TASK_ACTIONS.get(action)
    with work(request) as (session, who):
        instance = service.act_on_task(session, task_id, name or action.replace("-", "_") + "?", body, who)
        return service.view(session, instance.id, who)


@router.get("/flow-instances/{instance_id}")
def flow_instance(request: Request, instance_id: PathId) -> dict:
    """An approval with its timeline, its tasks, the record without the fields hidden from
    the caller, and the actions the caller may take."""
    with work(request, read_only=True) as (session, who):
        return service.view(session, instance_id, who)


@router.post("/flow-instances/{instance_id}:{action}")
def flow_instance_act(request: Request, instance_id: PathId, action: str, body: Any = Body(default=None)) -> dict:
    """Act on an approval: ``withdraw`` and ``urge`` (the submitter), ``resubmit`` (the
    submitter, after a return; ``values`` + ``version``), ``cc`` (``users``), ``comment``
    (``comment``, ``attachments``), ``terminate`` (a flow administrator)."""
    name = INSTANCE_ACTIONS.get(action)
    with work(request) as (session, who):
        instance = service.act_on_instance(session, instance_id, name or action + "?", body, who)
        return service.view(session, instance.id, who)


@router.get("/apps/{app}/forms/{form}/records/{record_id}/flow-instances")
def record_instances(request: Request, app: str, form: str, record_id: PathId) -> dict:
    """The approvals of a record, newest first."""
    with work(request, read_only=True) as (session, who):
        return {"items": service.instances_of_record(session, app, form, record_id, who)}


@router.get("/me/delegation")
def delegation_get(request: Request) -> dict:
    """Who gets the caller's new tasks while they are away, and when."""
    with work(request, read_only=True) as (session, who):
        return {"delegation": service.get_delegation(session, who)}


@router.put("/me/delegation")
def delegation_put(request: Request, body: Any = Body(default=None)) -> dict:
    """``{"delegate": id, "from": time, "until": time}`` to hand new tasks over, ``null`` to stop."""
    with work(request) as (session, who):
        return {"delegation": service.set_delegation(session, body, who)}
