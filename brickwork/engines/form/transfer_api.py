"""REST for moving a form's records in and out of spreadsheets (xlsx, csv).

``POST …/records:import`` (multipart: ``file``, and optionally ``mapping`` as JSON, ``mode``,
``upsert_key``, ``dry_run``) answers with the counts, the mapping and the problems; with
``?report=xlsx`` it answers with the problems as a workbook instead (the counts in
``X-Import-*`` headers); with ``?stream=1`` it answers with ``application/x-ndjson``: progress
lines while it runs, then the same answer as one line. ``check`` runs every row and writes
nothing. ``GET …/records:export`` writes the current view to xlsx or csv.
"""

from __future__ import annotations

import json
import logging
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RULES_OFF, RecordService
from brickwork.engines.form.transfer.exporting import FORMATS, export_records, filename
from brickwork.engines.form.transfer.importing import Result
from brickwork.engines.form.transfer.jobs import import_file
from brickwork.engines.form.transfer.reading import Table
from brickwork.engines.form.transfer.report import write_report
from brickwork.engines.form.transfer.streaming import events
from brickwork.platform.errors import BrickworkError, FieldError, Invalid, NotFound
from brickwork.platform.http.deps import bearer, work
from brickwork.platform.http.downloads import content_disposition
from brickwork.platform.http.params import MaybeQueryId
from brickwork.platform.http.problems import problem
from brickwork.platform.i18n import _

router = APIRouter(prefix="/api/v1/apps/{app}/forms/{form}", tags=["import and export"],
                   dependencies=[Depends(bearer)])
INLINE_PROBLEMS = 1000
CHUNK = 1 << 16
log = logging.getLogger(__name__)


@router.post("/records:import")
def records_import(request: Request, app: str, form: str, file: UploadFile = File(...),
                   mapping: str | None = Form(None), mode: str = Form("all"), upsert_key: str | None = Form(None),
                   dry_run: bool = Form(False), check: bool = Form(False), report: str | None = None,
                   stream: bool = False, run_rules: bool = Form(True)) -> Any:
    """Rows become records through the record service; ``mode`` is ``all`` (nothing is
    written if any row fails) or ``valid`` (the valid rows are written). Without ``mapping``
    columns are matched to fields by label or key. ``check`` runs every row and rolls back.
    Imported records start automation rules like any write (as source ``import``);
    ``run_rules=false`` turns that off for this import, explicitly (their events say so)."""
    given = _json(mapping, "mapping") if mapping else None
    upsert_key = upsert_key or None
    if stream and report != "xlsx":
        return _streamed(request, app, form, file, given, mode, upsert_key, dry_run, check, run_rules)
    with work(request) as (session, who):
        session.info[RULES_OFF] = not run_rules
        table, result = import_file(session, app, form, who, file.file, file.filename or "", given, mode,
                                    upsert_key, dry_run, check)
    if report == "xlsx":
        out = tempfile.TemporaryFile()
        write_report(result.problems, out)
        counts = {"created": result.created, "updated": result.updated, "failed": result.failed}
        headers = {f"X-Import-{k.title()}": str(v) for k, v in counts.items()}
        name = _("Problems")
        return _download(out, "xlsx", f"{form}-{name}.xlsx", headers)
    return JSONResponse(_answer(table, result, dry_run))


def _answer(table: Table, result: Result, dry_run: bool) -> dict[str, Any]:
    return {
        "created": result.created, "updated": result.updated, "failed": result.failed,
        "rows": result.rows, "mode": result.mode, "dry_run": dry_run,
        "file": {"kind": table.kind, "encoding": table.encoding, "headers": table.headers},
        "mapping": result.mapping,
        "problems": [p.as_dict() for p in result.problems[:INLINE_PROBLEMS]],
        "problem_count": result.problem_count,
        **({"preview": result.preview} if result.preview is not None else {}),
    }


def _streamed(request: Request, app: str, form: str, file: UploadFile, mapping: Any, mode: str,
              upsert_key: str | None, dry_run: bool, check: bool, run_rules: bool = True) -> StreamingResponse:
    """The import in a thread of its own, its reports as JSON lines. A refusal before the
    first line (no such form, a file or mapping that cannot work) is an ordinary problem
    answer; one after it is the last line, ``{"error": problem}``, and nothing was written."""
    def job(started, progress) -> dict[str, Any]:
        with work(request) as (session, who):
            session.info[RULES_OFF] = not run_rules
            table, result = import_file(session, app, form, who, file.file, file.filename or "", mapping, mode,
                                        upsert_key, dry_run, check, started=started, progress=progress)
        return _answer(table, result, dry_run)

    return _stream_lines(events(job), "import")


