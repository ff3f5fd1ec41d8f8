"""Notifications beyond the bell: a flow's new task mails the approver once, with the
record's title and a link to the approval page; the outcome reaches the group chat the app
chose; a rule's ``notify`` action reaches the channel it names."""

from __future__ import annotations

from brickwork.platform.db import transaction
from brickwork.platform.models import User
from tests.connectors.helpers import TICKETS_URL, connection, p1_rule, setup_tickets
from tests.connectors.receiver import DING_SECRET, DING_TOKEN
from tests.engines.flow.conftest import org  # noqa: F401  (the reference org, a fixture)
from tests.engines.flow.helpers import approval, flow, publish_flow, users
from tests.engines.form.helpers import APP


def mail(api, smtp, notify_on: list[str]) -> None:
    made = api.post(f"{APP}/connections", json={
        "key": "mail", "connector": "email", "notify_on": notify_on,
        "settings": {"host": "127.0.0.1", "port": smtp.port, "security": "none", "sender": "flows@example.com"}})
    assert made.status_code == 201, made.text


def emails(sessions, **people: int) -> None:
    with transaction(sessions) as session:
        for name, user_id in people.items():
            session.get(User, user_id).email = f"{name}@example.com"


def test_a_new_task_mails_the_approver_once_with_the_title_and_the_approval_link(org, sessions, drain, smtp):  # noqa: F811
    emails(sessions, a=org["a"], u=org["u"])
    mail(org.api, smtp, ["task_created"])
    publish_flow(org.api, flow("claim", approval("mgr", users(org["a"]))))
    record = org.record("u", amount=120, note="Taxi to the airport")
    started = org.submit("u", "claim", record["id"])
    drain()
    drain()  # a second run sends nothing more
    assert len(smtp.inbox.messages) == 1
    sent = smtp.inbox.messages[0]
    assert smtp.inbox.envelopes[0][1] == ["a@example.com"]
    assert "Taxi to the airport" in sent["Subject"]
    assert f"/inbox/{started['id']}" in sent.get_body(("plain",)).get_content()
    org.act("a", started["id"], "approve")
    drain()
    assert len(smtp.inbox.messages) == 1  # the submitter's "approved" is not among the events chosen


def test_the_outcome_goes_to_the_group_the_app_chose(org, sessions, drain, receiver):  # noqa: F811
    with transaction(sessions) as session:
        session.get(User, org["u"]).phone = "13800138000"
    made = org.api.post(f"{APP}/connections", json={
        "key": "ding", "connector": "dingtalk", "notify_on": ["approved", "rejected"],
        "settings": {"webhook": f"{receiver.base}/robot/send?access_token={DING_TOKEN}", "secret": DING_SECRET}})
    assert made.status_code == 201, made.text
    publish_flow(org.api, flow("claim", approval("mgr", users(org["a"]))))
    record = org.record("u", amount=80, note="Team lunch")
    started = org.submit("u", "claim", record["id"])
    drain()
    assert receiver.received == []  # a new task is not among the group's events
    org.act("a", started["id"], "approve")
    drain()
    assert receiver.refused == []
    assert [service for service, _body in receiver.received] == ["dingtalk"]
    body = receiver.received[0][1]
    text = body["text"]["content"]
    assert "Team lunch" in text and f"/inbox/{started['id']}" in text
    assert body["at"]["atMobiles"] == ["13800138000"]


def test_a_rules_notify_action_reaches_the_channel_it_names(api, sessions, drain, smtp):
    setup_tickets(api)
    with transaction(sessions) as session:
        from brickwork.platform.identity.users import create_user

        lin = create_user(session, "lin", "a-long-password-1").id
        session.get(User, lin).email = "lin@example.com"
    connection(api, "other", "email", {"host": "127.0.0.1", "port": smtp.port, "security": "none",
                                       "sender": "x@example.com"})  # not chosen for notifications
    mail(api, smtp, ["rule"])
    p1_rule(api, "page", [{"type": "notify", "text": "Urgent ticket", "user_fields": ["oncall"],
                           "channels": ["email"]}])
    api.post(TICKETS_URL, json={"title": "Printer on fire", "priority": "P1", "oncall": lin})
    drain()
    assert len(smtp.inbox.messages) == 1
    assert smtp.inbox.messages[0]["Subject"] == "Urgent ticket Printer on fire"
    assert smtp.inbox.messages[0]["From"].addresses[0].addr_spec == "flows@example.com"
    bell = api.get("/api/v1/notifications")
    assert bell.status_code == 200


def test_only_known_events_and_channels_are_accepted(api, smtp):
    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    bad = api.post(f"{APP}/connections", json={
        "key": "mail", "connector": "email", "notify_on": ["lunch"],
        "settings": {"host": "127.0.0.1", "port": smtp.port, "security": "none", "sender": "x@example.com"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "notify_on"
    bad = api.post(f"{APP}/connections", json={"key": "h", "connector": "http", "notify_on": ["rule"],
                                               "settings": {}})
    assert bad.status_code == 422
    bad = api.put(f"{APP}/definitions/rule/r", json={
        "key": "r", "label": {"en": "r"}, "trigger": {"type": "schedule", "cron": "0 9 * * *"},
        "actions": [{"type": "notify", "text": "hi", "users": [1], "channels": ["fax", {"x": 1}]}]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "$.actions[0].channels"
