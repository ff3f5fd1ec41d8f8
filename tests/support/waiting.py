"""Waiting for an outcome that another process brings (a worker, a live server, a browser).

The bound only keeps a broken run from hanging: reaching it fails the test as "never
happened", not as "too slow". Speed is measured in bench/, never asserted in tests."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def wait_for(check: Callable[[], object], seconds: float = 120, what: str = "the awaited outcome never came",
             every: float = 0.2) -> None:
    """Return once ``check()`` is true; fail the test with ``what`` if it never becomes so."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() >= deadline:
            pytest.fail(f"{what} (gave up waiting after {seconds:g} s)")
        time.sleep(every)
