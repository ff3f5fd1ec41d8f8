"""The daily pruning keeps the webhooks' tables bounded: old delivery-log rows (not those
under way) and old incoming delivery ids go, recent ones stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from brickwork.platform.db import transaction, utcnow
from brickwork.platform.jobs.prune import prune
from brickwork.platform.models import WebhookDelivery, WebhookReceipt, WebhookSubscription


def test_pruning_drops_old_webhook_deliveries_and_delivery_ids(sessions):
    old, recent = utcnow() - timedelta(days=40), utcnow() - timedelta(days=10)
    with transaction(sessions) as s:
        sub = WebhookSubscription(app="crm", url="http://127.0.0.1:9/", events=["record.*"], fields=[],
                                  enabled=True, secret="sealed")
        s.add(sub)
        s.flush()
        for when, tag, status in ((old, "old", "delivered"), (old, "stuck", "pending"),
                                  (recent, "recent", "failed")):
            s.add(WebhookDelivery(subscription_id=sub.id, app="crm", event_key=tag, msg_id=f"msg_{tag}",
                                  topic="record.created", body={}, status=status, attempts=1, replays=0,
                                  created_at=when))
            s.add(WebhookReceipt(app="crm", rule="r", delivery_id=tag, event_key=tag, received_at=when))
    with transaction(sessions) as s:
        gone = prune(s, events_days=30, runs_days=30)
    assert gone["webhook_deliveries"] == 1 and gone["webhook_receipts"] == 2
    with sessions() as s:
        assert sorted(s.scalars(select(WebhookDelivery.event_key))) == ["recent", "stuck"]
        assert s.scalars(select(WebhookReceipt.delivery_id)).all() == ["recent"]
