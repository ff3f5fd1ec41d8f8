"""Outgoing webhooks on the jobs floor.

The subscriber ``webhooks`` gets every ``record.*`` and ``flow.*`` event of apps that have
an enabled subscription (``wanted``: the others' writes make no job). For each matching
subscription it logs one message (``webhook_deliveries``) and defers one delivery job,
locked per subscription and record: one record's messages reach each subscriber in the
order they happened, and a message waiting for its retry holds back the later ones.

A delivery POSTs the message signed per Standard Webhooks. A failure (no connection, a
timeout, an answer other than 2xx) is raised, so the jobs floor retries it with exponential
backoff for about a day (``RETRY``) and logs each attempt in ``job_runs``. The last attempt
does not raise: it marks the message failed, turns the subscription off and tells the
app's admins (the bell). Every attempt and replay of a message carries the same
``webhook-id``, so a receiver applies it once.
"""

from __future__ import annotations

import fnmatch
import http.client
import json
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from brickwork.connectors import outbound
from brickwork.connectors.webhooks import signing
from brickwork.platform import generation, secretbox
from brickwork.platform.db import utcnow
from brickwork.platform.i18n import _, current_locale
from brickwork.platform.jobs import Event, Job, Retry, RunContext, defer_many, subscribe, task
from brickwork.platform.jobs.registry import retry_of
from brickwork.platform.models import (
    App,
    AppRole,
    AppRoleMember,
    Notification,
    User,
    WebhookDelivery,
    WebhookSubscription,
)

SUBSCRIBER = "webhooks"
DELIVER = "webhooks.deliver"
TOPICS = ("record.*", "flow.*")
# 10 s, 20 s, 40 s ... then hourly: the 32nd and last attempt comes 23.4 h after the first.
RETRY = Retry(attempts=32, base=10.0, factor=2.0, cap=3600.0)
TIMEOUT = 10.0  # seconds for one POST
GRACE = timedelta(hours=24)  # after a rotation the old secret signs too, this long
INTERNAL = ("rules", "causation")  # envelope entries that are Brickwork's business only
USER_AGENT = "Brickwork-Webhooks/1"
UNREADABLE = "the signing secret was sealed under another installation key: make a new one"


class DeliveryFailed(Exception):
    """The receiver did not take the message (its answer or the network's error)."""


_listening = generation.Cache()


def has_subscriptions(session: Session, app: str | None, form: str | None = None) -> bool:
    """Whether a webhook of the app is on (whatever the form: ``matches`` picks them): kept per
    app generation, which every change of a subscription renews (platform/generation.py)."""
    return app is not None and _listening.get(session, app, lambda: session.scalar(select(
        WebhookSubscription.id).where(WebhookSubscription.app == app, WebhookSubscription.enabled.is_(True))
        .limit(1)) is not None)


def matches(sub: WebhookSubscription, topic: str, payload: dict[str, Any]) -> bool:
    if not any(fnmatch.fnmatchcase(topic, pattern) for pattern in sub.events or ()):
        return False
    if sub.form and payload.get("form") != sub.form:
        return False
    if sub.fields and topic == "record.updated" and not set(payload.get("changed") or ()) & set(sub.fields):
        return False  # none of the chosen fields changed: nothing to tell
    return True


def message(sub: WebhookSubscription, event: Event) -> dict[str, Any]:
    """The body (Standard Webhooks' recommended shape: type, timestamp, data); with chosen
    fields, only those of the record's values are sent."""
    data = {k: v for k, v in event.payload.items() if k not in INTERNAL}
    if sub.fields:
        chosen = set(sub.fields)
        for side in ("before", "after"):
            if isinstance(data.get(side), dict):
                data[side] = {k: v for k, v in data[side].items() if k in chosen or k == "id"}
        if isinstance(data.get("changed"), list):
            data["changed"] = [k for k in data["changed"] if k in chosen]
    return {"type": event.topic, "timestamp": event.occurred_at, "data": data}


def order_key(payload: dict[str, Any]) -> str:
    if payload.get("form") and payload.get("id") is not None:
        return f"{payload['app']}/{payload['form']}/{payload['id']}"
    return str(payload.get("app"))


def delivery_job(sub_id: int, event_key: str, record: str | None, app: str, topic: str,
                 replay: int = 0) -> Job:
    key = f"{sub_id}:{event_key}" + (f":replay{replay}" if replay else "")
    return Job(task=DELIVER, key=key, lock=f"{DELIVER}:{sub_id}:{record or app}", app=app, topic=topic,
               args={"subscription": sub_id, "event": event_key})


