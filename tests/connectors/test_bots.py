"""DingTalk, Feishu and WeCom robots against loopback receivers that check the signatures
exactly as the services do: the rule's message arrives signed, with the ticket's fields and
the on-call person @-ed; a refusal with HTTP 200 and a non-zero code is a failure, retried;
the services' rate limits defer messages instead of dropping them."""

from __future__ import annotations

from sqlalchemy import select

from brickwork.connectors.delivery import TASK, enqueue
from brickwork.platform.db import transaction
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import Connection, ConnectionDelivery, JobRun, User
from tests.connectors.helpers import TICKETS_URL, connection, p1_rule, setup_tickets
from tests.connectors.receiver import DING_SECRET, DING_TOKEN, FEISHU_SECRET, FEISHU_TOKEN, WECOM_KEY
from tests.engines.form.helpers import APP


def robots(api, receiver, ding_secret: str = DING_SECRET) -> None:
    connection(api, "ding", "dingtalk", {"webhook": f"{receiver.base}/robot/send?access_token={DING_TOKEN}",
                                         "secret": ding_secret})
    connection(api, "lark", "feishu", {"webhook": f"{receiver.base}/open-apis/bot/v2/hook/{FEISHU_TOKEN}",
                                       "secret": FEISHU_SECRET})
    connection(api, "wx", "wecom", {"webhook": f"{receiver.base}/cgi-bin/webhook/send?key={WECOM_KEY}"})


def queue(sessions, key: str, message: dict, n: int = 1) -> None:
    with transaction(sessions) as session:
        row = session.scalar(select(Connection).where(Connection.key == key))
        for i in range(n):
            enqueue(session, row, message, f"{key}:{message.get('type')}:{i}")


def test_the_p1_rule_reaches_dingtalk_signed_with_the_oncall_person(api, sessions, drain, receiver):
    setup_tickets(api)
    with transaction(sessions) as session:
        lin = create_user(session, "lin", "a-long-password-1").id
        session.get(User, lin).phone = "13800138000"
    robots(api, receiver)
    p1_rule(api, "page", [{"type": "send_im", "connection": "ding", "message_type": "markdown", "locale": "zh-CN",
                           "title": "紧急工单", "text": "**{{ record.title }}**（{{ record.priority }}）",
                           "at_user_fields": ["oncall"]}])
    api.post(TICKETS_URL, json={"title": "服务器宕机", "priority": "P1", "oncall": lin})
    drain()
    assert receiver.refused == []
    assert [service for service, _body in receiver.received] == ["dingtalk"]
    body = receiver.received[0][1]
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "紧急工单"
    assert body["markdown"]["text"].startswith("**服务器宕机**（紧急）") and "@13800138000" in body["markdown"]["text"]
    assert body["at"]["atMobiles"] == ["13800138000"]


def test_each_robot_takes_the_test_and_its_message_types(api, sessions, drain, receiver):
    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    robots(api, receiver)
    for key in ("ding", "lark", "wx"):
        done = api.post(f"{APP}/connections/{key}:test")
        assert done.status_code == 200, done.text
    for key in ("ding", "lark", "wx"):
        for kind in ("text", "markdown", "card"):
            queue(sessions, key, {"type": kind, "title": "标题", "text": "内容", "url": "https://example.com/t/1",
                                  "button": "打开", "at_mobiles": ["13900000000"], "at_user_ids": ["ou_1"]})
    drain()
    assert receiver.refused == []
    # In order per connection (connections run side by side on PostgreSQL's workers).
    kinds = sorted([(s, b.get("msgtype") or b.get("msg_type")) for s, b in receiver.received[3:]],
                   key=lambda kind: kind[0])
    assert kinds == [("dingtalk", "text"), ("dingtalk", "markdown"), ("dingtalk", "actionCard"),
                     ("feishu", "text"), ("feishu", "interactive"), ("feishu", "interactive"),
                     ("wecom", "text"), ("wecom", "markdown"), ("wecom", "template_card")]
    bodies = dict(((s, b.get("msgtype") or b.get("msg_type")), b) for s, b in receiver.received[3:])
    assert bodies["dingtalk", "actionCard"]["actionCard"]["singleURL"] == "https://example.com/t/1"
    assert '<at user_id="ou_1"></at>' in bodies["feishu", "text"]["content"]["text"]
    assert bodies["wecom", "text"]["text"]["mentioned_mobile_list"] == ["13900000000"]


def test_a_refusal_with_http_200_is_a_failure_without_the_secret(api, sessions, run_due, receiver):
    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    robots(api, receiver, ding_secret="SECwrong0000")
    tested = api.post(f"{APP}/connections/ding:test")
    assert tested.status_code == 422 and "sign not match" in tested.text
    assert DING_TOKEN not in tested.text and "SECwrong0000" not in tested.text
    queue(sessions, "ding", {"type": "text", "text": "hi"})
    run_due()
    with sessions() as session:
        run = session.scalar(select(JobRun).where(JobRun.task == TASK))
        delivery = session.scalar(select(ConnectionDelivery))
    assert run.outcome == "retrying" and "310000" in run.error and DING_TOKEN not in run.error
    assert delivery.status == "queued" and receiver.received == []


def test_dingtalks_rate_limit_defers_the_21st_message(api, sessions, run_due, receiver):
    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    robots(api, receiver)
    queue(sessions, "ding", {"type": "text", "text": "burst"}, n=23)
    run_due()
    assert len(receiver.received) == 20 and receiver.refused == []
    with sessions() as session:
        statuses = [d.status for d in session.scalars(select(ConnectionDelivery).order_by(ConnectionDelivery.id))]
    assert statuses == ["sent"] * 20 + ["queued"] * 3  # waiting for the minute to pass, not dropped
