""""The owner's manager" in rules: a create-record value ``{"manager_of": field}`` and the
notify action's ``managers_of``, answered from the organisation (the manager set on the
person, else the head of their department, a level up for a head)."""

from __future__ import annotations

from sqlalchemy import select

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import add_member, create_department, manager_of, set_heads
from brickwork.platform.identity.people import set_manager
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import Notification, User
from tests.engines.form.helpers import APP, field, form, publish, records
from tests.engines.rules.helpers import DEALS_URL, edit, publish_rule, rule, setup_forms

TASKS = form("tasks", field("t_title", "text", "title"), field("t_assignee", "user", "assignee"))
TASKS_URL = records("tasks")
WON_BIG = {"fn": "AND", "args": [{"fn": "=", "args": [{"ref": "stage"}, {"lit": "Won", "type": "text"}]},
                                 {"fn": ">", "args": [{"ref": "amount"}, {"lit": 100000, "type": "number"}]}]}


def organisation(sessions) -> dict[str, int]:
    """sales (head: hana) under the company (head: ceo); rita reports to mark directly;
    sam has no manager of his own; hana heads sales."""
    with transaction(sessions) as s:
        people = {name: create_user(s, name, "a-long-password-1").id for name in
                  ("ceo", "hana", "rita", "mark", "sam", "loner")}
        company = create_department(s, "Company")
        sales = create_department(s, "Sales", company.id)
        set_heads(s, company.id, [people["ceo"]])
        set_heads(s, sales.id, [people["hana"]])
        for name in ("hana", "rita", "mark", "sam"):
            add_member(s, people[name], sales.id)
        set_manager(s, None, s.get(User, people["rita"]), people["mark"])
    return people


def test_a_person_s_manager_comes_from_the_organisation(sessions):
    people = organisation(sessions)
    with transaction(sessions) as s:
        assert manager_of(s, people["rita"]) == people["mark"]  # set on her
        assert manager_of(s, people["sam"]) == people["hana"]  # his department's head
        assert manager_of(s, people["hana"]) == people["ceo"]  # a head: the level above
        assert manager_of(s, people["ceo"]) is None
        assert manager_of(s, people["loner"]) is None  # in no department
        s.get(User, people["mark"]).is_active = False
        s.flush()
        assert manager_of(s, people["rita"]) == people["hana"]  # a deactivated manager is passed over


def test_a_won_deal_makes_a_task_for_the_owner_s_manager_and_tells_them(api, drain, sessions):
    setup_forms(api)
    assert publish(api, TASKS).status_code == 200
    people = organisation(sessions)
    published = publish_rule(api, rule("won_follow_up", {"type": "record.updated", "form": "deals"}, [
        {"type": "create_record", "form": "tasks",
         "values": {"title": {"ref": "name"}, "assignee": {"manager_of": "owner"}}},
        {"type": "notify", "text": "A big deal was won", "managers_of": ["owner"]}], condition=WON_BIG))
    assert published.status_code == 200, published.text
    deals = {name: api.post(DEALS_URL, json={"name": name, "stage": "Lead", "amount": 250000,
                                             "owner": people[owner]}).json()["id"]
             for name, owner in (("Acme", "rita"), ("Globex", "sam"), ("Small", "rita"))}
    edit(api, deals["Small"], amount=500)
    drain()
    for deal in deals.values():
        edit(api, deal, stage="Won")
    drain()
    tasks = {t["title"]: t["assignee"] for t in api.get(TASKS_URL).json()["items"]}
    assert tasks == {"Acme": people["mark"], "Globex": people["hana"]}
    with sessions() as s:
        told = sorted(s.scalars(select(Notification.user_id).where(Notification.source == "rule:won_follow_up")))
    assert told == sorted([people["mark"], people["hana"]])


def test_a_deal_whose_owner_has_no_manager_gets_an_unassigned_task_and_no_bell(api, drain, sessions):
    setup_forms(api)
    assert publish(api, TASKS).status_code == 200
    people = organisation(sessions)
    publish_rule(api, rule("won_follow_up", {"type": "record.updated", "form": "deals"}, [
        {"type": "create_record", "form": "tasks",
         "values": {"title": {"ref": "name"}, "assignee": {"manager_of": "owner"}}},
        {"type": "notify", "text": "A big deal was won", "managers_of": ["owner"]}], condition=WON_BIG))
    deal = api.post(DEALS_URL, json={"name": "Solo", "stage": "Lead", "amount": 250000,
                                     "owner": people["ceo"]}).json()["id"]
    edit(api, deal, stage="Won")
    drain()
    assert [(t["title"], t["assignee"]) for t in api.get(TASKS_URL).json()["items"]] == [("Solo", None)]
    with sessions() as s:
        assert s.scalar(select(Notification.id).where(Notification.source == "rule:won_follow_up")) is None


def test_the_manager_of_a_field_that_holds_no_person_is_refused_at_publish(api):
    setup_forms(api)
    assert publish(api, TASKS).status_code == 200
    refused = publish_rule(api, rule("bad", {"type": "record.created", "form": "deals"}, [
        {"type": "create_record", "form": "tasks", "values": {"assignee": {"manager_of": "name"}}},
        {"type": "notify", "text": "x", "managers_of": ["nobody"]}]))
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in refused.json()["errors"]}
    assert fields == {"$.actions[0].values.assignee", "$.actions[1].managers_of"}


def test_notify_reaches_the_active_holders_of_the_roles_it_names(api, drain, sessions):
    """A template cannot know an installation's user ids: "and finance" names the role."""
    from brickwork.platform.identity.org import create_role, grant_role

    setup_forms(api)
    people = organisation(sessions)
    with transaction(sessions) as s:
        create_role(s, "finance", {"en": "Finance"})
        for name in ("rita", "sam"):
            grant_role(s, people[name], "finance")
        s.get(User, people["sam"]).is_active = False
    published = publish_rule(api, rule("won_finance", {"type": "record.updated", "form": "deals"}, [
        {"type": "notify", "text": "A big deal was won", "roles": ["finance"]}], condition=WON_BIG))
    assert published.status_code == 200, published.text
    deal = api.post(DEALS_URL, json={"name": "Acme", "stage": "Lead", "amount": 250000,
                                     "owner": people["ceo"]}).json()["id"]
    edit(api, deal, stage="Won")
    drain()
    with sessions() as s:
        told = list(s.scalars(select(Notification.user_id).where(Notification.source == "rule:won_finance")))
    assert told == [people["rita"]]  # sam holds the role but is inactive
    bad = rule("bad_roles", {"type": "record.created", "form": "deals"},
               [{"type": "notify", "text": "x", "roles": "finance"}])
    refused = api.put(f"{APP}/definitions/rule/bad_roles", json=bad)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "$.actions[0].roles"
