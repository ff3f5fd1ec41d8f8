"""Managing an app's outgoing webhooks: subscriptions, their secrets (shown once, at
creation and rotation, then sealed), the delivery log and replay."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.connectors import outbound
from brickwork.connectors.webhooks import signing
from brickwork.connectors.webhooks.delivery import DELIVER, GRACE, delivery_job
from brickwork.engines.form.forms import load_form
from brickwork.platform import generation, secretbox
from brickwork.platform.audit import audit
from brickwork.platform.db import utcnow
from brickwork.platform.definitions.base import Key
from brickwork.platform.definitions.errors import field_errors
from brickwork.platform.errors import Conflict, FieldError, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.jobs import defer_many
from brickwork.platform.models import JobRun, WebhookDelivery, WebhookSubscription

PATTERN = re.compile(r"^(record|flow)\.[a-z_*]{1,40}$")
STATUSES = ("pending", "delivered", "failed", "skipped")
MAX_PAGE = 200
Pattern = Annotated[str, Field(max_length=48)]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000)
    events: list[Pattern] = Field(min_length=1, max_length=20)
    form: Key | None = None
    fields: list[Key] = Field(default_factory=list, max_length=500)
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(_("Give an http:// or https:// address."))
        return url

    @field_validator("events")
    @classmethod
    def _patterns(cls, events: list[str]) -> list[str]:
        for event in events:
            if not PATTERN.match(event):
                raise ValueError(_("Give events as record.* or flow.* patterns, such as record.created."))
        return events


class SubscriptionChange(SubscriptionIn):
    url: str | None = Field(default=None, max_length=2000)  # type: ignore[assignment]
    events: list[Pattern] | None = Field(default=None, min_length=1, max_length=20)  # type: ignore[assignment]
    fields: list[Key] | None = Field(default=None, max_length=500)  # type: ignore[assignment]
    enabled: bool | None = None  # type: ignore[assignment]


def _parse(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise Invalid(_("The webhook is not valid."), errors=[FieldError(e.field.removeprefix("$."), e.code, e.message)
                                                             for e in field_errors(exc)]) from None


def _check_form(session: Session, app: str, form: str | None, fields: list[str]) -> None:
    if not form:
        if fields:
            raise Invalid(_("The webhook is not valid."), errors=[FieldError(
                "fields", "form", _("Choose the form whose fields are sent."))])
        return
    try:
        known = load_form(session, app, form).by_key
    except NotFound:
        raise Invalid(_("The webhook is not valid."), errors=[FieldError(
            "form", "unknown", _("The app has no published form %(form)s.", form=form))]) from None
    unknown = [f for f in fields if f not in known]
    if unknown:
        raise Invalid(_("The webhook is not valid."), errors=[FieldError(
            "fields", "unknown", _("The form has no fields %(keys)s.", keys=", ".join(unknown)))])


def _check_url(url: str) -> None:
    """The SSRF guard at save (and again at each delivery): no loopback, link-local or
    private address unless an administrator allowed the host."""
    try:
        outbound.resolve(url)
    except outbound.Refused as exc:
        raise Invalid(_("The webhook is not valid."), errors=[FieldError("url", "refused", str(exc))]) from None


def view(sub: WebhookSubscription) -> dict[str, Any]:
    """What the API shows; never the secret."""
    return {"id": sub.id, "app": sub.app, "url": sub.url, "events": sub.events, "form": sub.form,
            "fields": sub.fields, "enabled": sub.enabled, "disabled_reason": sub.disabled_reason,
            "rotating_until": sub.old_until.isoformat() + "Z" if sub.old_secret and sub.old_until else None,
            "created_at": sub.created_at.isoformat() + "Z"}


def create(session: Session, app: str, data: Any, actor: int | None) -> tuple[WebhookSubscription, str]:
    given = _parse(SubscriptionIn, data)
    _check_url(given.url)
    _check_form(session, app, given.form, given.fields)
    plain = signing.new_secret()
    sub = WebhookSubscription(app=app, url=given.url, events=given.events, form=given.form, fields=given.fields,
                              enabled=given.enabled, secret=secretbox.seal(plain), created_at=utcnow(),
                              created_by=actor)
    session.add(sub)
    session.flush()
    generation.changed_by_key(session, app)  # every process now sends the app's writes here
    audit(session, actor, "webhook.created", "webhook", str(sub.id), {"app": app, "url": sub.url})
    return sub, plain


def list_subscriptions(session: Session, app: str) -> list[WebhookSubscription]:
    return list(session.scalars(select(WebhookSubscription).where(WebhookSubscription.app == app)
                                .order_by(WebhookSubscription.id)))


def get(session: Session, app: str, sub_id: int) -> WebhookSubscription:
    sub = session.get(WebhookSubscription, sub_id)
    if sub is None or sub.app != app:
        raise NotFound(_("There is no such webhook."))
    return sub


def change(session: Session, app: str, sub_id: int, data: Any, actor: int | None) -> WebhookSubscription:
    sub = get(session, app, sub_id)
    given = _parse(SubscriptionChange, data).model_dump(exclude_unset=True)
    if None in (given.get("url", ""), given.get("events", ""), given.get("fields", ""), given.get("enabled", "")):
        raise Invalid(_("The webhook is not valid."), errors=[FieldError(
            next(k for k in ("url", "events", "fields", "enabled") if k in given and given[k] is None),
            "required", _("Give a value."))])
    if "url" in given:
        _check_url(given["url"])
    form = given.get("form", sub.form)
    _check_form(session, app, form, given.get("fields", sub.fields if form == sub.form else []))
    for name, value in given.items():
        setattr(sub, name, value)
    if given.get("enabled"):
        sub.disabled_reason = None
    generation.changed_by_key(session, app)
    audit(session, actor, "webhook.changed", "webhook", str(sub.id), given)
    return sub


def remove(session: Session, app: str, sub_id: int, actor: int | None) -> None:
    sub = get(session, app, sub_id)
    session.delete(sub)
    generation.changed_by_key(session, app)
    audit(session, actor, "webhook.deleted", "webhook", str(sub_id), {"app": app, "url": sub.url})


def rotate(session: Session, app: str, sub_id: int, actor: int | None) -> tuple[WebhookSubscription, str]:
    """A new secret; the old one signs beside it for a day, so receivers can switch over."""
    sub = get(session, app, sub_id)
    plain = signing.new_secret()
    sub.old_secret, sub.old_until, sub.secret = sub.secret, utcnow() + GRACE, secretbox.seal(plain)
    audit(session, actor, "webhook.rotated", "webhook", str(sub.id), {"app": app})
    return sub, plain


def deliveries(session: Session, app: str, sub_id: int, status: str | None = None, before: int | None = None,
               limit: int = 50) -> tuple[list[dict[str, Any]], int | None]:
    """The delivery log, newest first, each message with the last attempt's error from the run log."""
    get(session, app, sub_id)
    if status is not None and status not in STATUSES:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "status", "choice", _("Give one of: %(choices)s.", choices=", ".join(STATUSES)))])
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "limit", "range", _("Give a number from 1 to %(max)s.", max=MAX_PAGE))])
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id) \
        .order_by(WebhookDelivery.id.desc()).limit(limit + 1)
    if status:
        query = query.where(WebhookDelivery.status == status)
    if before:
        query = query.where(WebhookDelivery.id < before)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    keys = {_job_key(r, n): r.id for r in rows for n in range(r.replays + 1)}
    last: dict[int, JobRun] = {}
    if keys:
        for run in session.scalars(select(JobRun).where(JobRun.task == DELIVER, JobRun.key.in_(list(keys)))
                                   .order_by(JobRun.id)):
            last[keys[run.key]] = run
    return [delivery_view(r, last.get(r.id)) for r in rows], (rows[-1].id if more else None)


