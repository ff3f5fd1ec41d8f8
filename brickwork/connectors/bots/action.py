"""The rule action ``send_im``: a message to a DingTalk, WeCom or Feishu group, rendered
from the action's templates over the trigger's record and queued through the connection.

Settings: ``connection``; ``message_type`` (``text``, ``markdown``, ``card``); ``title``,
``text``, ``url`` (templates: a text or one per language); ``button``; ``locale``; whom to
@: ``at_users`` (user ids) and ``at_user_fields`` (the record's user fields) by their phone
numbers, ``at_phone_fields`` (the record's phone fields), ``at_mobiles`` (numbers),
``at_user_ids`` (the service's own user ids), ``at_all``."""

from __future__ import annotations

from typing import Any

from brickwork.connectors import templating
from brickwork.connectors.actions import connection_for, delivery_key, locale_of, needs, record_texts, users_of
from brickwork.connectors.bots.common import TYPES
from brickwork.connectors.delivery import enqueue
from brickwork.engines.rules.actions import ActionType
from brickwork.platform.errors import FieldError
from brickwork.platform.i18n import _

BOTS = ("dingtalk", "wecom", "feishu")
MAX_MENTIONS = 50


def run_send_im(run: Any, settings: dict[str, Any]) -> dict[str, Any]:
    connection = connection_for(run, settings, BOTS)
    locale = locale_of(settings)
    context = templating.record_context(run, locale)
    mobiles = [u.phone for u in users_of(run, settings, "at_users", "at_user_fields") if u.phone]
    mobiles += record_texts(run, settings.get("at_phone_fields") or [])
    mobiles += [str(m) for m in settings.get("at_mobiles") or []]
    message = {"type": settings.get("message_type", "text"),
               "title": " ".join(templating.render(settings.get("title"), context, locale).split()),
               "text": templating.render(settings.get("text"), context, locale),
               "url": templating.render(settings.get("url"), context, locale).strip(),
               "button": templating.render(settings.get("button"), context, locale).strip(),
               "at_mobiles": list(dict.fromkeys(mobiles))[:MAX_MENTIONS],
               "at_user_ids": [str(u) for u in settings.get("at_user_ids") or []][:MAX_MENTIONS],
               "at_all": bool(settings.get("at_all"))}
    queued = enqueue(run.session, connection, message, delivery_key(run),
                     {"type": message["type"], "title": message["title"]})
    return {"connection": connection.key, "type": message["type"], "at": message["at_mobiles"], "queued": queued}


def check(settings: dict[str, Any]) -> list[FieldError]:
    errors = needs(settings, "connection", "text")
    if settings.get("message_type", "text") not in TYPES:
        errors.append(FieldError("message_type", "choice", _("Give one of: %(choices)s.", choices=", ".join(TYPES))))
    for name in ("title", "text", "url", "button"):
        errors += templating.check(settings.get(name), name)
    return errors


SEND_IM = ActionType("send_im", run_send_im, check)
