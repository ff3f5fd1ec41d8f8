"""The designer's duplicates switch writes the form setting of decision 0040 (``duplicates``),
saved through the definitions API like every other setting: it round-trips, and a setting
that cannot work is refused at ``$.duplicates`` with a message in the reader's language."""

from __future__ import annotations

from tests.engines.form.helpers import APP, field, form, publish

CONTACTS = form("contacts", field("c_name", "text", "name"), field("c_phone", "phone", "phone"),
                field("c_email", "email", "email"), field("c_size", "number", "size"))
URL = f"{APP}/forms/contacts"
SETTING = {"match": [{"field": "c_phone", "how": "phone"}, {"field": "c_email", "how": "email"},
                     {"field": "c_name", "how": "fuzzy"}], "threshold": 85, "block": True}


def test_the_setting_round_trips_through_the_definitions_api(api):
    assert publish(api, CONTACTS).status_code == 200
    saved = api.put(URL, json={**CONTACTS, "duplicates": SETTING})
    assert saved.status_code == 200, saved.text
    assert api.post(f"{URL}:publish").status_code == 200
    assert api.get(URL).json()["body"]["duplicates"] == SETTING
    off = api.put(URL, json=CONTACTS)  # switched off: the setting is gone
    assert off.status_code == 200 and api.post(f"{URL}:publish").status_code == 200
    assert "duplicates" not in api.get(URL).json()["body"] or api.get(URL).json()["body"]["duplicates"] is None


def refused(api, setting, language):
    answer = api.put(URL, json={**CONTACTS, "duplicates": setting}, headers={"Accept-Language": language})
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    return {e["field"]: e["message"] for e in answer.json()["errors"]}


def test_bad_settings_are_refused_at_their_place_in_both_languages(api):
    assert publish(api, CONTACTS).status_code == 200
    number = {"match": [{"field": "c_size", "how": "exact"}]}
    assert refused(api, number, "en") == {
        "$.duplicates": "Duplicate detection compares text, phone or email fields, not c_size."}
    assert "c_size" in refused(api, number, "zh-CN")["$.duplicates"]
    assert refused(api, {**SETTING, "threshold": 30}, "en") == {"$.duplicates.threshold": "Must be at least 50."}
    assert refused(api, {**SETTING, "threshold": 30}, "zh-CN") == {"$.duplicates.threshold": "不能小于 50。"}
    assert refused(api, {"match": []}, "zh-CN") == {"$.duplicates.match": "至少填写 1 项。"}
    assert api.get(URL).json()["body"].get("duplicates") is None  # nothing half written
