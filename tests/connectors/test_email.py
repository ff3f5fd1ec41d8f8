"""Email through a real SMTP server on loopback: the rule's mail arrives with the ticket's
fields, Chinese subject and body decoded, HTML and text parts, attachments; a server that
is down means retries in the run log, and one mail once it is back."""

from __future__ import annotations

import io

from sqlalchemy import select

from brickwork.connectors.delivery import TASK
from brickwork.platform.db import transaction
from brickwork.platform.identity.users import create_user
from brickwork.platform.jobs import Retry
from brickwork.platform.jobs.registry import get_task
from brickwork.platform.models import JobRun, User
from tests.connectors.helpers import TICKETS_URL, connection, p1_rule, setup_tickets
from tests.engines.form.helpers import APP

PASSWORD = "smtp-pass-7c1d2e"


def oncall(sessions) -> int:
    with transaction(sessions) as session:
        user = create_user(session, "lin", "a-long-password-1")
        session.get(User, user.id).email = "lin@example.com"
        session.get(User, user.id).display_name = "林值班"
        return user.id


def mail_connection(api, smtp, **extra) -> None:
    connection(api, "mail", "email", {"host": "127.0.0.1", "port": smtp.port, "security": "none",
                                      "sender": "desk@example.com", "sender_name": "服务台", **extra})


ACTION = {"type": "send_email", "connection": "mail", "to_user_fields": ["oncall"], "to_email_fields": ["contact"],
          "locale": "zh-CN",
          "subject": {"zh-CN": "紧急工单：{{ record.title }}", "en": "Urgent ticket: {{ record.title }}"},
          "text": {"zh-CN": "{{ label.priority }}：{{ record.priority }}\n值班：{{ record.oncall }}",
                   "en": "Priority: {{ record.priority }}"},
          "html": {"zh-CN": "<p>{{ label.title }}：<b>{{ record.title }}</b></p>"},
          "attachments": ["files"]}


def test_the_rules_mail_arrives_in_chinese_with_the_tickets_fields(api, sessions, drain, smtp):
    setup_tickets(api)
    lin = oncall(sessions)
    mail_connection(api, smtp)
    p1_rule(api, "page_oncall", [ACTION])
    upload = api.post("/api/v1/files", files={"file": ("日志.txt", io.BytesIO("错误日志".encode()), "text/plain")})
    assert upload.status_code == 201, upload.text
    api.post(TICKETS_URL, json={"title": "打印机 <坏了>", "priority": "P1", "oncall": lin,
                                "contact": "reporter@example.com", "files": [upload.json()["id"]]})
    api.post(TICKETS_URL, json={"title": "小事", "priority": "P2", "oncall": lin})
    drain()
    assert len(smtp.inbox.messages) == 1
    mail = smtp.inbox.messages[0]
    assert mail["Subject"] == "紧急工单：打印机 <坏了>"
    assert "=?utf-8?" in smtp.inbox.messages[0].as_string().lower()  # RFC 2047 on the wire
    assert mail["From"].addresses[0].display_name == "服务台"
    assert smtp.inbox.envelopes[0][1] == ["lin@example.com", "reporter@example.com"]
    text = mail.get_body(("plain",)).get_content()
    assert "紧急" in text and "林值班" in text
    html = mail.get_body(("html",)).get_content()
    assert "<b>打印机 &lt;坏了&gt;</b>" in html  # the record's text is escaped in HTML
    attached = [part for part in mail.iter_attachments()]
    assert [(a.get_filename(), a.get_payload(decode=True)) for a in attached] == [("日志.txt", "错误日志".encode())]
    assert mail["Message-ID"]


def test_a_server_down_retries_in_the_run_log_and_one_mail_arrives_after(api, sessions, drain, run_due, smtp,
                                                                         monkeypatch):
    setup_tickets(api)
    lin = oncall(sessions)
    mail_connection(api, smtp, username="desk", password=PASSWORD)
    p1_rule(api, "page_oncall", [ACTION])
    monkeypatch.setattr(get_task(TASK), "retry", Retry(attempts=6, base=0.3, factor=2))
    smtp.stop()
    api.post(TICKETS_URL, json={"title": "断网", "priority": "P1", "oncall": lin})
    run_due()  # the rule queues the mail
    run_due()  # the first try fails
    with sessions() as session:
        runs = list(session.scalars(select(JobRun).where(JobRun.task == TASK).order_by(JobRun.id)))
    assert [r.outcome for r in runs][:1] == ["retrying"] and "Connection refused" in runs[0].error
    assert PASSWORD not in runs[0].error
    listed = api.get("/api/v1/runs", params={"outcome": "retrying"})
    assert TASK in listed.text and PASSWORD not in listed.text
    smtp.start()
    drain()
    assert len(smtp.inbox.messages) == 1 and smtp.inbox.messages[0]["Subject"] == "紧急工单：断网"
    assert smtp.logins == [("desk", PASSWORD)]


def test_the_test_button_reaches_the_server(api, smtp):
    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    mail_connection(api, smtp, test_to="ops@example.com")
    done = api.post(f"{APP}/connections/mail:test")
    assert done.status_code == 200 and "ops@example.com" in done.json()["message"]
    assert smtp.inbox.messages[0]["To"] == "ops@example.com"
    smtp.stop()
    failed = api.post(f"{APP}/connections/mail:test")
    assert failed.status_code == 422 and "refused" in failed.text.lower()


def test_starttls_and_implicit_tls_reach_a_server_with_a_trusted_certificate(api, tmp_path, monkeypatch):
    """The client verifies the server's certificate (here a self-signed one made trusted)."""
    from tests.connectors.smtp_server import SmtpServer, self_signed

    cert = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", cert[0])
    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    for mode in ("starttls", "tls"):
        server = SmtpServer(tls=mode, cert=cert)
        server.start()
        try:
            connection(api, f"mail_{mode}", "email", {"host": "127.0.0.1", "port": server.port, "security": mode,
                                                      "username": "desk", "password": PASSWORD,
                                                      "sender": "desk@example.com"})
            done = api.post(f"{APP}/connections/mail_{mode}:test")
            assert done.status_code == 200, done.text
            assert len(server.inbox.messages) == 1 and server.logins == [("desk", PASSWORD)]
        finally:
            server.stop()
    monkeypatch.delenv("SSL_CERT_FILE")
    untrusted = SmtpServer(tls="tls", cert=cert)
    untrusted.start()
    try:
        connection(api, "mail_untrusted", "email", {"host": "127.0.0.1", "port": untrusted.port, "security": "tls",
                                                    "sender": "desk@example.com"})
        refused = api.post(f"{APP}/connections/mail_untrusted:test")
        assert refused.status_code == 422 and "CERTIFICATE_VERIFY_FAILED" in refused.text
        assert untrusted.inbox.messages == []
    finally:
        untrusted.stop()


def test_a_broken_template_or_missing_recipient_is_refused_when_the_rule_is_saved(api):
    setup_tickets(api)
    body = {"key": "bad", "label": {"en": "bad"}, "trigger": {"type": "record.created", "form": "tickets"},
            "actions": [{"type": "send_email", "connection": "mail", "subject": {"zh-CN": "{{ record.title "},
                         "to": ["not-an-address"]}]}
    saved = api.put(f"{APP}/definitions/rule/bad", json=body)
    refused = saved if saved.status_code == 422 else api.post(f"{APP}/definitions/rule/bad:publish")
    assert refused.status_code == 422, refused.text
    fields = {e["field"] for e in refused.json()["errors"]}
    assert {"$.actions[0].subject.zh-CN", "$.actions[0].to"} <= fields, fields
