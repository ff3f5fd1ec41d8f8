"""REST for rules: the run log per rule and per record, retry, the record page's button,
the test run and incoming webhooks (the bell is platform/notifications_api.py). Rules themselves are saved
and published through the definitions API (kind ``rule``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Header, Request
from fastapi.responses import JSONResponse

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.rules import service
from brickwork.platform.http.deps import bearer, db, work
from brickwork.platform.http.params import MaybeQueryId, PathId, id_cursor

router = APIRouter(prefix="/api/v1", tags=["rules"], dependencies=[Depends(bearer)])
hooks = APIRouter(prefix="/api/v1/hooks", tags=["rules"])  # the secret in the URL is the credential


def _page(rows, more) -> dict[str, Any]:
    return {"items": [service.run_view(r) for r in rows], "next_cursor": str(more) if more else None}


@router.get("/apps/{app}/rules/{key}/runs")
def rule_runs(request: Request, app: str, key: str, cursor: str | None = None, limit: int = 50) -> dict:
    """The rule's runs, newest first: trigger, inputs, each action's outcome, time, error."""
    with work(request, read_only=True, admin=True) as (session, _who):
        return _page(*service.list_runs(session, app, rule=key, before=id_cursor(cursor), limit=limit))


@router.post("/apps/{app}/rules/{key}/runs/{run_id}/retry", status_code=201)
def rule_retry(request: Request, app: str, key: str, run_id: PathId) -> dict:
    """Run a failed run again (its rule version), on the record as it is now."""
    with work(request, admin=True) as (session, _who):
        return service.run_view(service.retry(session, app, key, run_id))


@router.post("/apps/{app}/rules/{key}:test")
def rule_test(request: Request, app: str, key: str, record: MaybeQueryId = None) -> dict:
    """What the rule would do on the record, without doing it."""
    with work(request, admin=True) as (session, who):
        return service.run_view(service.test_run(session, app, key, record, who))


@router.get("/apps/{app}/forms/{form}/records/{record_id}/rule-runs")
def record_runs(request: Request, app: str, form: str, record_id: PathId, cursor: str | None = None,
                limit: int = 50) -> dict:
    """The rules that ran on a record, newest first (who may read the record sees them)."""
    with work(request, read_only=True) as (session, who):
        RecordService(session, load_form(session, app, form), who).get(record_id)
        return _page(*service.list_runs(session, app, form=form, record_id=record_id, before=id_cursor(cursor),
                                        limit=limit))


@router.post("/apps/{app}/forms/{form}/records/{record_id}:run-rule/{key}")
def record_press(request: Request, app: str, form: str, record_id: PathId, key: str) -> dict:
    """The rule's button on the record page: runs now, as the caller, if their roles may."""
    with work(request) as (session, who):
        return service.run_view(service.press(session, app, form, record_id, key, who))


async def raw_body(request: Request) -> bytes:
    """The body as sent: a signature is over these bytes, not over parsed JSON."""
    return await request.body()


@hooks.post("/{app}/{key}/{secret}", status_code=202)
def hook_receive(request: Request, app: str, key: str, secret: str, body: Any = Body(default=None),
                 raw: bytes = Depends(raw_body), x_delivery_id: str | None = Header(default=None),
                 webhook_id: str | None = Header(default=None)) -> JSONResponse:
    """An incoming webhook for a rule: answered 202 once it is queued (committed), run by the
    worker. A delivery id seen before is answered 202 again and not queued twice."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    with db(request) as session:
        event, duplicate = service.receive_hook(session, app, key, secret, body, webhook_id or x_delivery_id,
                                                headers, raw)
    return JSONResponse({"accepted": event, "duplicate": duplicate}, status_code=202)
