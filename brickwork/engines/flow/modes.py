"""How several approvers of one node decide (engine-semantics §1.5): one entry per mode.

A mode's ``outcome(a, r, n, ratio)`` reads the node run's counts from the task table
(``a`` approvals, ``r`` rejections, ``n`` approvers after resolution, transfer and dedupe)
inside the locked transaction, never from a counter kept in the request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Mode:
    name: str
    label: str  # English; shown through _()
    opens_all: bool  # False: one task open at a time, in order
    outcome: Callable[[int, int, int, int], str | None]  # "approved" | "rejected" | None (still open)


MODES: dict[str, Mode] = {}


def register(entry: Mode) -> Mode:
    MODES[entry.name] = entry
    return entry


def need(ratio: int, n: int) -> int:
    """Approvals a ratio node needs: ⌈p·N/100⌉ in integer arithmetic."""
    return (ratio * n + 99) // 100


def _all(a: int, r: int, n: int, ratio: int) -> str | None:
    return "rejected" if r else ("approved" if a >= n else None)


def _any(a: int, r: int, n: int, ratio: int) -> str | None:
    return "approved" if a else ("rejected" if r else None)


def _ratio(a: int, r: int, n: int, ratio: int) -> str | None:
    wanted = need(ratio, n)
    if a >= wanted:
        return "approved"
    return "rejected" if r > n - wanted else None


register(Mode("sequential", "One after another", False, _all))
register(Mode("all", "Everyone", True, _all))
register(Mode("any", "Anyone", True, _any))
register(Mode("ratio", "A share of them", True, _ratio))
