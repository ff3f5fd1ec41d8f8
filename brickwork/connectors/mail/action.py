"""The rule action ``send_email``: a mail rendered from the action's templates over the
trigger's record, queued through the connection (delivered by the jobs floor).

Settings: ``connection`` (an email connection's key); recipients from ``to`` (addresses),
``to_users`` (user ids), ``to_user_fields`` (the record's user fields) and
``to_email_fields`` (its email fields, or a lookup of one: a ticket's contact's email),
``cc`` (addresses); ``subject``, ``text``, ``html``
(templates, a text or one per language); ``locale`` (everyone's language), else each
recipient's: a user's own, an address of the record's in the record's ``locale_field``
(a language field: ``zh-CN``/``en``, or option ids such as ``zh_cn``/``en_us``), else the
installation's; one mail per language; ``attachments`` (the record's
attachment or image fields whose files go along)."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email

from brickwork.connectors import templating
from brickwork.connectors.actions import connection_for, delivery_key, needs, record_texts, users_of
from brickwork.connectors.delivery import enqueue
from brickwork.engines.rules.actions import ActionType
from brickwork.platform.errors import FieldError
from brickwork.platform.i18n import _, default_locale, negotiate
from brickwork.platform.settings import LOCALES

MAX_RECIPIENTS = 100


def _valid(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def recipients(run: Any, settings: dict[str, Any], read: dict[str, Any] | None = None) -> dict[str, str]:
    """Each address and the language its mail is written in: the action's ``locale`` for
    all when given; else a user's own language, and for the other addresses the record's
    ``locale_field`` (the lead's or contact's language), else the installation's."""
    fixed = settings.get("locale") if settings.get("locale") in LOCALES else None
    outside = fixed or record_locale(run, settings.get("locale_field"), read) or default_locale()
    found = [(str(a), outside) for a in settings.get("to") or []]
    found += [(u.email, fixed or locale_code(u.locale) or default_locale())
              for u in users_of(run, settings, "to_users", "to_user_fields") if u.email]
    found += [(a, outside) for a in record_texts(run, settings.get("to_email_fields") or [], read)]
    chosen: dict[str, str] = {}
    for address, locale in found:
        address = address.strip()
        if address not in chosen and _valid(address):
            chosen[address] = locale
    return dict(list(chosen.items())[:MAX_RECIPIENTS])


def locale_code(value: Any) -> str | None:
    """A language the installation speaks, from a field's value or a user's setting:
    ``zh-CN``, or an option id such as ``zh_cn`` or ``en_us``."""
    wanted = str(value or "").strip().replace("_", "-")
    found = negotiate([wanted], "") if wanted else ""  # en-us is en, zh is zh-CN
    return next((code for code in LOCALES if code.lower() == found.lower()), None) if found else None


def record_locale(run: Any, key: Any, read: dict[str, Any] | None = None) -> str | None:
    texts = record_texts(run, [key], read) if isinstance(key, str) else []
    return locale_code(texts[0]) if texts else None


def run_send_email(run: Any, settings: dict[str, Any]) -> dict[str, Any]:
    connection = connection_for(run, settings, ("email",))
    # The record as read: lookups (a ticket's contact's email) are read live, not in the event.
    to = recipients(run, settings, templating.record_context(run, default_locale())["raw"])
    if not to:
        return {"status": "skipped", "warning": "no_recipient", "connection": connection.key}
    attachments = []
    for key in settings.get("attachments") or []:
        field = run.form.by_key.get(key) if run.form else None
        attachments += [{"file": f} for f in (run.values.get(field.id) or [] if field else []) if isinstance(f, str)]
    locales = sorted(set(to.values()))
    sent = []
    for locale in locales:  # one mail per language, each to the people who read it
        context = templating.record_context(run, locale)
        addresses = [a for a, one in to.items() if one == locale]
        cc = [a for a in settings.get("cc") or [] if _valid(str(a))] if locale == locales[0] else []  # copied once
        message = {"to": addresses, "cc": cc,
                   "subject": " ".join(templating.render(settings.get("subject"), context, locale).split()),
                   "text": templating.render(settings.get("text"), context, locale),
                   "html": templating.render(settings.get("html"), context, locale, html=True),
                   "attachments": attachments}
        queued = enqueue(run.session, connection, message, delivery_key(run, f":{locale}" if len(locales) > 1 else ""),
                         {"to": addresses, "subject": message["subject"]})
        sent.append({"to": addresses, "locale": locale, "subject": message["subject"], "queued": queued})
    if len(sent) == 1:
        return {"connection": connection.key, **{k: v for k, v in sent[0].items() if k != "locale"},
                "locale": locales[0]}
    return {"connection": connection.key, "mails": sent}


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