def fan_out(session: Session, event: Event) -> None:
    payload = event.payload
    app = payload.get("app")
    subs = [s for s in session.scalars(select(WebhookSubscription).where(
        WebhookSubscription.app == app, WebhookSubscription.enabled.is_(True)).order_by(WebhookSubscription.id))
        if matches(s, event.topic, payload)]
    if not subs:
        return
    record, now = order_key(payload), utcnow()
    session.execute(insert(WebhookDelivery.__table__), [
        {"subscription_id": s.id, "app": app, "event_key": event.key, "msg_id": f"msg_{event.key}_{s.id}",
         "topic": event.topic, "record": record, "body": message(s, event), "status": "pending", "attempts": 0,
         "replays": 0, "created_at": now} for s in subs])
    defer_many(session, [delivery_job(s.id, event.key, record, app, event.topic) for s in subs])


def signing_secrets(sub: WebhookSubscription) -> list[str]:
    found = [secretbox.unseal(sub.secret)]
    if sub.old_secret and sub.old_until and sub.old_until > utcnow():
        try:
            found.append(secretbox.unseal(sub.old_secret))
        except secretbox.Unreadable:  # rotated because the installation's key changed: the new one alone
            pass
    return found


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST the message; returns the 2xx status or raises DeliveryFailed. Through the SSRF
    guard (connectors/outbound.py) at every attempt: the name may resolve elsewhere since it
    was saved. Redirects are not followed (a 3xx is a failed attempt)."""
    try:
        answer = outbound.request("POST", url, body=body, timeout=TIMEOUT, headers={
            **headers, "content-type": "application/json", "user-agent": USER_AGENT})
    except outbound.Refused as exc:
        raise DeliveryFailed(str(exc)) from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise DeliveryFailed(str(exc) or type(exc).__name__) from None
    if not 200 <= answer.status < 300:
        raise DeliveryFailed(f"HTTP {answer.status}")
    return answer.status


def deliver(session: Session, args: dict[str, Any], ctx: RunContext) -> None:
    row = session.scalar(select(WebhookDelivery).where(WebhookDelivery.subscription_id == args["subscription"],
                                                       WebhookDelivery.event_key == args["event"]))
    sub = session.get(WebhookSubscription, args["subscription"])
    if row is None or sub is None:  # deleted meanwhile
        return
    row.attempts = ctx.attempt  # the failed attempts before rolled their own writes back
    if not sub.enabled:
        row.status, row.error = "skipped", "the subscription is turned off"
        return
    body = json.dumps(row.body, ensure_ascii=False, separators=(",", ":")).encode()
    stamp = int(time.time())
    try:
        keys = signing_secrets(sub)
    except secretbox.Unreadable:  # the installation's key changed: no retry can help
        row.status, row.error = "failed", UNREADABLE
        turn_off(session, sub, UNREADABLE)
        return
    try:
        status = post(sub.url, body, signing.headers(keys, row.msg_id, stamp, body))
    except DeliveryFailed as exc:
        if retry_of(DELIVER).delay_after(ctx.attempt) is not None:
            raise  # the jobs floor waits and tries again; the run log keeps the error
        row.status, row.error = "failed", str(exc)[:2000]
        turn_off(session, sub, str(exc))
        return
    row.status, row.response_status, row.error, row.delivered_at = "delivered", status, None, utcnow()


def turn_off(session: Session, sub: WebhookSubscription, error: str) -> None:
    """A message failed for a day: stop sending to this URL, and tell the app's admins."""
    if not sub.enabled:
        return
    sub.enabled, sub.disabled_reason = False, error[:2000]
    generation.changed_by_key(session, sub.app)
    now = utcnow()
    rows = []
    for user_id, locale in admins(session, sub.app):
        token = current_locale.set(locale or "zh-CN")
        try:
            text = _("The webhook to %(url)s was turned off: its deliveries failed for a day (%(error)s). "
                     "Fix the receiver, turn the webhook on again and replay the failed deliveries.",
                     url=sub.url, error=error[:200])
        finally:
            current_locale.reset(token)
        rows.append({"user_id": user_id, "app": sub.app, "text": text, "source": f"webhook:{sub.id}",
                     "created_at": now})
    if rows:
        session.execute(insert(Notification.__table__), rows)


def admins(session: Session, app: str) -> list[tuple[int, str | None]]:
    """Who looks after the app: the installation's administrators and the people in its
    admin roles (named one by one; departments in a role are not expanded here)."""
    members = select(AppRoleMember.user_id).join(AppRole, AppRole.id == AppRoleMember.role_id) \
        .join(App, App.id == AppRole.app_id).where(App.key == app, AppRole.admin.is_(True),
                                                   AppRoleMember.user_id.is_not(None))
    query = select(User.id, User.locale).where(User.is_active.is_(True),
                                               User.is_admin.is_(True) | User.id.in_(members)).order_by(User.id)
    return [(r.id, r.locale) for r in session.execute(query)]


def use_retry(retry: Retry) -> None:
    """Register the delivery task with another backoff (tests: a day is too long to wait)."""
    task(DELIVER, deliver, retry=retry)


subscribe(SUBSCRIBER, TOPICS, fan_out, wanted=has_subscriptions, retry=Retry(attempts=6, base=5.0))
task(DELIVER, deliver, retry=RETRY)
