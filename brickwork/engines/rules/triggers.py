"""The trigger registry: every way a rule can start is one entry of one shape.

An entry names the events that may fire it (``topics``; none for triggers started by a
schedule, a button or a webhook), says whether one such event fires it (``fires``), the
cron of its schedule if it has one, and checks its settings at save. The flow engine adds
``flow.*`` entries the same way (``register``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from brickwork.engines.rules.definition import Trigger
from brickwork.platform.db import utcnow
from brickwork.platform.errors import FieldError
from brickwork.platform.i18n import _
from brickwork.platform.jobs import BadCron, next_time

SWEEP_CRON = "0 9 * * *"  # date-relative rules look once a day, 09:00 in the installation's zone


@dataclass(frozen=True)
class TriggerType:
    name: str
    topics: tuple[str, ...] = ()  # events that may fire it
    needs_form: bool = True
    fires: Callable[[Trigger, dict[str, Any]], bool] | None = None  # does this event fire it?
    cron: Callable[[Trigger], str | None] | None = None  # the schedule it keeps while live
    check: Callable[[Trigger], list[FieldError]] | None = None


TRIGGERS: dict[str, TriggerType] = {}


def register(entry: TriggerType) -> TriggerType:
    TRIGGERS[entry.name] = entry
    return entry


def _setting(trigger: Trigger, name: str, default: Any = None) -> Any:
    return (trigger.model_extra or {}).get(name, default)


def _watched(trigger: Trigger, payload: dict[str, Any]) -> bool:
    """An update fires when a watched field changed (any field if none is watched), and, with
    ``from``/``to``, only when that field changed from/to those values."""
    changed = set(payload.get("changed") or ())
    fields = _setting(trigger, "fields") or []
    if fields and not changed & set(fields):
        return False
    field = fields[0] if len(fields) == 1 else None
    for side, name in (("before", "from"), ("after", "to")):
        wanted = _setting(trigger, name)
        if wanted is not None and (field is None or (payload.get(side) or {}).get(field) != wanted):
            return False
    return True


def _saved(trigger: Trigger, payload: dict[str, Any]) -> bool:
    """"When a record matches": every create fires (the engine reads a created record as not
    matching before, so ``became_true`` means created-and-matching), an update as ``_watched``."""
    return payload.get("topic") == "record.created" or _watched(trigger, payload)


def _check_update(trigger: Trigger) -> list[FieldError]:
    fields = _setting(trigger, "fields") or []
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        return [FieldError("$.trigger.fields", "type", _("List the keys of the fields to watch."))]
    if (_setting(trigger, "from") is not None or _setting(trigger, "to") is not None) and len(fields) != 1:
        return [FieldError("$.trigger.fields", "one_field", _("Changed from/to watches exactly one field."))]
    return []


def _check_cron(trigger: Trigger) -> list[FieldError]:
    cron = _setting(trigger, "cron")
    if trigger.type == "date_relative" and _setting(trigger, "yearly") is not None \
            and (_setting(trigger, "yearly") not in (True, False) or not isinstance(_setting(trigger, "field"), str)):
        return [FieldError("$.trigger.yearly", "yearly",
                           _("A yearly rule says yearly: true and names its date field in field."))]
    if cron is None and trigger.type == "date_relative":
        return []
    try:
        next_time(str(cron or ""), utcnow())
    except (BadCron, ValueError, KeyError):
        return [FieldError("$.trigger.cron", "cron", _("Give a cron expression, such as 0 9 * * 1-5."))]
    return []


def _check_secret(trigger: Trigger) -> list[FieldError]:
    """The URL's secret: left out, the rule accepts no delivery until one is given (an app
    file carries none; a new app made from one gets its own, appfile/install.py)."""
    secret = _setting(trigger, "secret")
    if secret is not None and (not isinstance(secret, str) or len(secret) < 24 or not secret.isalnum()):
        return [FieldError("$.trigger.secret", "secret",
                           _("Give the webhook a secret of at least 24 letters and digits."))]
    if not isinstance(_setting(trigger, "verify", False), bool):
        return [FieldError("$.trigger.verify", "type",
                           _("Say with true or false whether deliveries must be signed."))]
    return []


register(TriggerType("record.created", ("record.created",), fires=lambda t, p: True))
register(TriggerType("record.updated", ("record.updated",), fires=_watched, check=_check_update))
register(TriggerType("record.saved", ("record.created", "record.updated"), fires=_saved, check=_check_update))
register(TriggerType("record.deleted", ("record.deleted",), fires=lambda t, p: True))
register(TriggerType("schedule", needs_form=False, cron=lambda t: _setting(t, "cron"), check=_check_cron))
register(TriggerType("date_relative", cron=lambda t: _setting(t, "cron") or SWEEP_CRON, check=_check_cron))
register(TriggerType("button"))
register(TriggerType("webhook", needs_form=False, check=_check_secret))


def for_topic(topic: str) -> list[str]:
    """The trigger types an event of ``topic`` may fire."""
    return [name for name, entry in TRIGGERS.items() if topic in entry.topics]
