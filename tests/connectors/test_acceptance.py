"""Issue 18's acceptance for messages: a rule "ticket created with priority P1 → DingTalk
message and email to the on-call person". The loopback robot checks DingTalk's signature,
the loopback SMTP server receives the mail with the ticket's fields in Chinese; with the
robot down the job retries with backoff in the run log, and once it is back the message
arrives exactly once. No secret shows in an API response, a log line or the app file."""

from __future__ import annotations

import logging

from brickwork.connectors.delivery import TASK
from brickwork.platform.db import transaction
from brickwork.platform.identity.users import create_user
from brickwork.platform.jobs import Retry
from brickwork.platform.jobs.registry import get_task
from brickwork.platform.models import User
from tests.connectors.helpers import TICKETS_URL, connection, p1_rule, setup_tickets
from tests.connectors.receiver import DING_SECRET, DING_TOKEN
from tests.engines.form.helpers import APP

SMTP_PASSWORD = "smtp-pass-0a9b8c7d"
SECRETS = (DING_SECRET, DING_TOKEN, SMTP_PASSWORD)

RULE = [
    {"type": "send_im", "connection": "ding", "message_type": "markdown", "locale": "zh-CN",
     "title": "P1 工单：{{ record.title }}",
     "text": "### {{ record.title }}\n- {{ label.priority }}：{{ record.priority }}\n- 值班：{{ record.oncall }}",
     "at_user_fields": ["oncall"]},
    {"type": "send_email", "connection": "mail", "to_user_fields": ["oncall"], "locale": "zh-CN",
     "subject": "【{{ record.priority }}】{{ record.title }}",
     "text": "{{ label.title }}：{{ record.title }}\n{{ label.priority }}：{{ record.priority }}\n"
             "{{ label.oncall }}：{{ record.oncall }}"},
]


def test_p1_ticket_reaches_dingtalk_and_the_oncall_mailbox_once(api, sessions, run_due, drain, receiver, smtp,
                                                               monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(get_task(TASK), "retry", Retry(attempts=8, base=0.3, factor=2))
    setup_tickets(api)
    with transaction(sessions) as session:
        lin = create_user(session, "lin", "a-long-password-1").id
        user = session.get(User, lin)
        user.email, user.phone, user.display_name = "lin@example.com", "13800138000", "林值班"
    connection(api, "ding", "dingtalk", {"webhook": f"{receiver.base}/robot/send?access_token={DING_TOKEN}",
                                         "secret": DING_SECRET})
    connection(api, "mail", "email", {"host": "127.0.0.1", "port": smtp.port, "security": "none",
                                      "username": "desk", "password": SMTP_PASSWORD,
                                      "sender": "desk@example.com", "sender_name": "服务台"})
    p1_rule(api, "p1_page", RULE)

    receiver.stop()
    api.post(TICKETS_URL, json={"title": "机房断电", "priority": "P1", "oncall": lin})
    api.post(TICKETS_URL, json={"title": "换鼠标", "priority": "P2", "oncall": lin})
    run_due()  # the rule runs and queues both messages
    run_due()  # the mail goes; the robot is down
    runs = api.get("/api/v1/runs", params={"outcome": "retrying"}).json()["items"]
    assert any(r["task"] == TASK and "Connection refused" in (r["error"] or "") for r in runs), runs
    assert receiver.received == []

    receiver.start()
    drain()
    assert receiver.refused == []  # every request the robot saw was signed correctly
    assert [s for s, _b in receiver.received] == ["dingtalk"]  # exactly once
    body = receiver.received[0][1]
    assert body["markdown"]["title"] == "P1 工单：机房断电" and "值班：林值班" in body["markdown"]["text"]
    assert body["at"]["atMobiles"] == ["13800138000"]

    assert len(smtp.inbox.messages) == 1
    mail = smtp.inbox.messages[0]
    assert mail["Subject"] == "【紧急】机房断电" and mail["To"] == "lin@example.com"
    text = mail.get_body(("plain",)).get_content()
    assert "title：机房断电" in text  # the field labels in zh-CN (the helpers label fields by key there)
    assert "紧急" in text and "林值班" in text
    assert "=?utf-8?" in mail.as_string().lower()

    finished = api.get("/api/v1/runs", params={"limit": 500}).json()["items"]
    assert [r["outcome"] for r in finished if r["task"] == TASK].count("succeeded") == 2

    responses = [api.get(f"{APP}/connections"), api.get(f"{APP}/connections/ding"),
                 api.get(f"{APP}/connections/mail"), api.get(f"{APP}/connections/ding/deliveries"),
                 api.get("/api/v1/runs", params={"limit": 500}), api.get(f"{APP}/rules/p1_page/runs"),
                 api.get(f"{APP}:export"), api.get("/api/v1/connectors")]
    assert all(r.status_code == 200 for r in responses), [r.status_code for r in responses]
    for secret in SECRETS:
        assert all(secret not in r.text for r in responses), secret
        assert secret not in caplog.text, secret
