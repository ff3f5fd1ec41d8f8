"""The import page: upload an xlsx or csv, map its columns to fields, check, import.

The page is a shell; its script (static/js/import.js) asks ``/import/columns`` for the
file's columns and the suggested mapping, then talks to the import API itself
(``records:import``: a dry run for the preview, ``check`` for every row, ``?stream=1`` for
progress while it runs). Nothing is kept between requests: each step sends the file again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse

from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.rendering import error_page, render
from brickwork.builder_ui.views_common import FormPage, open_form
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.transfer.mapping import importable, suggest_mapping
from brickwork.engines.form.transfer.reading import open_table
from brickwork.platform.errors import BrickworkError
from brickwork.platform.http.deps import work
from brickwork.platform.i18n import _, pick
from brickwork.platform.identity.users import Principal

router = APIRouter(include_in_schema=False)


@router.get("/apps/{app}/forms/{form}/import")
def import_page(request: Request, app: str, form: str, user: Principal = Depends(page_user)) -> HTMLResponse:
    try:
        with work(request, read_only=True) as (session, who):
            page = open_form(session, who, app, form)
            page.service.grant.require("create")
            data = {"base": page.base, "api": f"/api/v1/apps/{app}/forms/{form}/records:import",
                    "columns": f"{page.base}/import/columns", "fields": _fields(page)}
            return render(request, "import.html", app=app, app_label=page.app_label, form=page.form, data=data,
                          text=script_text())
    except BrickworkError as exc:
        return error_page(request, exc)


@router.post("/apps/{app}/forms/{form}/import/columns")
def import_columns(request: Request, app: str, form: str, file: UploadFile = File(...),
                   user: Principal = Depends(page_user)) -> JSONResponse:
    """The file's kind, encoding and column headers, and the fields they match. Only the
    header row is read; errors are problem+json, as from the API."""
    with work(request, read_only=True) as (session, who):
        page = open_form(session, who, app, form)
        page.service.grant.require("create")
        table = open_table(file.file, file.filename or "")
        mapping = suggest_mapping(page.form, page.service.grant, table.headers)
    return JSONResponse({"file": {"kind": table.kind, "encoding": table.encoding, "headers": table.headers},
                         "mapping": mapping})


def _fields(page: FormPage) -> list[dict[str, Any]]:
    """The fields a file may fill, as the mapping's choices (options to show the preview's
    values by their labels)."""
    return [{"key": f.key, "label": pick(f.label),
             "required": bool(f.required and f.default is None and not REGISTRY[f.type].system),
             "options": {o.id: pick(o.label) for o in f.options or []}}
            for f in importable(page.form, page.service.grant)]


def script_text() -> dict[str, str]:
    """The translated strings the import script shows (placeholders filled in by the script)."""
    return {
        "skip": _("— skip this column —"), "required": _("%(name)s (required)"),
        "insert_only": _("— add every row as a new record —"),
        "file_kind": _("%(kind)s file, %(n)s columns"), "encoding": _("text encoding %(name)s"),
        "reading": _("Reading the file…"), "checking": _("Checking every row…"), "importing": _("Importing…"),
        "of_total": _("%(done)s of %(total)s rows"), "rows_done": _("%(done)s rows"),
        "checked": _("Rows checked: %(rows)s. Ready to import: %(ok)s. With problems: %(failed)s."),
        "checked_ok": _("%(rows)s rows checked: all can be imported."),
        "imported": _("Import finished: %(created)s created, %(updated)s updated, %(failed)s failed."),
        "nothing": _("Nothing was imported. Rows with problems: %(failed)s. Fix them, or import only the "
                     "valid rows."),
        "problems_shown": _("The first %(n)s of %(total)s problems are shown."),
        "preview_problems": _("Problems in the first rows"), "problems": _("Problems"),
        "row": _("Row"), "column": _("Column"), "value": _("Value"), "problem": _("Problem"),
        "ok": _("OK"), "has_problem": _("Has problems"), "no_rows": _("The file has no rows to import."),
        "failed": _("The import could not be done."), "network": _("The server could not be reached."),
        "wrong_file": _("Choose an Excel workbook (.xlsx) or a CSV file."),
    }
