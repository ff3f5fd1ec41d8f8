"""The installation's time zone: what "today" means and how naive input is read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_zone = ZoneInfo("Asia/Shanghai")


def configure(zone: ZoneInfo) -> None:
    global _zone
    _zone = zone


def app_zone() -> ZoneInfo:
    return _zone


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().astimezone(_zone).date()
