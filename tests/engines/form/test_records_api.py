"""The records API: the write path, optimistic locking, the recycle bin, paging."""

import threading

from sqlalchemy import func, select

from brickwork.platform.models import AuditEntry, OutboxEvent
from tests.engines.form.helpers import APP, field, form, publish, records

DEALS = form(
    "deals",
    field("f_name", "text", "name", required=True),
    field("f_amount", "money", "amount"),
    field("f_stage", "select", "stage", options=[{"id": "new", "label": {"en": "New", "zh-CN": "新建"}},
                                                 {"id": "won", "label": {"en": "Won", "zh-CN": "赢单"}}]),
    field("f_no", "autonumber", "no", pattern="D-{0000}"),
    field("f_email", "email", "email", unique=True),
)
URL = records("deals")


def test_create_normalises_and_returns_the_stored_record(api):
    publish(api, DEALS)
    created = api.post(URL, json={"name": "  Big deal ", "amount": "1,999.90", "stage": "赢单",
                                  "email": "Li@Example.COM"})
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "Big deal" and body["amount"] == "1999.90" and body["stage"] == "won"
    assert body["email"] == "Li@example.com" and body["no"] == "D-0001" and body["version"] == 1
    assert api.get(f"{URL}/{body['id']}").json() == body


def test_bad_values_are_refused_per_field_and_nothing_is_written(api, sessions):
    publish(api, DEALS)
    refused = api.post(URL, json={"amount": "1.005", "stage": "lost", "colour": "red"},
                       headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    by_field = {e["field"]: e["code"] for e in refused.json()["errors"]}
    assert by_field == {"amount": "scale", "stage": "option", "colour": "unknown", "name": "required"}
    assert refused.json()["errors"][-1]["message"] == "此项必填。"
    assert api.get(URL).json()["total"] == 0
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("record.%"))) == 0


def test_autonumbers_have_no_gap_after_a_failed_create(api):
    publish(api, DEALS)
    api.post(URL, json={"name": "one", "email": "a@x.com"})
    assert api.post(URL, json={"name": "dup", "email": "A@x.com"}).status_code == 409  # rolled back
    third = api.post(URL, json={"name": "two"}).json()
    assert third["no"] == "D-0002"


