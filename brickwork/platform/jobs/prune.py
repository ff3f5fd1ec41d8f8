"""Pruning, daily by the built-in schedule ``brickwork.prune``: outbox events, run-log rows
(of jobs and of rules), receipts, dead jobs, read notifications, connectors' finished
deliveries, and the webhooks' delivery log and incoming delivery ids older than their
retention (docs/operations.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from brickwork.platform.db import utcnow
from brickwork.platform.jobs.queue import prune_dead
from brickwork.platform.jobs.registry import RunContext, task
from brickwork.platform.jobs.schedules import set_schedule
from brickwork.platform.models import (
    ConnectionDelivery,
    JobReceipt,
    JobRun,
    Notification,
    OutboxEvent,
    RuleRun,
    WebhookDelivery,
    WebhookReceipt,
)

TASK = "brickwork.prune"
CRON = "30 3 * * *"  # 03:30 in the installation's time zone, when offices are closed


def prune(session: Session, events_days: int, runs_days: int) -> dict[str, int]:
    """Delete what is older than the retentions; returns how many rows of each went."""
    now = utcnow()
    events_before, runs_before = now - timedelta(days=events_days), now - timedelta(days=runs_days)
    return {
        "events": session.execute(delete(OutboxEvent).where(OutboxEvent.created_at < events_before)).rowcount,
        "runs": session.execute(delete(JobRun).where(JobRun.started_at < runs_before)).rowcount,
        # A receipt only has to outlive any re-delivery of its job, which comes within minutes.
        "receipts": session.execute(delete(JobReceipt).where(JobReceipt.at < runs_before)).rowcount,
        "dead_jobs": prune_dead(session, runs_before),
        # The rules engine's run log keeps as long as the jobs' one; unread notifications stay.
        "rule_runs": session.execute(delete(RuleRun).where(RuleRun.started_at < runs_before)).rowcount,
        "notifications": session.execute(delete(Notification).where(
            Notification.read_at < runs_before)).rowcount,
        # Connectors' deliveries done with (sent or skipped); a waiting one stays until it is.
        "deliveries": session.execute(delete(ConnectionDelivery).where(
            ConnectionDelivery.created_at < runs_before, ConnectionDelivery.status != "queued")).rowcount,
        # Webhooks: the delivery log as long as the run log (a message under way stays), and
        # incoming delivery ids (a sender's re-delivery comes within hours, not a month).
        "webhook_deliveries": session.execute(delete(WebhookDelivery).where(
            WebhookDelivery.created_at < runs_before, WebhookDelivery.status != "pending")).rowcount,
        "webhook_receipts": session.execute(delete(WebhookReceipt).where(
            WebhookReceipt.received_at < runs_before)).rowcount,
    }


@task(TASK)
def _prune_task(session: Session, args: dict[str, Any], _ctx: RunContext) -> None:
    prune(session, int(args.get("events_days", 30)), int(args.get("runs_days", 30)))


def ensure_schedule(session: Session, events_days: int, runs_days: int) -> None:
    set_schedule(session, TASK, TASK, CRON, {"events_days": events_days, "runs_days": runs_days})
