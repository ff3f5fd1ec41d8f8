"""The kanban board: one column per option of a select field, plus one for the blank, cards
moved between columns by dragging (static/js/views_kanban.js PATCHes the record with its
version, so a card changed elsewhere meanwhile is refused and goes back)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.rendering import error_page, render
from brickwork.builder_ui.views_common import FormPage, open_form, script_text, sort_by_keys
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.listing import list_records
from brickwork.platform.errors import BrickworkError, FieldError, Invalid
from brickwork.platform.http.deps import work
from brickwork.platform.i18n import _, pick
from brickwork.platform.identity.users import Principal

router = APIRouter(include_in_schema=False)
CARDS_PER_COLUMN = 20
CARD_FIELDS = 3
NOT_ON_CARDS = ("attachment", "image", "textarea")


@router.get("/apps/{app}/forms/{form}/kanban")
def kanban_page(request: Request, app: str, form: str, by: str | None = None, view: int | None = None,
                user: Principal = Depends(page_user)) -> HTMLResponse:
    try:
        with work(request, read_only=True) as (session, who):
            page = open_form(session, who, app, form)
            board = _Board(page, by, view)
            columns = []
            if board.group:
                for option, label in board.options():
                    result = board.cards(option)
                    columns.append({"option": option, "label": label, "total": result["total"],
                                    "next": result["next_cursor"], "cards": board.render_cards(result["items"])})
            writable = board.group is not None and board.group.id in page.service.grant.writable \
                and "update" in page.service.grant.actions
            data = {"api": f"/api/v1/apps/{app}/forms/{form}", "key": board.group.key if board.group else None,
                    "movable": writable, "cards_url": f"{page.base}/kanban/cards"}
            return render(request, "kanban.html", app=app, app_label=page.app_label, form=page.form, page=page,
                          group=board.group, choices=page.of_type("select"), columns=columns, data=data,
                          views=page.views("kanban"), current=board.view, text=script_text())
    except BrickworkError as exc:
        return error_page(request, exc)


@router.get("/apps/{app}/forms/{form}/kanban/cards")
def kanban_cards(request: Request, app: str, form: str, option: str = "", cursor: str | None = None,
                 by: str | None = None, view: int | None = None,
                 user: Principal = Depends(page_user)) -> HTMLResponse:
    """The next cards of one column (``<li>``s), ``X-Next-Cursor`` in the headers."""
    with work(request, read_only=True) as (session, who):
        board = _Board(open_form(session, who, app, form), by, view)
        if board.group is None:
            raise Invalid(_("The request is not valid."), errors=[
                FieldError("by", "unknown", _("Choose a single-choice field to group by."))])
        result = board.cards(option, cursor)
        response = render(request, "kanban_cards.html", cards=board.render_cards(result["items"]))
    response.headers["X-Next-Cursor"] = result["next_cursor"] or ""
    return response


class _Board:
    """The grouping field and the saved view (if any) a board is drawn from."""

    def __init__(self, page: FormPage, by: str | None, view_id: int | None):
        self.page = page
        self.view = page.view(view_id, "kanban")
        config = self.view["config"] if self.view else {}
        choices = page.of_type("select")
        by_id = {f.id: f for f in choices}
        by_key = {f.key: f for f in choices}
        self.group: FieldDef | None = by_key.get(by or "") or by_id.get(config.get("group_by") or "") or \
            (choices[0] if choices else None)
        self.filter, self.sort, self.q = config.get("filter"), config.get("sort", ""), config.get("search", "")

    def options(self) -> list[tuple[str, str]]:
        return [(o.id, pick(o.label)) for o in self.group.options or []] + [("", _("(blank)"))]

    def cards(self, option: str, cursor: str | None = None) -> dict[str, Any]:
        ref = {"ref": self.group.id}
        column = {"fn": "=", "args": [ref, {"lit": option, "type": "choice"}]} if option else \
            {"fn": "ISBLANK", "args": [ref]}
        where = {"fn": "AND", "args": [column, self.filter]} if self.filter else column
        return list_records(self.page.service, filter_ast=where, sort=sort_by_keys(self.page.form, self.sort),
                            q=self.q, cursor=cursor, limit=CARDS_PER_COLUMN)

    def render_cards(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each card: its record's title and two or three more fields, as people read them."""
        title = self.page.title_field()
        shown = [f for f in self.page.fields if f is not title and f.id != self.group.id
                 and f.type not in NOT_ON_CARDS][:CARD_FIELDS]
        cells = self.page.cells(records, shown)
        return [{"id": r["id"], "version": r["version"], "title": self.page.title(r),
                 "href": f"{self.page.base}/records/{r['id']}",
                 "fields": [(pick(f.label), text) for f, text in zip(shown, row, strict=True) if text]}
                for r, row in zip(records, cells, strict=True)]
