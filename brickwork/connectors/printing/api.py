"""REST for printing: one record, or a batch (one PDF, a document per record, or a zip of
PDFs). Whoever may read the records may print them; the PDF shows what they may read."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from brickwork.connectors.printing import render
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.http.deps import bearer, work
from brickwork.platform.http.params import PathId
from brickwork.platform.i18n import _

router = APIRouter(prefix="/api/v1/apps/{app}/forms/{form}", tags=["print"], dependencies=[Depends(bearer)])


def _download(content: bytes, media: str, name: str) -> Response:
    return Response(content, media_type=media, headers={
        "content-disposition": f"inline; filename*=UTF-8''{quote(name)}", "cache-control": "no-store"})


@router.get("/records/{record_id}/print/{template}.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def print_one(request: Request, app: str, form: str, record_id: PathId, template: str) -> Response:
    """The record printed with the form's print template, as PDF."""
    with work(request, read_only=True) as (session, who):
        _template, pages = render.print_records(session, app, form, template, [record_id], who)
    return _download(render.pdf([pages[0][1]]), "application/pdf", f"{form}-{record_id}.pdf")


def _ids(ids: str) -> list[int]:
    parts = [p.strip() for p in ids.split(",") if p.strip()]
    if not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts):
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "ids", "type", _("Give the record ids separated by commas."))])
    return list(dict.fromkeys(int(p) for p in parts))


@router.get("/print/{template}.pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def print_batch(request: Request, app: str, form: str, template: str,
                ids: str = Query(max_length=4000)) -> Response:
    """Several records in one PDF (``?ids=1,2,3``, at most 50), each starting on a new page
    with its own page numbers."""
    with work(request, read_only=True) as (session, who):
        _template, pages = render.print_records(session, app, form, template, _ids(ids), who)
    return _download(render.pdf([page for _rid, page in pages]), "application/pdf", f"{form}-{template}.pdf")


@router.get("/print/{template}.zip", response_class=Response, responses={200: {"content": {"application/zip": {}}}})
def print_zip(request: Request, app: str, form: str, template: str, ids: str = Query(max_length=4000)) -> Response:
    """Several records, one PDF each, in a zip (``?ids=1,2,3``, at most 50)."""
    with work(request, read_only=True) as (session, who):
        _template, pages = render.print_records(session, app, form, template, _ids(ids), who)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for rid, page in pages:
            archive.writestr(f"{form}-{rid}.pdf", render.pdf([page]))
    return _download(buffer.getvalue(), "application/zip", f"{form}-{template}.zip")
