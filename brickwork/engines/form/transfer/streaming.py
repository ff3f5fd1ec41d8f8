"""An import (or an export) that reports while it runs, for an answer sent line by line.

``events(job)`` runs ``job`` in a thread of its own and yields what it reports: first
``{"done": 0, "total": n}`` once the file and the mapping are accepted, then
``{"done": n}`` after each batch, then the job's result. The job opens its transaction in
that thread and the result is yielded only after it committed. Nothing is kept between
requests (no job table), so any web process can serve any import. When the reader stops
reading (the connection closed), the job is told at its next batch and rolls back.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from brickwork.engines.form.transfer.reading import Table

Started = Callable[[Table], None]
Progress = Callable[..., None]  # (done) for an import; (done, total) for an export


class Cancelled(Exception):
    """The reader went away: the import stops and its transaction rolls back."""


def events(job: Callable[[Started, Progress], dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The job's reports as they come. An error the job raises is raised here, at the
    ``next()`` that would have given the next report (so an error before the first report
    can still become an ordinary error answer)."""
    reports: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()

    def started(table: Table) -> None:
        # The header line is not a row; a file that says nothing of its size has no total.
        total = max(table.lines - 1, 0) if table.lines else None
        reports.put(("report", {"done": 0, "total": total}))

    def progress(done: int, total: int | None = None) -> None:
        if stop.is_set():
            raise Cancelled
        reports.put(("report", {"done": done} if total is None else {"done": done, "total": total}))

    def run() -> None:
        try:
            reports.put(("result", job(started, progress)))
        except BaseException as exc:  # handed to the reader, who raises it
            reports.put(("error", exc))

    # The request's context (its locale, above all) goes with the job into its thread.
    thread = threading.Thread(target=contextvars.copy_context().run, args=(run,), daemon=True,
                              name="brickwork-import")
    thread.start()
    try:
        while True:
            kind, value = reports.get()
            if kind == "error":
                raise value
            yield value
            if kind == "result":
                return
    finally:
        stop.set()
