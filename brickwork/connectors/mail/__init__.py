"""Email over SMTP: the connector entry and its rule action ``send_email``."""

from brickwork.connectors.mail.action import SEND_EMAIL
from brickwork.connectors.mail.smtp import MailSettings, send, send_test
from brickwork.connectors.registry import Connector, register

EMAIL = register(Connector("email", {"en": "Email (SMTP)", "zh-CN": "电子邮件（SMTP）"}, MailSettings,
                           secrets=("password",), send_test=send_test, send=send, actions=(SEND_EMAIL,)))
