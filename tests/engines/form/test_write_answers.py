"""What a write answers: the whole record by default, only its id and version with
``Prefer: return=minimal`` (RFC 7240) or what ``fields`` names; the version as an ETag,
taken back by ``If-Match``."""

import pytest
from sqlalchemy import func, select

from brickwork.platform.models import AuditEntry
from tests.engines.form.helpers import field, form, publish, records

DEALS = form("deals", field("f_name", "text", "name", required=True), field("f_amount", "money", "amount"),
             field("f_no", "autonumber", "no", pattern="D-{0000}"))
URL = records("deals")
MINIMAL = {"Prefer": "return=minimal"}


@pytest.fixture
def deals(api):
    publish(api, DEALS)
    return api


def test_a_minimal_create_answers_id_version_and_where_the_record_is(deals):
    made = deals.post(URL, json={"name": "Big", "amount": "10"}, headers=MINIMAL)
    assert made.status_code == 201
    assert made.json() == {"id": 1, "version": 1}
    assert made.headers["Preference-Applied"] == "return=minimal"
    assert made.headers["ETag"] == '"1"'
    where = deals.get(made.headers["Location"])
    assert where.status_code == 200 and where.json()["name"] == "Big" and where.json()["no"] == "D-0001"


def test_without_a_preference_the_whole_record_comes_and_nothing_is_said_applied(deals):
    made = deals.post(URL, json={"name": "Big"}, headers={"Prefer": "respond-async, wait=5"})
    assert made.status_code == 201 and made.json()["no"] == "D-0001" and "_meta" in made.json()
    assert "Preference-Applied" not in made.headers
    assert made.headers["Location"].endswith(f"/records/{made.json()['id']}")
    full = deals.post(URL, json={"name": "Big"}, headers={"Prefer": 'return="representation"'})
    assert full.json()["name"] == "Big" and full.headers["Preference-Applied"] == "return=representation"


def test_a_minimal_bulk_answer_is_ids_and_versions_and_much_smaller(deals):
    batch = {"records": [{"name": f"deal {n}", "amount": str(n)} for n in range(100)]}
    whole = deals.post(f"{URL}:bulk", json=batch)
    small = deals.post(f"{URL}:bulk", json=batch, headers=MINIMAL)
    assert small.status_code == 201 and small.headers["Preference-Applied"] == "return=minimal"
    assert small.json()["items"] == [{"id": n, "version": 1} for n in range(101, 201)]
    assert len(small.content) * 5 < len(whole.content)
    listed = deals.get(f"{URL}:bulk".replace(":bulk", ""), params={"fields": "id,version", "limit": 500})
    assert listed.json()["items"][100:] == small.json()["items"] and listed.json()["total"] == 200


def test_fields_shape_write_answers_and_reads(deals):
    made = deals.post(URL, json={"name": "Big", "amount": "10"}, params={"fields": "id,version"})
    assert made.json() == {"id": 1, "version": 1} and "Preference-Applied" not in made.headers
    named = deals.post(f"{URL}:bulk", json={"records": [{"name": "two"}]}, params={"fields": "no"})
    assert named.json()["items"] == [{"id": 2, "version": 1, "no": "D-0002",
                                      "_meta": named.json()["items"][0]["_meta"]}]
    changed = deals.patch(f"{URL}/1", json={"version": 1, "amount": "11"}, params={"fields": "amount"})
    assert {k: changed.json()[k] for k in ("id", "version", "amount")} == {"id": 1, "version": 2, "amount": "11.00"}
    assert "name" not in changed.json()
    one = deals.get(f"{URL}/1", params={"fields": "id,name"})
    assert one.json() == {"id": 1, "name": "Big"}
    bad = deals.get(f"{URL}/1", params={"fields": "id,colour"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "fields"


def test_minimal_updates_answer_the_new_version_and_change_the_record(deals, sessions):
    deals.post(f"{URL}:bulk", json={"records": [{"name": "a"}, {"name": "b"}]})
    one = deals.patch(f"{URL}/1", json={"version": 1, "amount": "5"}, headers=MINIMAL)
    assert one.status_code == 200 and one.json() == {"id": 1, "version": 2}
    assert one.headers["ETag"] == '"2"' and one.headers["Preference-Applied"] == "return=minimal"
    same = deals.patch(f"{URL}/1", json={"version": 2, "amount": "5.00"}, headers=MINIMAL)
    assert same.json() == {"id": 1, "version": 2}  # nothing differed: the version stays
    many = deals.patch(f"{URL}:bulk", json={"records": [{"id": 1, "version": 2, "name": "A"},
                                                        {"id": 2, "version": 1, "name": "B"}]}, headers=MINIMAL)
    assert many.json() == {"items": [{"id": 1, "version": 3}, {"id": 2, "version": 2}]}
    assert [r["name"] for r in deals.get(URL).json()["items"]] == ["A", "B"]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "record.updated")) == 3  # minimal answers audit as fully as any


