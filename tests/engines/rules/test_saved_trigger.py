"""The trigger ``record.saved`` ("when a record matches", engine-semantics §2.2): a record
created matching fires, so does one that comes to match by an update; staying matched does not."""

from __future__ import annotations

from sqlalchemy import select

from brickwork.platform.models import RuleRun
from tests.engines.rules.helpers import DEALS_URL, INVOICES_URL, count, edit, eq, publish_rule, rule, setup_forms

CREATE_INVOICE = {"type": "create_record", "form": "invoices",
                  "values": {"deal": {"ref": "name"}, "amount": {"ref": "amount"}}}


def won_rule(api, **extra) -> None:
    published = publish_rule(api, rule("won", {"type": "record.saved", "form": "deals"}, [CREATE_INVOICE],
                                       condition=eq("stage", "Won"), **extra))
    assert published.status_code == 200, published.text


def invoiced(api) -> list[str]:
    return sorted(i["deal"] for i in api.get(INVOICES_URL, params={"limit": 500}).json()["items"])


def test_a_record_created_matching_fires_once_and_staying_matched_does_not_fire_again(api, drain):
    setup_forms(api)
    won_rule(api)
    deal = api.post(DEALS_URL, json={"name": "ACME", "stage": "Won", "amount": 500}).json()
    drain()
    assert invoiced(api) == ["ACME"]
    edit(api, deal["id"], amount=600)
    drain()
    assert invoiced(api) == ["ACME"]


def test_a_record_created_not_matching_fires_once_when_an_update_makes_it_match(api, drain, sessions):
    setup_forms(api)
    won_rule(api)
    deal = api.post(DEALS_URL, json={"name": "Globex", "stage": "Lead", "amount": 10}).json()
    drain()
    assert invoiced(api) == []
    edit(api, deal["id"], stage="Won")
    edit(api, deal["id"], phone="555")
    drain()
    assert invoiced(api) == ["Globex"]
    with sessions() as s:
        done = list(s.scalars(select(RuleRun).where(RuleRun.rule == "won").order_by(RuleRun.id)))
    assert [(r.trigger, r.status) for r in done] == [("record.created", "skipped"), ("record.updated", "succeeded"),
                                                     ("record.updated", "skipped")]


def test_whenever_fires_on_every_save_that_matches(api, drain):
    setup_forms(api)
    won_rule(api, mode="whenever")
    deal = api.post(DEALS_URL, json={"name": "Initech", "stage": "Won"}).json()
    edit(api, deal["id"], phone="1")
    drain()
    assert invoiced(api) == ["Initech", "Initech"]


def test_an_import_of_new_records_fires_for_the_matching_ones(api, drain):
    setup_forms(api)
    won_rule(api)
    lines = "name,stage\n" + "".join(f"d{i},{'Won' if i % 10 == 0 else 'Lead'}\n" for i in range(100))
    done = api.post(f"{DEALS_URL}:import", files={"file": ("deals.csv", lines.encode(), "text/csv")})
    assert done.status_code == 200, done.text
    drain()
    assert count(api, INVOICES_URL) == 10
