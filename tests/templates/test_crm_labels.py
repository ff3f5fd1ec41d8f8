"""The CRM's choices read as a CRM user says them, in both languages: customer levels are
account tiers, not "A (key)" or "D (low)"; a ticket called back is "Follow-up call done"."""

from __future__ import annotations

import re

from brickwork.templates import load

DOCUMENT = load("crm")
OPTIONS = {o["id"]: o["label"] for body in DOCUMENT["definitions"]["form"] for f in body["fields"]
           for o in f.get("options") or []}


def test_customer_levels_are_account_tiers():
    assert [OPTIONS[f"lvl_{x}"]["en"] for x in "abcd"] == [
        "A – Key account", "B – Major account", "C – Standard account", "D – Small account"]
    assert [OPTIONS[f"lvl_{x}"]["zh-CN"] for x in "abcd"] == ["A 重点客户", "B 重要客户", "C 普通客户", "D 一般客户"]


def test_ticket_and_customer_states_say_what_happened():
    assert OPTIONS["ts_revisited"] == {"zh-CN": "已回访", "en": "Follow-up call done"}
    assert OPTIONS["ts_processing"]["en"] == "In progress"
    assert OPTIONS["st_lost"] == {"zh-CN": "已流失", "en": "Churned"}


def test_no_choice_qualifies_itself_in_brackets():
    loose = {oid: label for oid, label in OPTIONS.items()
             if any(re.search(r"[(（].*[)）]", text) for text in label.values())}
    assert loose == {}


def test_birthdays_have_a_yearly_calendar():
    view = next(v for v in DOCUMENT["views"] if v["id"] == "view_con_birthdays")
    assert view["type"] == "calendar" and view["config"]["date_field"] == "con_birthday" and view["config"]["yearly"]
