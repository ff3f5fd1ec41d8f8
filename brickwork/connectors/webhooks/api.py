"""REST for an app's outgoing webhooks (the app's designers only). The signing secret is
in the answer to creating and rotating, and nowhere else."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from fastapi import APIRouter, Body, Depends, Request, Response

from brickwork.connectors.webhooks import delivery, incoming, signing, subscriptions
from brickwork.platform import secretbox
from brickwork.platform.db import utcnow
from brickwork.platform.errors import Conflict, Invalid
from brickwork.platform.http.deps import bearer, designing
from brickwork.platform.http.params import MaybeQueryId, PathId
from brickwork.platform.i18n import _
from brickwork.platform.jobs.registry import iso

router = APIRouter(prefix="/api/v1/apps/{app}/webhooks", tags=["webhooks"], dependencies=[Depends(bearer)])


@router.get("")
def webhooks_list(request: Request, app: str) -> list[dict[str, Any]]:
    with designing(request, app, read_only=True) as (session, _who, _app):
        return [subscriptions.view(s) for s in subscriptions.list_subscriptions(session, app)]


@router.post("", status_code=201)
def webhooks_create(request: Request, app: str, data: Any = Body(...)) -> dict[str, Any]:
    """``{"url", "events": ["record.*"], "form": null, "fields": [], "enabled": true}``. The answer
    holds ``secret`` (``whsec_…``), shown this once."""
    with designing(request, app) as (session, who, _app):
        sub, plain = subscriptions.create(session, app, data, who.user_id)
        return {**subscriptions.view(sub), "secret": plain}


@router.get("/{sub_id}")
def webhooks_get(request: Request, app: str, sub_id: PathId) -> dict[str, Any]:
    with designing(request, app, read_only=True) as (session, _who, _app):
        return subscriptions.view(subscriptions.get(session, app, sub_id))


@router.patch("/{sub_id}")
def webhooks_change(request: Request, app: str, sub_id: PathId, data: Any = Body(...)) -> dict[str, Any]:
    """Change the URL, events, form, fields or ``enabled`` (turning it on clears why it was off)."""
    with designing(request, app) as (session, who, _app):
        return subscriptions.view(subscriptions.change(session, app, sub_id, data, who.user_id))


@router.delete("/{sub_id}", status_code=204)
def webhooks_delete(request: Request, app: str, sub_id: PathId) -> Response:
    with designing(request, app) as (session, who, _app):
        subscriptions.remove(session, app, sub_id, who.user_id)
    return Response(status_code=204)


@router.post("/{sub_id}:rotate")
def webhooks_rotate(request: Request, app: str, sub_id: PathId) -> dict[str, Any]:
    """A new secret (in the answer, this once); the old one still signs for 24 hours."""
    with designing(request, app) as (session, who, _app):
        sub, plain = subscriptions.rotate(session, app, sub_id, who.user_id)
        return {**subscriptions.view(sub), "secret": plain}


@router.post("/{sub_id}:test")
def webhooks_test(request: Request, app: str, sub_id: PathId) -> dict[str, Any]:
    """Send a ``webhook.test`` message now, signed like the others; says how the receiver answered."""
    with designing(request, app, read_only=True) as (session, _who, _app):
        sub = subscriptions.get(session, app, sub_id)
        try:
            secrets_ = delivery.signing_secrets(sub)
        except secretbox.Unreadable:
            raise Conflict(_("The webhook's secret cannot be read."),
                           detail=_("The installation's secret key changed: make a new secret.")) from None
        url = sub.url
    body = json.dumps({"type": "webhook.test", "timestamp": iso(utcnow()), "data": {"app": app}}).encode()
    headers = signing.headers(secrets_, f"msg_test_{uuid.uuid4().hex}", int(time.time()), body)
    try:
        status = delivery.post(url, body, headers)
    except delivery.DeliveryFailed as exc:
        raise Invalid(_("The test message was not taken."), detail=_("The receiver said: %(error)s", error=str(exc)),
                      errors=[]) from None
    return {"status": status}


@router.get("/{sub_id}/deliveries")
def webhooks_deliveries(request: Request, app: str, sub_id: PathId, status: str | None = None,
                        cursor: MaybeQueryId = None, limit: int = 50) -> dict[str, Any]:
    """The delivery log, newest first: each message, its status, attempts and last error."""
    with designing(request, app, read_only=True) as (session, _who, _app):
        items, more = subscriptions.deliveries(session, app, sub_id, status, cursor, limit)
        return {"items": items, "next_cursor": str(more) if more else None}


@router.post("/{sub_id}/deliveries/{delivery_id}:replay", status_code=202)
def webhooks_replay(request: Request, app: str, sub_id: PathId, delivery_id: PathId) -> dict[str, Any]:
    """Send the message again (same ``webhook-id``), through the queue."""
    with designing(request, app) as (session, who, _app):
        return subscriptions.delivery_view(subscriptions.replay(session, app, sub_id, delivery_id, who.user_id))


incoming_router = APIRouter(prefix="/api/v1/apps/{app}/rules/{rule}", tags=["webhooks"],
                            dependencies=[Depends(bearer)])


@incoming_router.post("/webhook-secret", status_code=201)
def webhook_in_secret(request: Request, app: str, rule: str) -> dict[str, Any]:
    """A new signing secret for the rule's incoming webhook (``whsec_…``, in this answer only);
    the previous one stops working. The rule checks it when its trigger says ``"verify": true``."""
    with designing(request, app) as (session, who, _app):
        return {"secret": incoming.make_secret(session, app, rule, who.user_id)}
