"""The rule action ``send_email``: a mail rendered from the action's templates over the
trigger's record, queued through the connection (delivered by the jobs floor).

Settings: ``connection`` (an email connection's key); recipients from ``to`` (addresses),
``to_users`` (user ids), ``to_user_fields`` (the record's user fields) and
``to_email_fields`` (its email fields, or a lookup of one: a ticket's contact's email),
``cc`` (addresses); ``subject``, ``text``, ``html``
(templates, a text or one per language); ``locale``; ``attachments`` (the record's
attachment or image fields whose files go along)."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email

from brickwork.connectors import templating
from brickwork.connectors.actions import connection_for, delivery_key, locale_of, needs, record_texts, users_of
from brickwork.connectors.delivery import enqueue
from brickwork.engines.rules.actions import ActionType
from brickwork.platform.errors import FieldError
from brickwork.platform.i18n import _

MAX_RECIPIENTS = 100


def _valid(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def recipients(run: Any, settings: dict[str, Any], read: dict[str, Any] | None = None) -> list[str]:
    found = [str(a) for a in settings.get("to") or []]
    found += [u.email for u in users_of(run, settings, "to_users", "to_user_fields") if u.email]
    found += record_texts(run, settings.get("to_email_fields") or [], read)
    return [a for a in dict.fromkeys(a.strip() for a in found) if _valid(a)][:MAX_RECIPIENTS]


def run_send_email(run: Any, settings: dict[str, Any]) -> dict[str, Any]:
    connection = connection_for(run, settings, ("email",))
    locale = locale_of(settings)
    context = templating.record_context(run, locale)
    to = recipients(run, settings, context["raw"])
    if not to:
        return {"status": "skipped", "warning": "no_recipient", "connection": connection.key}
    attachments = []
    for key in settings.get("attachments") or []:
        field = run.form.by_key.get(key) if run.form else None
        attachments += [{"file": f} for f in (run.values.get(field.id) or [] if field else []) if isinstance(f, str)]
    message = {"to": to, "cc": [a for a in settings.get("cc") or [] if _valid(str(a))],
               "subject": " ".join(templating.render(settings.get("subject"), context, locale).split()),
               "text": templating.render(settings.get("text"), context, locale),
               "html": templating.render(settings.get("html"), context, locale, html=True),
               "attachments": attachments}
    queued = enqueue(run.session, connection, message, delivery_key(run),
                     {"to": to, "subject": message["subject"]})
    return {"connection": connection.key, "to": to, "subject": message["subject"], "queued": queued}


def check(settings: dict[str, Any]) -> list[FieldError]:
    errors = needs(settings, "connection", "subject")
    if not any(settings.get(k) for k in ("to", "to_users", "to_user_fields", "to_email_fields")):
        errors.append(FieldError("to", "required", _("Give at least one recipient: addresses, users or fields.")))
    for name in ("to", "cc"):
        if not isinstance(settings.get(name) or [], list):
            errors.append(FieldError(name, "type", _("Give a list of email addresses.")))
        else:
            errors += [FieldError(name, "email", _("This is not an email address: %(text)s", text=a))
                       for a in settings.get(name) or [] if not _valid(str(a))]
    for name in ("subject", "text", "html"):
        errors += templating.check(settings.get(name), name)
    return errors


SEND_EMAIL = ActionType("send_email", run_send_email, check)
