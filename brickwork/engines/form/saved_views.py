"""Saved views of a form's records: a table, kanban or calendar with its filter, sort and columns.

A personal view belongs to its owner alone. A shared view (no owner) is seen by everyone
who may read the form, and only administrators create, change or delete it. Configs name
fields by id, which never changes; a view is checked against the live form when saved.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from brickwork.engines.form import derived_indexes
from brickwork.engines.form.conditions import field_infos, with_ids
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.records import RecordService
from brickwork.platform.db import utcnow
from brickwork.platform.definitions.base import CONTROLS, Label, OneLine
from brickwork.platform.definitions.errors import field_errors
from brickwork.platform.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from brickwork.platform.expression import parse_condition
from brickwork.platform.i18n import _, pick
from brickwork.platform.models import SavedView

SYSTEM_SORT = ("id", "created_at", "updated_at")
ViewType = Literal["table", "kanban", "calendar"]


class ViewConfig(BaseModel):
    """What a view shows. Field ids throughout; ``sort`` is ``id,-id`` like the listing's."""

    model_config = ConfigDict(extra="forbid")
    filter: dict[str, Any] | None = None
    sort: str = Field(default="", max_length=500)
    columns: list[str] | None = Field(default=None, max_length=200)  # None: every readable field
    widths: dict[str, int] = Field(default_factory=dict)
    group_by: str | None = None  # kanban: a select field
    date_field: str | None = None  # calendar: a date or datetime field
    yearly: bool = False  # calendar: the date recurs every year (birthdays): shown in every year
    search: OneLine = Field(default="", max_length=200)


def _one_line(name: dict[str, str] | str) -> dict[str, str] | str:
    if isinstance(name, str) and (found := CONTROLS.search(name)):
        raise ValueError(_("Remove the control character %(char)s: this field cannot hold it.",
                           char=f"U+{ord(found.group()):04X}"))
    return name


ViewName = Annotated[Label | str, AfterValidator(_one_line)]


class ViewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ViewName
    type: ViewType = "table"
    shared: bool = False
    config: ViewConfig = Field(default_factory=ViewConfig)


class ViewPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    name: ViewName | None = None
    config: ViewConfig | None = None


def view_out(view: SavedView) -> dict[str, Any]:
    return {"id": view.id, "name": view.name, "title": pick(view.name), "type": view.type,
            "shared": view.owner_id is None, "owner": view.owner_id, "config": view.config,
            "version": view.version, "created_at": view.created_at.isoformat() + "Z",
            "updated_at": view.updated_at.isoformat() + "Z"}


def list_views(session: Session, service: RecordService) -> list[SavedView]:
    """The caller's own views and the shared ones, shared first, then by name."""
    service.grant.require("read")
    form = service.form
    views = session.scalars(select(SavedView).where(
        SavedView.app_id == form.app.id, SavedView.form_key == form.key,
        or_(SavedView.owner_id.is_(None), SavedView.owner_id == service.who.user_id)).order_by(SavedView.id))
    return sorted(views, key=lambda v: (v.owner_id is not None, pick(v.name).lower()))


def get_view(session: Session, service: RecordService, view_id: int) -> SavedView:
    service.grant.require("read")
    view = session.get(SavedView, view_id)
    form = service.form
    if view is None or view.app_id != form.app.id or view.form_key != form.key or \
            view.owner_id not in (None, service.who.user_id):
        raise NotFound(_("No view %(id)s here.", id=view_id))
    return view


def find_view(session: Session, service: RecordService, ref: str | int) -> SavedView:
    """A view by its id, or a shared view by its uid in the app file (``view_cus_pool``)."""
    if isinstance(ref, int) or str(ref).isdigit():
        return get_view(session, service, int(ref))
    service.grant.require("read")
    form = service.form
    view = session.scalar(select(SavedView).where(SavedView.app_id == form.app.id, SavedView.form_key == form.key,
                                                  SavedView.uid == ref, SavedView.owner_id.is_(None)))
    if view is None:
        raise NotFound(_("No view %(id)s here.", id=ref))
    return view


def as_listed(form, config: dict[str, Any], *, filter_ast: Any = None, sort: str | None = None,
              q: str | None = None) -> tuple[Any, str | None, str | None]:
    """What a view lists, with what the caller gave on top: both filters must hold, the
    caller's sort and search replace the view's."""
    own = config.get("filter")
    if own and filter_ast:
        filter_ast = {"fn": "AND", "args": [own, filter_ast]}
    elif own:
        filter_ast = own
    return filter_ast, sort if sort else sort_keys(form, config.get("sort") or ""), q or config.get("search") or None


