"""REST for reading the audit log: administrators read everything, an app's administrators
the entries of their app (``app`` given)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request

from brickwork.platform.audit_log import MAX_PAGE, AuditFilter, actor_names, check_reader, entries, entry_out
from brickwork.platform.http.deps import bearer, work
from brickwork.platform.http.params import MaybeQueryId, QueryInt, id_cursor

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer)], tags=["audit"])


@router.get("/audit")
def audit_list(request: Request, actor: MaybeQueryId = None, kind: str | None = None, action: str | None = None,
               since: date | None = None, until: date | None = None, app: str | None = None,
               form: str | None = None, record: str | None = None, cursor: str | None = None,
               limit: QueryInt = 50) -> dict[str, Any]:
    """Audit entries, newest first: ``{items: [{id, at, actor, actor_name, action, kind, app,
    subject_type, subject_id, changes}], next_cursor}``. ``kind`` is ``record`` or a subject
    type (``user``, ``department``, ``app_role``, ``form``, ``app`` …); ``since``/``until`` are
    days (inclusive) in the installation's time zone; ``form`` needs ``app``, ``record`` needs
    ``form``. ``changes`` holds ``[before, after]`` per field key for an update."""
    wanted = AuditFilter(actor=actor, kind=kind or None, action=action or None, since=since, until=until,
                         app=app or None, form=form or None, record=record or None)
    before = id_cursor(cursor)
    with work(request, read_only=True) as (session, who):
        check_reader(session, who, wanted)
        rows, more = entries(session, wanted, before=before, limit=min(max(limit, 1), MAX_PAGE))
        names = actor_names(session, {r.actor_id for r in rows})
        return {"items": [entry_out(r, names) for r in rows], "next_cursor": str(more) if more else None}
