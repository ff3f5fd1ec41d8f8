"""Reading the audit log: the entries that match a filter (who, what kind of subject,
action, a date range, an app, a form, a record), newest first, a page at a time by keyset
(``before`` an id), and who may read which entries.

Entries name their subject as the writers do: a record is ``subject_type`` "app/form" with
its id; a definition (form, flow, …), an app role and a preview name ``app/key`` in
``subject_id``; an app names itself; people, departments, installation roles and tokens
belong to no app. So "the entries of an app" is a prefix match on one of the two columns,
and app administrators (``require_designer``) read exactly those of their apps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from brickwork.platform import clock
from brickwork.platform.apps import get_app
from brickwork.platform.errors import FieldError, Forbidden, Invalid
from brickwork.platform.i18n import _
from brickwork.platform.identity.app_roles import require_designer
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import AuditEntry, User

RECORD = "record"  # the kind of every "app/form" subject
MAX_PAGE = 200
EXPORT_LIMIT = 50_000  # one workbook; the page says so when a filter matches more


@dataclass
class AuditFilter:
    actor: int | None = None
    kind: str | None = None  # "record", or a subject_type: user, department, app_role, form, app, …
    action: str | None = None
    since: date | None = None  # whole days in the installation's time zone
    until: date | None = None
    app: str | None = None
    form: str | None = None  # with app: the form's records and its definition
    record: str | None = None  # with app and form: one record


def check_reader(session: Session, who: Principal, wanted: AuditFilter) -> None:
    """Administrators read everything; an app's administrators read that app's entries."""
    if who.is_admin:
        return
    if not wanted.app:
        raise Forbidden(_("Only administrators may read the whole audit log."),
                        detail=_("App administrators choose their app."))
    require_designer(session, get_app(session, wanted.app), who)


def check(wanted: AuditFilter) -> None:
    for name in ("kind", "action", "app", "form", "record"):
        if "\x00" in (getattr(wanted, name) or ""):  # PostgreSQL text cannot hold it (decision 0012)
            raise Invalid(_("The request is not valid."), errors=[FieldError(
                name, "control_character", _("Remove the NUL character (U+0000)."))])
    if wanted.form and not wanted.app:
        raise Invalid(_("The request is not valid."), errors=[FieldError("form", "app", _("Choose the app too."))])
    if wanted.record and not wanted.form:
        raise Invalid(_("The request is not valid."), errors=[FieldError("record", "form", _("Choose the form too."))])
    if wanted.since and wanted.until and wanted.since > wanted.until:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "until", "range", _("The end of the range is before its start."))])


def _day_start(day: date) -> datetime:
    """The stored (naive UTC) moment at which ``day`` starts in the installation's zone;
    the first and last days of the calendar (year 1, year 9999) stay at its ends."""
    try:
        return datetime.combine(day, time(), clock.app_zone()).astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        return datetime.min if day.year == 1 else datetime.max


def _where(wanted: AuditFilter) -> list[Any]:
    e = AuditEntry
    where: list[Any] = []
    if wanted.actor is not None:
        where.append(e.actor_id == wanted.actor)
    if wanted.kind == RECORD:
        where.append(e.subject_type.contains("/"))
    elif wanted.kind:
        where.append(e.subject_type == wanted.kind)
    if wanted.action:
        where.append(e.action == wanted.action)
    if wanted.since:
        where.append(e.at >= _day_start(wanted.since))
    if wanted.until and wanted.until < date.max:
        where.append(e.at < _day_start(wanted.until + timedelta(days=1)))
    if wanted.app and wanted.form:
        records = e.subject_type == f"{wanted.app}/{wanted.form}"
        if wanted.record:
            where.append(and_(records, e.subject_id == wanted.record))
        else:
            where.append(or_(records, and_(e.subject_type == "form", e.subject_id == f"{wanted.app}/{wanted.form}")))
    elif wanted.app:
        where.append(or_(e.subject_type.startswith(f"{wanted.app}/", autoescape=True),
                         and_(~e.subject_type.contains("/"),
                              e.subject_id.startswith(f"{wanted.app}/", autoescape=True)),
                         and_(e.subject_type == "app", e.subject_id == wanted.app)))
    return where


def entries(session: Session, wanted: AuditFilter, *, before: int | None = None, limit: int = 50
            ) -> tuple[list[AuditEntry], int | None]:
    """A page of matching entries, newest first, and the id to pass as ``before`` for the next
    page (None on the last)."""
    check(wanted)
    limit = min(max(limit, 1), EXPORT_LIMIT)
    query = select(AuditEntry).where(*_where(wanted))
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    more = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], more


def subject_kind(entry: AuditEntry) -> str:
    return RECORD if "/" in entry.subject_type else entry.subject_type


def app_of(entry: AuditEntry) -> str | None:
    if "/" in entry.subject_type:
        return entry.subject_type.split("/", 1)[0]
    if "/" in entry.subject_id:
        return entry.subject_id.split("/", 1)[0]
    return entry.subject_id if entry.subject_type == "app" else None


def choices(session: Session, wanted: AuditFilter) -> tuple[list[str], list[str], set[int]]:
    """The subject kinds, actions and actors there are (within the app, for an app's page),
    for the filters."""
    scope = _where(AuditFilter(app=wanted.app))
    types = session.scalars(select(AuditEntry.subject_type).where(*scope).distinct())
    actions = session.scalars(select(AuditEntry.action).where(*scope).distinct())
    actors = session.scalars(select(AuditEntry.actor_id).where(*scope, AuditEntry.actor_id.is_not(None)).distinct())
    return sorted({RECORD if "/" in t else t for t in types}), sorted(actions), set(actors)


def actor_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(wanted)))
    return {r.id: r.display_name or r.username for r in rows}


def entry_out(entry: AuditEntry, names: dict[int, str]) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z"),
            "actor": entry.actor_id, "actor_name": names.get(entry.actor_id) if entry.actor_id else None,
            "action": entry.action, "kind": subject_kind(entry), "app": app_of(entry),
            "subject_type": entry.subject_type, "subject_id": entry.subject_id, "changes": entry.changes}