def test_a_stale_version_is_409_and_changes_nothing(api, sessions):
    publish(api, DEALS)
    rid = api.post(URL, json={"name": "x"}).json()["id"]
    first = api.patch(f"{URL}/{rid}", json={"version": 1, "amount": "10"})
    assert first.status_code == 200 and first.json()["version"] == 2
    second = api.patch(f"{URL}/{rid}", json={"version": 1, "amount": "20"})
    assert second.status_code == 409 and second.json()["errors"][0]["field"] == "version"
    assert api.get(f"{URL}/{rid}").json()["amount"] == "10.00"
    missing = api.patch(f"{URL}/{rid}", json={"amount": "30"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "version"


def test_fifty_concurrent_patches_of_one_version_one_wins(api, app, admin_token, sessions):
    from starlette.testclient import TestClient

    publish(api, DEALS)
    rid = api.post(URL, json={"name": "contended"}).json()["id"]
    statuses: list[int] = []
    barrier = threading.Barrier(50)

    def patch(n: int) -> None:
        with TestClient(app, headers={"Authorization": f"Bearer {admin_token}"}) as client:
            barrier.wait()
            statuses.append(client.patch(f"{URL}/{rid}", json={"version": 1, "amount": str(n)}).status_code)

    threads = [threading.Thread(target=patch, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [409] * 49
    with sessions() as s:
        updates = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "record.updated", AuditEntry.subject_id == str(rid)))
    assert updates == 1
    assert api.get(f"{URL}/{rid}").json()["version"] == 2


def test_every_change_is_audited_with_before_and_after_and_sent_to_the_outbox(api, sessions):
    publish(api, DEALS)
    rid = api.post(URL, json={"name": "x", "stage": "new"}).json()["id"]
    api.patch(f"{URL}/{rid}", json={"version": 1, "stage": "won", "name": "x"})
    history = api.get(f"{URL}/{rid}/history").json()
    assert [h["action"] for h in history] == ["record.created", "record.updated"]
    assert history[1]["changes"] == {"stage": ["new", "won"]}
    with sessions() as s:
        topics = s.scalars(select(OutboxEvent.topic).where(OutboxEvent.topic.like("record.%"))
                           .order_by(OutboxEvent.id)).all()
    assert topics == ["record.created", "record.updated"]


def test_delete_goes_to_the_recycle_bin_and_restore_brings_it_back(api):
    publish(api, DEALS)
    rid = api.post(URL, json={"name": "x", "email": "x@x.com"}).json()["id"]
    assert api.delete(f"{URL}/{rid}").status_code == 204
    assert api.get(f"{URL}/{rid}").status_code == 404
    assert [r["id"] for r in api.get(URL, params={"deleted": "true"}).json()["items"]] == [rid]
    restored = api.post(f"{URL}/{rid}:restore")
    assert restored.status_code == 200 and restored.json()["name"] == "x"


def test_restoring_into_a_taken_unique_value_is_409(api):
    publish(api, DEALS)
    rid = api.post(URL, json={"name": "x", "email": "x@x.com"}).json()["id"]
    api.delete(f"{URL}/{rid}")
    api.post(URL, json={"name": "y", "email": "X@x.com"})
    conflict = api.post(f"{URL}/{rid}:restore")
    assert conflict.status_code == 409 and conflict.json()["errors"][0]["field"] == "email"


def test_bulk_create_is_all_or_nothing_with_each_rows_errors(api):
    publish(api, DEALS)
    refused = api.post(f"{URL}:bulk", json={"records": [{"name": "a"}, {"amount": "x"}, {"name": "c"}]})
    assert refused.status_code == 422
    errors = {(e["field"], e["code"]) for e in refused.json()["errors"]}
    assert errors == {("[1].amount", "type"), ("[1].name", "required")}
    assert api.get(URL).json()["total"] == 0
    created = api.post(f"{URL}:bulk", json={"records": [{"name": f"n{i}"} for i in range(5)]})
    assert created.status_code == 201
    assert [r["no"] for r in created.json()["items"]] == [f"D-000{i}" for i in range(1, 6)]


def test_bulk_update_changes_all_or_none(api):
    publish(api, DEALS)
    ids = [r["id"] for r in api.post(f"{URL}:bulk", json={"records": [{"name": "a"}, {"name": "b"}]}).json()["items"]]
    stale = api.patch(f"{URL}:bulk", json={"records": [{"id": ids[0], "version": 1, "stage": "won"},
                                                        {"id": ids[1], "version": 7, "stage": "won"}]})
    assert stale.status_code == 409
    assert [r["stage"] for r in api.get(URL, params={"sort": "id"}).json()["items"]] == [None, None]
    done = api.patch(f"{URL}:bulk", json={"records": [{"id": i, "version": 1, "stage": "won"} for i in ids]})
    assert done.status_code == 200 and [r["version"] for r in done.json()["items"]] == [2, 2]


def test_keyset_pages_cover_every_record_once_in_order(api):
    publish(api, DEALS)
    amounts = ["5", None, "1", "5", "3", None, "2", "4", "5"]
    api.post(f"{URL}:bulk", json={"records": [{"name": f"n{i}", "amount": a} for i, a in enumerate(amounts)]})
    seen, cursor, totals = [], None, []
    while True:
        page = api.get(URL, params={"sort": "-amount", "limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        totals.append(page["total"])
        seen += [(r["amount"], r["name"]) for r in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    expected = sorted(((a, f"n{i}") for i, a in enumerate(amounts)),
                      key=lambda p: (p[0] is None, -float(p[0] or 0), int(p[1][1:])))
    assert [(a if a is None else f"{float(a):.2f}", n) for a, n in expected] == seen
    assert totals[0] == 9 and set(totals[1:]) == {None}


def test_a_cursor_from_another_sort_is_refused(api):
    publish(api, DEALS)
    api.post(f"{URL}:bulk", json={"records": [{"name": "a"}, {"name": "b"}]})
    cursor = api.get(URL, params={"sort": "name", "limit": 1}).json()["next_cursor"]
    refused = api.get(URL, params={"sort": "-name", "cursor": cursor})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "cursor"


def test_fields_limits_the_response(api):
    publish(api, DEALS)
    api.post(URL, json={"name": "a", "amount": "3"})
    item = api.get(URL, params={"fields": "name"}).json()["items"][0]
    assert "name" in item and "amount" not in item and "id" in item and "version" in item


def test_unknown_form_is_404(api):
    publish(api, DEALS)
    assert api.get(f"{APP}/forms/nope/records").status_code == 404
