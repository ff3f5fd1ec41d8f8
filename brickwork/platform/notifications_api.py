"""REST for the bell: the caller's notifications and marking them read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from brickwork.platform import notifications as bell
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.http.deps import bearer, work
from brickwork.platform.i18n import _

router = APIRouter(prefix="/api/v1", tags=["notifications"], dependencies=[Depends(bearer)])


@router.get("/notifications")
def notifications_list(request: Request, unread: bool = False, limit: int = 50) -> dict:
    """The caller's notifications (the bell), newest first, and how many are unread."""
    with work(request, read_only=True) as (session, who):
        rows, count = bell.notifications(session, who, unread, limit)
        return {"unread": count, "items": [
            {"id": n.id, "app": n.app, "form": n.form, "record": n.record_id, "text": n.text, "source": n.source,
             "created_at": n.created_at.isoformat() + "Z", "read": n.read_at is not None} for n in rows]}


@router.post("/notifications:read")
def notifications_read(request: Request, body: Any = Body(default=None)) -> dict:
    """Mark notifications read: ``{"ids": [..]}``, or all of them without a body."""
    ids = None
    if isinstance(body, dict) and body.get("ids") is not None:
        if not isinstance(body["ids"], list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                                         for i in body["ids"]):
            raise Invalid(_("The request is not valid."),
                          errors=[FieldError("ids", "type", _("List the ids of the notifications."))])
        ids = body["ids"]
    with work(request) as (session, who):
        return {"read": bell.mark_read(session, who, ids)}
