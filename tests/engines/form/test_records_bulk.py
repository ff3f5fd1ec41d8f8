"""Bulk create's set-wise work: auto-numbers handed out for a whole batch with one bump of
the counter, rules and conversions planned once per batch, the same results as one by one."""

import threading
from datetime import timedelta

from sqlalchemy import select

from brickwork.engines.form import storage
from brickwork.platform.clock import app_zone, now
from brickwork.platform.models import App, AuditEntry, OutboxEvent, Sequence
from tests.engines.form.helpers import field, form, publish, records

TICKETS = form(
    "tickets",
    field("t_title", "text", "title", required=True),
    field("t_no", "autonumber", "no", pattern="T-{yyyy}{mm}{dd}-{0000}"),
    field("t_email", "email", "email", unique=True),
    field("t_closed", "boolean", "closed"),
    field("t_csat", "rating", "csat", max="5", show_when={"ref": "t_closed"}),
    field("t_total", "formula", "total", formula="IF(closed, 1, 0) + 2"),
    rules=[{"id": "r_csat", "when": {"fn": "AND", "args": [{"ref": "t_closed"}, {"fn": "ISBLANK", "args": [
        {"ref": "t_csat"}]}]}, "message": {"en": "Rate a closed ticket."}, "field": "t_csat"}],
)
URL = records("tickets")


def counter(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


def test_a_thousand_row_batch_is_numbered_consecutively_in_todays_period(api, sessions):
    assert publish(api, TICKETS).status_code == 200
    today = now().astimezone(app_zone()).date()
    with sessions() as s, s.begin():  # yesterday's counter is another period's: it does not carry on
        table = storage.table_name(s.scalar(select(App.id).where(App.key == "crm")), "tickets")
        s.add(Sequence(name=f"{table}.t_no", period=(today - timedelta(days=1)).strftime("%Y%m%d"), value=500))
    created = api.post(f"{URL}:bulk", json={"records": [{"title": f"t{i}"} for i in range(1000)]})
    assert created.status_code == 201
    numbers = [r["no"] for r in created.json()["items"]]
    assert numbers[0] == f"T-{today:%Y%m%d}-0001" and numbers[-1] == f"T-{today:%Y%m%d}-1000"
    assert [counter(n) for n in numbers] == list(range(1, 1001))
    single = api.post(URL, json={"title": "after"}).json()
    assert single["no"] == f"T-{today:%Y%m%d}-1001"
    assert api.get(f"{URL}/{created.json()['items'][999]['id']}").json()["no"] == numbers[-1]


def test_a_refused_batch_leaves_no_gap_in_the_numbers(api):
    assert publish(api, TICKETS).status_code == 200
    api.post(URL, json={"title": "first", "email": "a@x.com"})
    clash = api.post(f"{URL}:bulk", json={"records": [{"title": "b"}, {"title": "c", "email": "A@x.com"}]})
    assert clash.status_code == 409  # the unique index refuses it after the numbers were taken: rolled back
    after = api.post(f"{URL}:bulk", json={"records": [{"title": "d"}, {"title": "e"}]}).json()["items"]
    assert [counter(r["no"]) for r in after] == [2, 3]


def test_single_creates_beside_a_big_batch_get_numbers_of_their_own(api, app, admin_token):
    from starlette.testclient import TestClient

    assert publish(api, TICKETS).status_code == 200
    barrier = threading.Barrier(5)
    batch: list[int] = []
    singles: list[int] = []

    def bulk() -> None:
        with TestClient(app, headers={"Authorization": f"Bearer {admin_token}"}) as client:
            barrier.wait()
            answer = client.post(f"{URL}:bulk", json={"records": [{"title": f"b{i}"} for i in range(1000)]})
            batch.extend(counter(r["no"]) for r in answer.json()["items"])

    def one(n: int) -> None:
        with TestClient(app, headers={"Authorization": f"Bearer {admin_token}"}) as client:
            barrier.wait()
            for i in range(3):
                singles.append(counter(client.post(URL, json={"title": f"s{n}.{i}"}).json()["no"]))

    threads = [threading.Thread(target=bulk)] + [threading.Thread(target=one, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert batch == list(range(batch[0], batch[0] + 1000))  # no single create lands inside the batch
    assert sorted(batch + singles) == list(range(1, 1013))  # unique and gap-free together


def test_a_batch_applies_rules_per_row_and_logs_each_record_as_a_single_create_does(api, sessions):
    assert publish(api, TICKETS).status_code == 200
    refused = api.post(f"{URL}:bulk", json={"records": [
        {"title": "a", "closed": True, "csat": 4}, {"title": "b", "closed": True}, {"title": "c", "csat": 2}]})
    assert refused.status_code == 422
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [("[1].csat", "rule")]
    rows = [{"title": "a", "closed": True, "csat": 4}, {"title": "c", "csat": 2}]
    made = api.post(f"{URL}:bulk", json={"records": rows}).json()["items"]
    one = api.post(URL, json=rows[1]).json()
    assert [(r["csat"], r["total"]) for r in made] == [(4, "3.00"), (None, "2.00")]  # hidden: cleared
    assert {k: v for k, v in one.items() if k not in ("id", "no", "_meta")} == \
        {k: v for k, v in made[1].items() if k not in ("id", "no", "_meta")}
    assert [api.get(f"{URL}/{r['id']}").json() for r in made] == made
    with sessions() as s:
        audited = s.scalars(select(AuditEntry.changes).where(AuditEntry.action == "record.created")
                            .order_by(AuditEntry.id)).all()
        events = s.scalars(select(OutboxEvent.payload).where(OutboxEvent.topic == "record.created")
                           .order_by(OutboxEvent.id)).all()
    assert [a["csat"] for a in audited] == [4, None, None]
    assert [e["id"] for e in events] == [made[0]["id"], made[1]["id"], one["id"]]
    assert events[0]["after"]["no"] == made[0]["no"] and events[0]["after"]["total"] == "3.00"
