"""SMTP: STARTTLS, implicit TLS, or plain (a relay on the same host); MIME built with the
standard library (``email.message``), so non-ASCII subjects and names are RFC 2047 encoded
and bodies are UTF-8. Each message's ``Message-ID`` comes from its idempotency key, so a
receiving system can drop a copy should one ever be sent twice."""

from __future__ import annotations

import hashlib
import smtplib
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from brickwork.connectors import config
from brickwork.connectors.outbound import tls_context
from brickwork.platform.errors import Invalid
from brickwork.platform.files import path_of
from brickwork.platform.i18n import _
from brickwork.platform.models import StoredFile

MAX_ATTACHMENTS = 25 * 1024 * 1024  # bytes of attachments per mail; most servers refuse more


class MailSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = Field(min_length=1, max_length=255)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str = Field(default="", max_length=255)
    password: str = Field(default="", max_length=1000)
    sender: str = Field(min_length=3, max_length=255, description="The From address.")
    sender_name: str = Field(default="", max_length=200)
    timeout: float = Field(default=15.0, gt=0, le=120)
    test_to: str = Field(default="", max_length=255, description="Where the test message goes (default: sender).")


def _address(text: str, name: str = "") -> Address:
    local, _sep, domain = text.strip().rpartition("@")
    return Address(display_name=name, username=local, domain=domain)


def build(settings: MailSettings, message: dict[str, Any], session: Session | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = _address(settings.sender, settings.sender_name)
    mail["To"] = [_address(a) for a in message["to"]]
    if message.get("cc"):
        mail["Cc"] = [_address(a) for a in message["cc"]]
    mail["Subject"] = message.get("subject", "")
    mail["Date"] = formatdate(localtime=False)
    key = message.get("idempotency_key")
    if key:
        domain = settings.sender.rpartition("@")[2] or "brickwork"
        mail["Message-ID"] = f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"
    mail.set_content(message.get("text") or "", charset="utf-8")
    if message.get("html"):
        mail.add_alternative(message["html"], subtype="html", charset="utf-8")
    total = 0
    for item in message.get("attachments") or []:
        row = session.get(StoredFile, item["file"]) if session is not None else None
        if row is None:
            continue  # removed since the mail was queued: the mail still goes
        total += row.size
        if total > MAX_ATTACHMENTS:
            raise ValueError(f"attachments exceed {MAX_ATTACHMENTS // (1024 * 1024)} MB")
        maintype, _sep, subtype = (row.mime or "application/octet-stream").partition("/")
        data = path_of(config.data_dir(), row.sha256).read_bytes()
        mail.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=row.name)
    return mail


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                context=tls_context())
    else:
        server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            server.starttls(context=tls_context())
    if settings.username:
        server.login(settings.username, settings.password)
    return server


def send(session: Session, connection: Any, message: dict[str, Any]) -> dict[str, Any]:
    """Send one mail; a refused recipient or an unreachable server raises (retried)."""
    settings: MailSettings = connection.settings
    mail = build(settings, message, session)
    with _connect(settings) as server:
        refused = server.send_message(mail)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
    return {"message_id": mail.get("Message-ID", "")}


def send_test(session: Session, connection: Any) -> str:
    settings: MailSettings = connection.settings
    to = settings.test_to or settings.sender
    try:
        send(session, connection, {"to": [to], "subject": _("Brickwork test message"),
                                   "text": _("This connection works: Brickwork reached the mail server.")})
    except (OSError, smtplib.SMTPException) as exc:
        raise Invalid(_("The mail server did not take the test message."),
                      detail=f"{type(exc).__name__}: {exc}") from None
    return _("A test message went to %(to)s.", to=to)
