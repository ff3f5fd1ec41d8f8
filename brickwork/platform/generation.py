"""An app's generation: what every process's caches of the app key on.

Caches of what is live in an app (the computed fields' graph, whether rules or webhooks
listen to its writes) are kept per process, and there may be several processes. Each
write reads the app's ``generation`` (with the form, in the same query: ``load_form``), so a
publish or a changed webhook subscription in any process is seen by the very next write in
every other one, without a query of its own or a message between processes. A change sets
a fresh random number rather than adding one, so the number of a rolled-back change is
never met again with other contents (decision 0039).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from brickwork.platform.models import App

T = TypeVar("T")
SEEN = "brickwork_generations"  # connection info: (the transaction, app key → generation read in it)
KEPT = 1024  # entries per cache before it starts again


def _connection(db: Session | Connection) -> Connection:
    return db.connection() if isinstance(db, Session) else db


def _known(db: Session | Connection) -> dict[str, int | None]:
    """What this transaction has read of apps' generations (kept on its connection, so a
    session and the connection its record statements run on share it)."""
    conn = _connection(db)
    transaction = conn.get_transaction()
    kept = conn.info.get(SEEN)
    if kept is None or kept[0] is not transaction:
        kept = conn.info[SEEN] = (transaction, {})
    return kept[1]


def changed(db: Session | Connection, app_id: int) -> None:
    """What the app's writes depend on changed: caches keyed on the old generation go unused.
    (The session's pending changes are flushed first, so what is cached under the new number
    in this same transaction already sees them.)"""
    if isinstance(db, Session):
        db.flush()
    conn = _connection(db)
    conn.execute(update(App).where(App.id == app_id).values(generation=secrets.randbits(62)))
    conn.info.pop(SEEN, None)


def changed_by_key(db: Session | Connection, app_key: str) -> None:
    app_id = _connection(db).scalar(select(App.id).where(App.key == app_key))
    if app_id is not None:
        changed(db, app_id)


def seen(db: Session | Connection, app_key: str, generation: int) -> None:
    """Note the generation read with a form, so the rest of the transaction asks no more."""
    _known(db)[app_key] = generation


def of(db: Session | Connection, app_key: str) -> int | None:
    """The app's generation in this transaction (None: no such app)."""
    known = _known(db)
    if app_key not in known:
        known[app_key] = _connection(db).scalar(select(App.generation).where(App.key == app_key))
    return known[app_key]


class Cache:
    """Values computed from what is live in an app, kept per database, app and generation."""

    def __init__(self) -> None:
        self._kept: dict[tuple, object] = {}

    def get(self, db: Session | Connection, app_key: str, make: Callable[[], T]) -> T:
        conn = _connection(db)
        key = (str(conn.engine.url), app_key, of(conn, app_key))
        if key not in self._kept:
            if len(self._kept) >= KEPT:
                self._kept.clear()
            self._kept[key] = make()
        return self._kept[key]  # type: ignore[return-value]
