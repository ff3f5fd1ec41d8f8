"""A rule's mail in each recipient's language: a user's own, an outside address in the
record's language field, else the installation's; a missing connection said plainly in
the run log."""

from __future__ import annotations

from sqlalchemy import select

from brickwork.platform.db import transaction
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import RuleRun, User
from tests.connectors.test_email import mail_connection
from tests.engines.form.helpers import field, form, publish, records
from tests.engines.rules.helpers import publish_rule, rule

LEADS = form("leads", field("l_name", "text", "name"), field("l_email", "email", "email"),
             field("l_language", "select", "language", options=[
                 {"id": "zh_cn", "label": {"en": "Chinese", "zh-CN": "中文"}},
                 {"id": "en_us", "label": {"en": "English", "zh-CN": "英文"}}]),
             field("l_rep", "user", "rep"))
WELCOME = {"type": "send_email", "connection": "mail", "to_email_fields": ["email"], "to_user_fields": ["rep"],
           "locale_field": "language",
           "subject": {"zh-CN": "欢迎，{{ record.name }}", "en": "Welcome, {{ record.name }}"},
           "text": {"zh-CN": "感谢关注。", "en": "Thank you for signing up."}}


def rep(sessions, locale: str | None) -> int:
    with transaction(sessions) as session:
        user = create_user(session, "rep", "a-long-password-1")
        session.get(User, user.id).email = "rep@example.com"
        session.get(User, user.id).locale = locale
        return user.id


def mails(smtp) -> dict[str, str]:
    return {to: message["Subject"] for (_sender, tos), message in zip(smtp.inbox.envelopes, smtp.inbox.messages,
                                                                      strict=True) for to in tos}


def test_each_recipient_reads_the_mail_in_their_language(api, sessions, drain, smtp, settings):
    assert publish(api, LEADS).status_code == 200
    mail_connection(api, smtp)
    assert publish_rule(api, rule("welcome", {"type": "record.created", "form": "leads"}, [WELCOME])).status_code \
        == 200
    english_rep = rep(sessions, "en")
    api.post(records("leads"), json={"name": "周敏", "email": "zhou@example.com", "language": "zh_cn",
                                     "rep": english_rep})
    drain()
    assert mails(smtp) == {"zhou@example.com": "欢迎，周敏", "rep@example.com": "Welcome, 周敏"}
    smtp.inbox.messages.clear()
    smtp.inbox.envelopes.clear()
    api.post(records("leads"), json={"name": "Ann", "email": "ann@example.com", "language": "en_us"})
    api.post(records("leads"), json={"name": "无名", "email": "x@example.com"})  # no language: the installation's
    drain()
    default = "欢迎，无名" if settings.default_locale == "zh-CN" else "Welcome, 无名"
    assert mails(smtp) == {"ann@example.com": "Welcome, Ann", "x@example.com": default}


def test_a_rule_mailing_without_a_connection_says_so_in_the_run_log(api, sessions, drain):
    assert publish(api, LEADS).status_code == 200
    assert publish_rule(api, rule("welcome", {"type": "record.created", "form": "leads"}, [WELCOME])).status_code \
        == 200
    api.post(records("leads"), json={"name": "Ann", "email": "ann@example.com"})
    drain()
    with sessions() as session:
        [run] = session.scalars(select(RuleRun).where(RuleRun.rule == "welcome"))
    assert run.status == "failed"
    assert "no email connection mail" in run.error and "Connections page" in run.error
