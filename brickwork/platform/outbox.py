"""The outbox: domain events written in the same transaction as the change they report.

Delivery (the worker, retries, handlers) arrives with the rules engine; everything that
changes state already writes its event here so nothing is lost in between.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.models import OutboxEvent


def emit(session: Session, topic: str, payload: dict[str, Any], key: str | None = None) -> OutboxEvent:
    event = OutboxEvent(key=key or uuid.uuid4().hex, topic=topic, payload=payload)
    session.add(event)
    return event