def _job_key(row: WebhookDelivery, replay: int) -> str:
    return f"{row.subscription_id}:{row.event_key}" + (f":replay{replay}" if replay else "")


def delivery_view(row: WebhookDelivery, run: JobRun | None = None) -> dict[str, Any]:
    return {"id": row.id, "msg_id": row.msg_id, "event": row.event_key, "topic": row.topic, "record": row.record,
            "status": row.status, "attempts": row.attempts, "replays": row.replays,
            "response_status": row.response_status,
            "error": row.error or (run.error if run is not None and run.outcome != "succeeded" else None),
            "last_attempt_at": run.started_at.isoformat() + "Z" if run is not None else None,
            "created_at": row.created_at.isoformat() + "Z",
            "delivered_at": row.delivered_at.isoformat() + "Z" if row.delivered_at else None, "body": row.body}


def replay(session: Session, app: str, sub_id: int, delivery_id: int, actor: int | None) -> WebhookDelivery:
    """Send a message again, with its webhook-id (the receiver may have it already), after
    the messages of its record queued before this moment."""
    sub = get(session, app, sub_id)
    row = session.get(WebhookDelivery, delivery_id)
    if row is None or row.subscription_id != sub.id:
        raise NotFound(_("There is no such delivery."))
    if not sub.enabled:
        raise Conflict(_("The webhook is turned off."), detail=_("Turn it on again, then replay."))
    if row.status == "pending":
        raise Conflict(_("This delivery is still under way."))
    row.replays += 1
    row.status, row.error = "pending", None
    defer_many(session, [delivery_job(sub.id, row.event_key, row.record, app, row.topic, row.replays)])
    audit(session, actor, "webhook.replayed", "webhook", str(sub.id), {"delivery": row.id})
    return row