def _stream_lines(reports: Iterator[dict[str, Any]], what: str) -> StreamingResponse:
    first = next(reports)  # raises what the job raised before it started

    def lines() -> Iterator[bytes]:
        yield _line(first)
        try:
            for report in reports:
                yield _line(report)
        except BrickworkError as exc:
            yield _line({"error": json.loads(problem(exc.status, exc.title, code=exc.code, detail=exc.detail,
                                                     errors=exc.errors).body)})
        except Exception:
            log.exception("%s failed while streaming", what)
            yield _line({"error": json.loads(problem(500, _("Something went wrong on our side."),
                                                     code="internal").body)})

    return StreamingResponse(lines(), media_type="application/x-ndjson",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _line(report: dict[str, Any]) -> bytes:
    return json.dumps(report, ensure_ascii=False, default=str).encode() + b"\n"


_FILE = {"schema": {"type": "string", "format": "binary"}}


@router.get("/records:export", response_class=StreamingResponse, responses={200: {
    "description": "The workbook or csv file; with stream=1, progress lines (NDJSON).",
    "content": {**{media: _FILE for media in FORMATS.values()}, "application/x-ndjson": _FILE}}})
def records_export(request: Request, app: str, form: str, format: str = "xlsx", filter: str | None = None,
                   sort: str | None = None, fields: str | None = None, q: str | None = None,
                   view: MaybeQueryId = None, stream: bool = False, download: str | None = None) -> StreamingResponse:
    """The records as the view shows them (``filter``, ``sort``, ``fields=key,key``, ``q``,
    or a saved ``view``), only fields the caller may read, values as people read them.
    With ``stream=1``: progress lines while the file is written, then a line with the
    ``download`` address that fetches it once."""
    if download is not None:
        return _ready(request, format, download)
    ast = _json(filter, "filter") if filter else None
    if stream:
        return _export_streamed(request, app, form, format, ast, sort, fields, q, view)
    out = tempfile.TemporaryFile()  # written a page at a time, then streamed: memory stays flat
    try:
        with work(request, read_only=True) as (session, who):
            service = RecordService(session, load_form(session, app, form), who)
            export_records(session, service, out, format, filter_ast=ast, sort=sort, fields=fields, q=q,
                           view_id=view)
            name = filename(service, format)
    except BaseException:
        out.close()
        raise
    return _download(out, format, name)


READY_FOR = 24 * 3600  # a prepared export not fetched within a day is removed


def _exports(request: Request) -> Path:
    folder = Path(request.app.state.settings.data_dir) / "exports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _export_streamed(request: Request, app: str, form: str, fmt: str, ast: Any, sort: str | None,
                     fields: str | None, q: str | None, view: int | None) -> StreamingResponse:
    """The export in a thread of its own (as a streamed import), into a file under the data
    directory named by a random token and the caller's id, so any web process can hand it
    over and only to the person who asked. A bad request is refused before the first line."""
    folder = _exports(request)
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - READY_FOR:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)

    def job(_started, progress) -> dict[str, Any]:
        with work(request, read_only=True) as (session, who):
            service = RecordService(session, load_form(session, app, form), who)
            path = folder / f"{who.user_id}-{token}.{fmt}"
            try:
                with path.open("wb") as out:
                    count = export_records(session, service, out, fmt, filter_ast=ast, sort=sort, fields=fields,
                                           q=q, view_id=view, progress=progress)
                name = filename(service, fmt)
                path.with_suffix(".name").write_text(name, "utf-8")
            except BaseException:
                path.unlink(missing_ok=True)
                raise
        query = urlencode({"format": fmt, "download": token})
        return {"done": count, "total": count, "name": name,
                "download": f"/api/v1/apps/{app}/forms/{form}/records:export?{query}"}

    return _stream_lines(events(job), "export")


def _ready(request: Request, fmt: str, token: str) -> StreamingResponse:
    """A streamed export's file, once: it is removed as it is handed over."""
    with work(request, read_only=True) as (_session, who):
        pass
    if fmt not in FORMATS or not token.replace("-", "").replace("_", "").isalnum():
        raise NotFound(_("This export is not ready, or was fetched already."))
    path = _exports(request) / f"{who.user_id}-{token}.{fmt}"
    try:
        out = path.open("rb")
    except FileNotFoundError:
        raise NotFound(_("This export is not ready, or was fetched already.")) from None
    label = path.with_suffix(".name")
    name = label.read_text("utf-8") if label.exists() else path.name
    path.unlink(missing_ok=True)  # the open file stays readable until it is closed
    label.unlink(missing_ok=True)
    return _download(out, fmt, name)


def _download(out: IO[bytes], fmt: str, name: str, headers: dict[str, str] | None = None) -> StreamingResponse:
    out.seek(0)

    def chunks() -> Iterator[bytes]:
        with out:
            while chunk := out.read(CHUNK):
                yield chunk

    return StreamingResponse(chunks(), media_type=FORMATS[fmt],
                             headers={"Content-Disposition": content_disposition(name), **(headers or {})})


def _json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise Invalid(_("The request is not valid."), errors=[
            FieldError(name, "json", _("This is not valid JSON."))]) from None