def test_a_minimal_delete_is_204_and_says_so(deals):
    deals.post(URL, json={"name": "a"})
    gone = deals.delete(f"{URL}/1", headers=MINIMAL)
    assert gone.status_code == 204 and gone.content == b"" and gone.headers["Preference-Applied"] == "return=minimal"
    assert deals.get(f"{URL}/1").status_code == 404


def test_get_gives_the_version_as_etag_and_if_match_takes_it_back(deals):
    deals.post(URL, json={"name": "a"})
    read = deals.get(f"{URL}/1")
    assert read.headers["ETag"] == '"1"'
    changed = deals.patch(f"{URL}/1", json={"amount": "7"}, headers={"If-Match": read.headers["ETag"]})
    assert changed.status_code == 200 and changed.json()["version"] == 2 and changed.headers["ETag"] == '"2"'
    weak = deals.patch(f"{URL}/1", json={"amount": "8"}, headers={"If-Match": 'W/"2"'})
    assert weak.status_code == 200 and weak.json()["amount"] == "8.00"


def test_a_stale_if_match_is_409_like_a_stale_body_version_and_changes_nothing(deals):
    deals.post(URL, json={"name": "a"})
    deals.patch(f"{URL}/1", json={"version": 1, "amount": "1"})
    stale = deals.patch(f"{URL}/1", json={"amount": "2"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    assert stale.json()["errors"][0] == {"field": "version", "code": "stale", "message": "The current version is 2."}
    refused = deals.delete(f"{URL}/1", headers={"If-Match": '"1"'})
    assert refused.status_code == 409
    assert deals.get(f"{URL}/1").json()["amount"] == "1.00"
    assert deals.delete(f"{URL}/1", headers={"If-Match": '"2"'}).status_code == 204


@pytest.mark.parametrize("header", ["*", '"1", "2"', "abc", '"99999999999999999999"'])
def test_an_if_match_that_names_no_one_version_is_422(deals, header):
    deals.post(URL, json={"name": "a"})
    refused = deals.patch(f"{URL}/1", json={"amount": "2"}, headers={"If-Match": header})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "If-Match"
    assert deals.get(f"{URL}/1").json()["version"] == 1


def test_if_match_and_body_version_must_agree(deals):
    deals.post(URL, json={"name": "a"})
    both = deals.patch(f"{URL}/1", json={"version": 1, "amount": "2"}, headers={"If-Match": '"1"'})
    assert both.status_code == 200
    clash = deals.patch(f"{URL}/1", json={"version": 2, "amount": "3"}, headers={"If-Match": '"1"',
                                                                               "Accept-Language": "zh-CN"})
    assert clash.status_code == 422
    error = clash.json()["errors"][0]
    assert error["field"] == "If-Match" and error["code"] == "mismatch" and "If-Match" in error["message"]
    assert error["message"] != "If-Match names version 1 but version is 2; send one."  # told in Chinese
    query = deals.delete(f"{URL}/1", params={"version": 1}, headers={"If-Match": '"2"'})
    assert query.status_code == 422 and query.json()["errors"][0]["code"] == "mismatch"
    assert deals.get(f"{URL}/1").json()["amount"] == "2.00"