def sort_keys(form, sort: str) -> str:
    """A view's sort (field ids, ``id,-id``) as the listing's (keys). Unknown ids are
    dropped: a field may have been deleted since the view was saved."""
    parts = []
    for part in [p.strip() for p in (sort or "").split(",") if p.strip()]:
        name = part.lstrip("-+")
        key = form.by_id[name].key if name in form.by_id else name if name in SYSTEM_SORT else None
        if key:
            parts.append(("-" if part.startswith("-") else "") + key)
    return ",".join(parts)


def create_view(session: Session, service: RecordService, data: Any) -> SavedView:
    service.grant.require("read")
    given = _parse(ViewIn, data)
    if given.shared and not service.who.is_admin:
        raise Forbidden(_("Only administrators may share views."))
    config = check_config(service, given.type, given.config)
    moment = utcnow()
    view = SavedView(app_id=service.form.app.id, form_key=service.form.key,
                     owner_id=None if given.shared else service.who.user_id, name=_name(given.name),
                     type=given.type, config=config, version=1, created_at=moment, updated_at=moment)
    session.add(view)
    session.flush()
    _index(session, service)
    return view


def update_view(session: Session, service: RecordService, view_id: int, data: Any) -> SavedView:
    view = get_view(session, service, view_id)
    _may_change(service, view)
    given = _parse(ViewPatch, data)
    if given.version != view.version:
        raise Conflict(_("Someone else changed this view first."),
                       detail=_("The view is at version %(v)s. Reload it and apply your change again.",
                                v=view.version),
                       errors=[FieldError("version", "stale", _("The current version is %(v)s.", v=view.version))])
    if given.name is not None:
        view.name = _name(given.name)
    if given.config is not None:
        view.config = check_config(service, view.type, given.config)
    view.version += 1
    view.updated_at = utcnow()
    session.flush()
    _index(session, service)
    return view


def delete_view(session: Session, service: RecordService, view_id: int) -> None:
    view = get_view(session, service, view_id)
    _may_change(service, view)
    session.delete(view)
    session.flush()
    _index(session, service)


def _index(session: Session, service: RecordService) -> None:
    """The form's derived indexes follow its views, in the same transaction."""
    form = service.form
    derived_indexes.sync(session.connection(), form.app.id, form.key, form.definition)


def check_config(service: RecordService, view_type: str, config: ViewConfig) -> dict[str, Any]:
    """The config as stored, or ``Invalid`` naming each part that does not fit the form."""
    form, readable = service.form, service.grant.readable
    errors: list[FieldError] = []

    def known(fid: str | None, where: str, types: tuple[str, ...] | None = None) -> None:
        f = form.by_id.get(fid or "")
        if f is None or f.id not in readable:
            errors.append(FieldError(where, "unknown_field", _("The form has no field %(name)s.", name=fid)))
        elif types and f.type not in types:
            errors.append(FieldError(where, "wrong_type", _("The field %(name)s cannot be used here.", name=f.key)))

    for i, fid in enumerate(config.columns or []):
        known(fid, f"config.columns[{i}]")
    for fid in config.widths:
        known(fid, f"config.widths.{fid}")
    for part in [p for p in config.sort.split(",") if p.strip()]:
        name = part.strip().lstrip("-+")
        f = form.by_id.get(name)
        if name not in SYSTEM_SORT and (f is None or f.id not in readable or
                                        REGISTRY[f.type].name in ("multiselect", "attachment", "image")):
            errors.append(FieldError("config.sort", "unknown_field", _("Cannot sort by %(name)s.", name=name)))
    if view_type == "kanban" or config.group_by is not None:
        known(config.group_by, "config.group_by", ("select",))
    if view_type == "calendar" or config.date_field is not None:
        known(config.date_field, "config.date_field", ("date", "datetime"))
    if config.yearly and view_type != "calendar":
        errors.append(FieldError("config.yearly", "calendar_only", _("Only a calendar repeats dates every year.")))
    stored = config.model_dump()
    if config.filter is not None:
        try:
            visible = [f for f in form.definition.fields if f.id in readable]
            parse_condition(with_ids(form, config.filter), field_infos(visible))
            stored["filter"] = with_ids(form, config.filter)
        except Invalid as exc:
            errors += [FieldError("config.filter" + e.field.removeprefix("$"), e.code, e.message)
                       for e in exc.errors]
    if errors:
        raise Invalid(_("The view is not valid."), errors=errors)
    return stored


def _may_change(service: RecordService, view: SavedView) -> None:
    if view.owner_id is None and not service.who.is_admin:
        raise Forbidden(_("Only administrators may change shared views."))


def _name(name: dict[str, str] | str) -> dict[str, str] | str:
    if isinstance(name, str):
        if not name.strip():
            raise Invalid(_("The view is not valid."), errors=[
                FieldError("name", "required", _("Give the view a name."))])
        return name.strip()[:200]
    return name


def _parse(model: type[BaseModel], data: Any):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(_("The view is not valid."), errors=[
            FieldError(e.field.removeprefix("$."), e.code, e.message) for e in field_errors(exc)]) from None
