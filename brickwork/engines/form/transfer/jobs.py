"""A whole import or export as the API and the command line run it: a file in, a result out."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.transfer.importing import Result, import_records
from brickwork.engines.form.transfer.mapping import check_mapping, suggest_mapping
from brickwork.engines.form.transfer.reading import Table, open_table
from brickwork.platform.errors import NotFound
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import PRINCIPAL_COLUMNS, Principal, normalise_username
from brickwork.platform.models import User


def import_file(session: Session, app: str, form: str, who: Principal, stream: IO[bytes], name: str,
                mapping: Any = None, mode: str = "all", upsert_key: str | None = None,
                dry_run: bool = False, check: bool = False,
                started: Callable[[Table], None] | None = None,
                progress: Callable[[int], None] | None = None) -> tuple[Table, Result]:
    """Read the file, map its columns (``mapping`` or matched by label), import its rows.
    ``started`` is called once the file and the mapping are accepted, ``progress`` after
    each batch with the rows done so far."""
    service = RecordService(session, load_form(session, app, form), who)
    service.grant.require("create")
    table = open_table(stream, name)
    if mapping is None:
        mapping = suggest_mapping(service.form, service.grant, table.headers, upsert_key)
    used = check_mapping(service.form, service.grant, table.headers, mapping, upsert_key)
    if started:
        started(table)
    result = import_records(session, service.form, who, table.rows, used, mode=mode, upsert_key=upsert_key,
                            dry_run=dry_run, check=check, progress=progress)
    result.mapping = {h: mapping.get(h) for h in table.headers}
    return table, result


def principal(session: Session, username: str | None) -> Principal:
    """Who a command acts as: the user named, else the first active administrator."""
    query = select(*PRINCIPAL_COLUMNS).where(User.is_active.is_(True))
    if username:
        query = query.where(User.username == normalise_username(username))
    else:
        query = query.where(User.is_admin.is_(True)).order_by(User.id).limit(1)
    row = session.execute(query).first()
    if row is None:
        raise NotFound(_("No active user is named %(username)s.", username=username) if username
                       else _("There is no active administrator."))
    return Principal.of(row, "cli")
