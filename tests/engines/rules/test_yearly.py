"""A yearly date-relative rule: fires on the day the date's month and day come round again,
every year (birthdays, anniversaries), once a day at most; 29 February on 28 February in a
year without one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

import brickwork.platform.clock as clock_module
from brickwork.engines.rules.engine import pinned_rule
from brickwork.engines.rules.sweeps import sweep
from brickwork.platform.db import transaction
from brickwork.platform.models import RuleRun
from tests.engines.form.helpers import APP, field, form, publish, records
from tests.engines.rules.helpers import publish_rule, rule

PEOPLE = form("people", field("p_name", "text", "name"), field("p_birthday", "date", "birthday"))
CARDS = form("cards", field("k_to", "text", "to"))
GREET = rule("greet", {"type": "date_relative", "form": "people", "field": "birthday", "yearly": True},
             [{"type": "create_record", "form": "cards", "values": {"to": {"ref": "name"}}}])


@pytest.fixture
def on(monkeypatch):
    """``on("2027-03-15")``: the installation's day is that one (09:00 in Shanghai)."""
    def move(day: str) -> None:
        moment = datetime.fromisoformat(f"{day}T01:00:00").replace(tzinfo=UTC)
        monkeypatch.setattr(clock_module, "now", lambda: moment)
    return move


def greeted(api) -> list[str]:
    return sorted(r["to"] for r in api.get(records("cards"), params={"limit": 500}).json()["items"])


def test_a_yearly_rule_greets_on_the_day_each_year_and_once_that_day(api, sessions, on):
    for definition in (PEOPLE, CARDS):
        assert publish(api, definition).status_code == 200
    assert publish_rule(api, GREET).status_code == 200
    for name, birthday in (("ann", "1990-03-15"), ("bob", "1985-07-01"), ("cid", None)):
        api.post(records("people"), json={"name": name, "birthday": birthday})

    def run_sweep() -> dict:
        with transaction(sessions) as s:
            return sweep(s, "crm", pinned_rule(s, "crm", "greet"))

    on("2027-03-14")
    assert run_sweep()["marked"] == 0
    on("2027-03-15")
    assert run_sweep()["marked"] == 1
    assert run_sweep()["marked"] == 0  # the same day: not twice
    assert greeted(api) == ["ann"]
    on("2027-03-16")
    assert run_sweep() == {"cleared": 1, "marked": 0}
    on("2028-03-15")  # next year, even with no sweep in between
    assert run_sweep()["marked"] == 1
    on("2028-07-01")
    assert run_sweep()["marked"] == 1
    assert greeted(api) == ["ann", "ann", "bob"]
    with sessions() as s:
        assert [r.status for r in s.scalars(select(RuleRun).where(RuleRun.rule == "greet"))] == ["succeeded"] * 3


def test_29_february_is_greeted_on_the_28th_in_other_years(api, sessions, on):
    for definition in (PEOPLE, CARDS):
        assert publish(api, definition).status_code == 200
    assert publish_rule(api, GREET).status_code == 200
    api.post(records("people"), json={"name": "leap", "birthday": "2000-02-29"})
    api.post(records("people"), json={"name": "eve", "birthday": "1999-02-28"})

    def run_sweep() -> int:
        with transaction(sessions) as s:
            return sweep(s, "crm", pinned_rule(s, "crm", "greet"))["marked"]

    on("2027-02-28")  # 2027 has no 29 February: both on the 28th
    assert run_sweep() == 2
    on("2027-03-01")
    assert run_sweep() == 0
    on("2028-02-28")  # a leap year: only the one born on the 28th
    assert run_sweep() == 1
    on("2028-02-29")
    assert run_sweep() == 1
    assert greeted(api) == ["eve", "eve", "leap", "leap"]


def test_a_yearly_rule_names_its_date_field(api):
    assert publish(api, PEOPLE).status_code == 200
    body = rule("greet", {"type": "date_relative", "form": "people", "yearly": True},
                [{"type": "notify", "users": [1], "text": "hi"}])
    refused = api.put(f"{APP}/definitions/rule/greet", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "$.trigger.yearly" in refused.text
