"""What the table, kanban and calendar pages share: the form as the caller may see it, the
fields described for the page's scripts, and error pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from brickwork.builder_ui.links import linked
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.display import Names, display
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.forms import Form, load_form
from brickwork.engines.form.listing import UNSORTABLE
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.saved_views import get_view, list_views, view_out
from brickwork.engines.form.saved_views import sort_keys as sort_by_keys  # noqa: F401  (the pages' name)
from brickwork.platform.apps import get_app
from brickwork.platform.errors import NotFound
from brickwork.platform.i18n import _, ngettext, pick
from brickwork.platform.identity.users import Principal

SYSTEM_SORT = {"id", "created_at", "updated_at"}
NOT_EDITABLE = ("attachment", "image", "autonumber", "subform")


@dataclass
class FormPage:
    """One form's records as one person sees them, for one request."""

    session: Session
    who: Principal
    form: Form
    service: RecordService
    app_label: dict[str, str]

    @property
    def base(self) -> str:
        return f"/apps/{self.form.app.key}/forms/{self.form.key}"

    @property
    def fields(self) -> list[FieldDef]:
        """The fields the caller may read, in the form's order."""
        return [f for f in self.form.definition.fields if f.id in self.service.grant.readable]

    def of_type(self, *types: str) -> list[FieldDef]:
        return [f for f in self.fields if f.type in types]

    def title_field(self) -> FieldDef | None:
        """What names a record on a card: the first text-like field."""
        return next((f for f in self.fields if REGISTRY[f.type].logical == "text"), None)

    def title(self, record: dict[str, Any]) -> str:
        f = self.title_field()
        text = display(f, record.get(f.key)) if f else ""
        return text or f"#{record['id']}"

    def views(self, view_type: str) -> list[dict[str, Any]]:
        return [view_out(v) for v in list_views(self.session, self.service) if v.type == view_type]

    def view(self, view_id: int | None, view_type: str) -> dict[str, Any] | None:
        if view_id is None:
            return None
        found = view_out(get_view(self.session, self.service, view_id))
        if found["type"] != view_type:
            raise NotFound(_("No view %(id)s here.", id=view_id))
        return found

    def cells(self, records: list[dict[str, Any]], fields: list[FieldDef]) -> list[list[str]]:
        """Each record's values as people read them, one text per field; linked records as
        their titles, each a link to its record page."""
        app = self.form.app.key
        names = Names(self.session, fields, records, app_key=app, who=self.who)
        return [[linked(f, r.get(f.key), names, app) if f.type == "relation" else display(f, r.get(f.key), names)
                 for f in fields] for r in records]

    def field_meta(self) -> list[dict[str, Any]]:
        """The readable fields as the page's scripts need them (labels as plain text)."""
        writable = self.service.grant.writable if "update" in self.service.grant.actions else set()
        return [{
            "id": f.id, "key": f.key, "label": pick(f.label), "type": f.type,
            "logical": REGISTRY[f.type].logical, "operators": list(REGISTRY[f.type].operators),
            "options": [{"id": o.id, "label": pick(o.label)} for o in f.options or []],
            "sortable": f.type not in UNSORTABLE,
            "editable": f.id in writable and f.type not in NOT_EDITABLE,
        } for f in self.fields]


def open_form(session: Session, who: Principal, app: str, form: str) -> FormPage:
    the_form = load_form(session, app, form)
    service = RecordService(session, the_form, who)
    service.grant.require("read")
    return FormPage(session, who, the_form, service, get_app(session, app).label)


def plural(say) -> dict[str, str]:
    """A message with a count, for a script: its forms by the CLDR plural category the
    script's Intl.PluralRules picks ("one", "other"), with ``%(n)s`` left for the script.
    ``say(n)`` is the ngettext call itself, so the catalog's extractor finds its texts."""
    return {"one": say(1), "other": say(2)}


def script_text() -> dict[str, Any]:
    """The translated strings the views' scripts show (placeholders filled in by the script)."""
    return {
        "records": plural(lambda n: ngettext("%(num)s record", "%(num)s records", n, num="%(n)s")),
        "selected": _("%(n)s selected"),
        "is": _("is"), "is_not": _("is not"),
        "lt": _("less than"), "le": _("at most"), "gt": _("greater than"), "ge": _("at least"),
        "in": _("is any of"), "contains": _("contains"), "starts": _("starts with"), "blank": _("is blank"),
        "has": _("has"), "all": _("All of"), "any": _("Any of"), "add_condition": _("Add condition"),
        "add_group": _("Add group"), "remove": _("Remove"), "field": _("Field"), "operator": _("Operator"),
        "value": _("Value"), "yes": _("Yes"), "no": _("No"), "sort_by": _("Sort by %(name)s"),
        "resize": _("Resize %(name)s"), "select_page": _("Select all on this page"),
        "delete_confirm": plural(lambda n: ngettext("Move %(num)s record to the recycle bin?",
                                                   "Move %(num)s records to the recycle bin?", n, num="%(n)s")),
        "delete_view_confirm": _("Delete the view %(name)s?"), "saved": _("Saved."),
        "deleted": plural(lambda n: ngettext("%(num)s record moved to the recycle bin.",
                                            "%(num)s records moved to the recycle bin.", n, num="%(n)s")),
        "updated": plural(lambda n: ngettext("%(num)s record changed.", "%(num)s records changed.", n, num="%(n)s")),
        "record": _("Record %(id)s"), "comma": _("Separate values with commas."), "choose": _("(choose)"),
        "failed": _("Something went wrong. Try again."),
        # The filter builder's pickers: people, departments, relative dates, regions.
        "search": _("Type to search"), "me": _("Me"), "my_department": _("My department"),
        "a_date": _("A date"), "today": _("Today"), "week_start": _("Start of this week"),
        "month_start": _("Start of this month"), "year_start": _("Start of this year"),
        "province": _("Province"), "city": _("City"), "district": _("District"),
    }
