"""Fill links (外链): a link that lets someone without an account fill some fields of one
record, once, before it expires — a satisfaction rating on a closed ticket, say.

The token is 32 random bytes in the URL; only its SHA-256 is stored (as for API tokens), so
the table alone opens nothing, and a changed token matches no row (404). The fill writes
through the record service, with the form engine's checks and messages, as the link (no
user: the audit entry says ``via: link``); marking the link used is in the same
transaction, by an ``UPDATE … WHERE used_at IS NULL`` whose row count decides, so two
fills at once cannot both pass.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.forms import Form, load_form
from brickwork.engines.form.records import RecordService
from brickwork.platform import clock
from brickwork.platform.errors import FieldError, Gone, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import FillLink

PATH = "/fill/"  # the public page; the API is /api/v1/fill/{token}
DAYS = 14  # how long a link lasts unless the action says
MAX_DAYS = 365
VIA = "link"
# Field types an outsider can type into on the page; computed and system-set ones are not.
FILLABLE = frozenset({"text", "textarea", "number", "money", "percent", "date", "datetime", "boolean", "select",
                      "multiselect", "phone", "email", "url", "rating"})


def _now():
    return clock.now().replace(tzinfo=None)  # read through the module: tests move the clock


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_fields(form: Form, keys: Any) -> list[FieldError]:
    """The fields a link may fill: a list of keys of fields people can type into."""
    if not isinstance(keys, list) or not keys:
        return [FieldError("fields", "required", _("List the fields the link lets people fill."))]
    errors = []
    for key in keys:
        field = form.by_key.get(key) if isinstance(key, str) else None
        if field is None or field.type not in FILLABLE:
            errors.append(FieldError("fields", "field", _("A link cannot fill %(key)s.", key=key)))
    return errors


def create_link(session: Session, form: Form, record_id: int, fields: list[str], *,
                days: float = DAYS, created_by: int | None = None) -> tuple[str, FillLink]:
    """A new link to fill ``fields`` of the record; the token is returned once, never stored."""
    errors = check_fields(form, fields)
    if errors:
        raise Invalid(_("The link is not valid."), errors=errors)
    token = secrets.token_urlsafe(32)
    link = FillLink(token_hash=digest(token), app=form.app.key, form=form.key, record_id=record_id,
                    fields=list(fields), created_by=created_by, created_at=_now(),
                    expires_at=_now() + timedelta(days=min(float(days), MAX_DAYS)))
    session.add(link)
    session.flush()
    return token, link


@dataclass
class Opened:
    """A usable link: its row, the form, and the record service acting for the link."""

    link: FillLink
    form: Form
    service: RecordService

    @property
    def fields(self) -> list[FieldDef]:
        return [self.form.by_key[k] for k in self.link.fields if k in self.form.by_key]

    def record(self) -> dict[str, Any]:
        return self.service.get(self.link.record_id)


def open_link(session: Session, token: str) -> Opened:
    """The link of the token, if it may still be used: an unknown (or changed) token, or a
    record gone to the bin, is 404; a used or expired link is 410."""
    link = session.scalar(select(FillLink).where(FillLink.token_hash == digest(token)))
    if link is None:
        raise NotFound(_("This link does not exist."), _("Check that you opened the whole link from the message."))
    if link.used_at is not None:
        raise Gone(_("This link has been used."), _("The answer was received. Thank you!"))
    if link.expires_at <= _now():
        raise Gone(_("This link has expired."), _("Ask the sender for a new link."))
    try:
        form = load_form(session, link.app, link.form)
        service = RecordService(session, form, Principal(0, VIA, VIA, True, VIA))
        service.row(link.record_id)
    except NotFound:
        raise NotFound(_("This link does not exist."), _("The record it was for is no longer here.")) from None
    service.source, service.via = VIA, VIA
    return Opened(link, form, service)


def fill(session: Session, token: str, data: Any) -> dict[str, Any]:
    """Write the link's fields of the record from ``data`` (API values by key) and use the
    link up. Other keys are refused; invalid values refuse everything, with the form
    engine's message per field, and leave the link usable."""
    opened = open_link(session, token)
    if not isinstance(data, dict):
        raise Invalid(_("The answer is not valid."),
                      errors=[FieldError("", "type", _("Send the fields as an object."))])
    allowed = set(opened.link.fields)
    extra = [FieldError(k, "not_allowed", _("This link does not fill this field.")) for k in data if k not in allowed]
    if extra:
        raise Invalid(_("The answer is not valid."), errors=extra)
    values = {k: v for k, v in data.items() if k in allowed}
    row = opened.service.row(opened.link.record_id, lock=True)
    opened.service.update(opened.link.record_id, values, row.version, full=False)
    used = session.execute(update(FillLink).where(FillLink.id == opened.link.id, FillLink.used_at.is_(None))
                           .values(used_at=_now()))
    if used.rowcount != 1:  # another fill used it between our read and now
        raise Gone(_("This link has been used."), _("The answer was received. Thank you!"))
    return {"record": opened.link.record_id, "fields": sorted(values)}


def path(token: str) -> str:
    return PATH + token
