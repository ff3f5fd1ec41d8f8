"""REST for connections, per app, for its admins: list, create, change, delete, send a test,
and the latest deliveries. Secrets are write-only: responses say "set" or "not_set"."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request, Response

from brickwork.connectors import delivery, service
from brickwork.connectors.registry import CONNECTORS
from brickwork.platform.http.deps import bearer, designing, work
from brickwork.platform.i18n import pick

router = APIRouter(prefix="/api/v1", tags=["connectors"], dependencies=[Depends(bearer)])


@router.get("/connectors")
def connectors_list(request: Request) -> dict:
    """The connectors there are, each with its settings' JSON Schema and which settings are secret."""
    with work(request, read_only=True):
        return {"items": [{"name": c.name, "label": pick(c.label), "secrets": list(c.secrets),
                           "schema": c.settings.model_json_schema(), "test": c.send_test is not None}
                          for c in sorted(CONNECTORS.values(), key=lambda c: c.name)]}


@router.get("/apps/{app}/connections")
def connections_list(request: Request, app: str) -> dict:
    with designing(request, app, read_only=True) as (session, _who, found):
        return {"items": [service.view(row) for row in service.list_connections(session, found)]}


@router.post("/apps/{app}/connections", status_code=201)
def connections_create(request: Request, app: str, body: Any = Body(default=None)) -> dict:
    """``{"key", "connector", "label", "settings", "enabled"}``; secrets go in ``settings``."""
    with designing(request, app) as (session, who, found):
        return service.view(service.create(session, found, body, who))


@router.get("/apps/{app}/connections/{key}")
def connections_get(request: Request, app: str, key: str) -> dict:
    with designing(request, app, read_only=True) as (session, _who, found):
        return service.view(service.get_connection(session, found, key))


@router.patch("/apps/{app}/connections/{key}")
def connections_update(request: Request, app: str, key: str, body: Any = Body(default=None)) -> dict:
    """Give ``version``. A secret left out keeps its value, an empty string clears it."""
    with designing(request, app) as (session, who, found):
        return service.view(service.update(session, found, key, body, who))


@router.delete("/apps/{app}/connections/{key}", status_code=204)
def connections_delete(request: Request, app: str, key: str) -> Response:
    with designing(request, app) as (session, who, found):
        service.delete(session, found, key, who)
    return Response(status_code=204)


@router.post("/apps/{app}/connections/{key}:test")
def connections_test(request: Request, app: str, key: str) -> dict:
    """Send a test message now; 422 with the service's answer when it fails."""
    with designing(request, app, read_only=True) as (session, _who, found):
        return service.send_test(session, found, key)


@router.get("/apps/{app}/connections/{key}/deliveries")
def connections_deliveries(request: Request, app: str, key: str, limit: int = 50) -> dict:
    with designing(request, app, read_only=True) as (session, _who, found):
        rows = delivery.deliveries(session, service.get_connection(session, found, key), max(1, min(limit, 200)))
        return {"items": [{"key": d.key, "status": d.status, "summary": d.summary, "attempts": d.attempts,
                           "created_at": d.created_at.isoformat() + "Z",
                           "sent_at": d.sent_at.isoformat() + "Z" if d.sent_at else None} for d in rows]}

