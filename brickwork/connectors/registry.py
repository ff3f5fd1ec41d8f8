"""The connector registry: one entry per connector, all of the same shape.

A *connection* is one configured use of a connector in an app (a mail server, a DingTalk
group's robot, a webhook subscriber). Its settings are the connector's pydantic model;
the names in ``secrets`` are sealed at rest under the installation's key and never leave
the server again (API, logs, app-file export). Every send goes through the job system:
retried with backoff, with an idempotency key, visible in the run log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class Connector:
    name: str  # "email", "dingtalk", "wecom", "feishu", "webhook", "http", ...
    label: Any  # a lazy translatable text
    settings: type[BaseModel]  # the connection's settings, secrets included
    secrets: tuple[str, ...] = ()  # settings sealed at rest and never returned
    # send_test(session, connection) -> a short text for the "send a test" button; raises
    # a platform error (Invalid, with the reason in the user's language) when it fails.
    send_test: Callable[[Any, Any], str] | None = None
    # The rules engine's action entries this connector adds (engines/rules/actions.ActionType).
    actions: tuple[Any, ...] = field(default_factory=tuple)
    # send(session, connection, message) -> a short summary kept with the delivery: the
    # delivery task (connectors/delivery.py) calls it; any exception is a failed attempt,
    # retried with backoff. ``connection`` is the opened one (service.Opened).
    send: Callable[[Any, Any, dict[str, Any]], dict[str, Any]] | None = None
    # The service's rate limits per connection, as (messages, seconds): a send over one of
    # them is deferred to when the window has room, never dropped.
    limits: tuple[tuple[int, float], ...] = ()


CONNECTORS: dict[str, Connector] = {}


def register(entry: Connector) -> Connector:
    CONNECTORS[entry.name] = entry
    return entry
