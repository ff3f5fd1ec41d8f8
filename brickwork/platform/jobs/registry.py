"""What workers can run: tasks (deferred or scheduled work) and event subscribers.

Engines and connectors register here at import time; the platform never imports them.
A subscriber is a task that is handed events: emitting an event defers one job per
subscriber whose topics match, in the same transaction as the event.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Retry:
    """Exponential backoff: attempt n (1-based) failing waits ``base * factor**(n-1)``
    seconds, at most ``cap``; after ``attempts`` tries the job is dead (failed)."""

    attempts: int = 6
    base: float = 10.0
    factor: float = 2.0
    cap: float = 3600.0

    def delay_after(self, attempt: int) -> float | None:
        """Seconds to wait after the ``attempt``-th try failed, or None when it was the last."""
        if attempt >= self.attempts:
            return None
        return min(self.cap, self.base * self.factor ** (attempt - 1))


@dataclass(frozen=True)
class Event:
    """A domain event as a subscriber sees it. ``idempotency_key`` is unique per subscriber
    and event: hand it to external systems so a re-delivery is not applied twice there."""

    key: str
    topic: str
    payload: dict[str, Any]
    occurred_at: str
    idempotency_key: str = ""


@dataclass(frozen=True)
class RunContext:
    """What a task is told about its run."""

    job_id: int | None
    attempt: int
    idempotency_key: str


TaskFn = Callable[[Session, dict[str, Any], RunContext], Any]
Handler = Callable[[Session, Event], Any]


@dataclass
class Task:
    name: str
    fn: TaskFn
    retry: Retry = field(default_factory=Retry)


@dataclass
class Subscriber:
    name: str
    topics: tuple[str, ...]
    handler: Handler
    retry: Retry = field(default_factory=Retry)
    # ``wanted(session, app, form)``: whether events of the app's form (None: events of no
    # form) concern it at all now (a rules engine with no live rule on that form does not),
    # asked once per app and form when events are emitted, so a write makes no delivery job
    # nobody would act on. It answers a bool, or a query any row of which means yes: those
    # of all subscribers go in one statement.
    wanted: Callable[[Session, str | None, str | None], bool | Select] | None = None

    def wants(self, topic: str) -> bool:
        return any(fnmatch.fnmatchcase(topic, pattern) for pattern in self.topics)


_tasks: dict[str, Task] = {}
_subscribers: dict[str, Subscriber] = {}


def task(name: str, fn: TaskFn | None = None, *, retry: Retry | None = None):
    """Register ``fn(session, args, ctx)`` as the task ``name`` (also usable as a decorator).
    It runs in a transaction that commits with its receipt: applied once per job key."""
    def register(f: TaskFn) -> TaskFn:
        if name in _subscribers:
            raise ValueError(f"{name!r} is already a subscriber")
        _tasks[name] = Task(name, f, retry or Retry())
        return f
    return register(fn) if fn is not None else register


def subscribe(name: str, topics: Iterable[str], handler: Handler | None = None, *, retry: Retry | None = None,
              wanted: Callable[[Session, str | None, str | None], bool | Select] | None = None):
    """Register ``handler(session, event)`` for events whose topic matches one of ``topics``
    (shell patterns: ``record.*``), and, with ``wanted``, whose app and form it wants now. Events
    reach it at least once, applied once, in order per record. Also usable as a decorator."""
    def register(h: Handler) -> Handler:
        if name in _tasks:
            raise ValueError(f"{name!r} is already a task")
        _subscribers[name] = Subscriber(name, tuple(topics), h, retry or Retry(), wanted)
        return h
    return register(handler) if handler is not None else register


def unsubscribe(name: str) -> None:
    """Forget a subscriber or task (tests, plugins being reloaded)."""
    _subscribers.pop(name, None)
    _tasks.pop(name, None)


def subscribers_for(topic: str) -> list[Subscriber]:
    return [s for s in _subscribers.values() if s.wants(topic)]


def get_task(name: str) -> Task | None:
    return _tasks.get(name)


def get_subscriber(name: str) -> Subscriber | None:
    return _subscribers.get(name)


def retry_of(name: str) -> Retry:
    found = _tasks.get(name) or _subscribers.get(name)
    return found.retry if found else Retry()


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds") + "Z"
