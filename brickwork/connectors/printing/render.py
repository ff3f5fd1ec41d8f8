"""Printing records: the template's context (the record, its sub-form rows, its related
records, all as the person printing may read them), the sandboxed HTML, and the PDF from
WeasyPrint, one document per record, joined into one file for a batch.

WeasyPrint fetches nothing from outside: a template's ``<img src="http://…">`` would be a
request from the server (SSRF), so only ``data:`` URLs are read."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.connectors.printing.model import PrintDefinition
from brickwork.connectors.printing.sandbox import ENV
from brickwork.engines.form.display import Names, display
from brickwork.engines.form.forms import Form, load_form
from brickwork.engines.form.listing import list_records
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.related import link_condition
from brickwork.engines.form.relations import linking
from brickwork.platform.clock import app_zone
from brickwork.platform.errors import BrickworkError, FieldError, Invalid, NotFound
from brickwork.platform.i18n import _, pick
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import App, Definition

MAX_BATCH = 50  # records in one batch print: about a second each, in the request
MAX_LINKED = 200  # linking records of one relation a print reads (a payment schedule, an order's deliveries)
FONTS = '"Noto Sans CJK SC", "Noto Sans CJK", "Noto Sans", "DejaVu Sans", sans-serif'

PAGE_CSS = """
@page {{ size: {size} {orientation}; margin: {margin}mm;
  @top-center {{ content: element(bwheader); width: 100%; vertical-align: bottom; }}
  @bottom-left {{ content: element(bwfooter); width: 80%; vertical-align: top; }}
  {numbers}
}}
.bw-header {{ position: running(bwheader); }}
.bw-footer {{ position: running(bwfooter); }}
html {{ font-family: {fonts}; font-size: 10.5pt; line-height: 1.45; color: #1f2329; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 0.5pt solid #c9cdd4; padding: 3pt 5pt; text-align: left; vertical-align: top; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
"""
NUMBERS = ('@bottom-right { content: counter(page) " / " counter(pages); width: 20%; text-align: right; '
           'vertical-align: top; font-size: 8.5pt; color: #646a73; }')

log = logging.getLogger("brickwork.print")


def live_template(session: Session, app: str, form: str, key: str) -> PrintDefinition:
    body = session.scalar(select(Definition.body).join(App, App.id == Definition.app_id).where(
        App.key == app, Definition.kind == "print", Definition.key == key, Definition.state == "published")
        .order_by(Definition.version.desc()).limit(1))
    template = PrintDefinition.model_validate(body) if body is not None else None
    if template is None or template.form != form:
        raise NotFound(_("The form %(form)s has no published print template %(key)s.", form=form, key=key))
    return template


def templates_of(session: Session, app: str, form: str) -> list[PrintDefinition]:
    """The form's published print templates (the record page's print menu)."""
    rows = session.execute(select(Definition.key, Definition.body).join(App, App.id == Definition.app_id).where(
        App.key == app, Definition.kind == "print", Definition.state == "published")
        .order_by(Definition.key, Definition.version.desc()))
    seen, found = set(), []
    for key, body in rows:
        if key not in seen and body.get("form") == form:
            seen.add(key)
            found.append(PrintDefinition.model_validate(body))
    return found


class Shown:
    """``shown(x)`` in a template: the texts a reader sees for the values of a record or a
    sub-form row of the context (option labels, people's names, linked records' titles,
    dates and amounts in the printing person's language), by field key."""

    def __init__(self) -> None:
        self._texts: dict[int, dict[str, str]] = {}
        self._keep: list[Any] = []  # the objects looked up by id stay alive as long as their texts

    def add(self, session: Session, form: Form, records: list[dict[str, Any]], who: Principal) -> None:
        names = Names(session, form.definition.fields, records, form.app.key, who=who)
        for record in records:
            self._add(form.definition.fields, record, names)

    def _add(self, fields: Any, record: dict[str, Any], names: Names) -> None:
        texts = {}
        for f in fields:
            texts[f.key] = display(f, record.get(f.key), names)
            if f.type == "subform" and isinstance(record.get(f.key), list):
                for row in record[f.key]:
                    if isinstance(row, dict):
                        self._add(f.fields or [], row, names)
        self._texts[id(record)] = texts
        self._keep.append(record)

    def of(self, value: Any) -> dict[str, str]:
        return self._texts.get(id(value), {})


def _linked(session: Session, form: Form, record_id: int, who: Principal,
            shown: Shown) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The records that link to this one, by linking form and relation field, oldest first,
    as far as the person printing may read them (a contract's payment plans)."""
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for source, f in linking(session, form):
        service = RecordService(session, source, who)
        if "read" not in service.grant.actions or f.id not in service.grant.readable:
            continue
        items = list_records(service, filter_ast=link_condition(f, record_id), sort="id", limit=MAX_LINKED)["items"]
        shown.add(session, source, items, who)
        found.setdefault(source.key, {})[f.key] = items
    return found


def context(session: Session, form: Form, record_id: int, who: Principal) -> dict[str, Any]:
    """What a template sees: ``record`` (values by field key, sub-form rows as lists),
    ``related`` (each relation field's records, one or a list), ``linked`` (the records
    linking to this one: ``linked.<form>.<field>``), ``shown(x)`` (the display texts of any
    of these records or rows), ``labels``, ``form``, ``printed_at``."""
    shown = Shown()
    record = RecordService(session, form, who).get(record_id)
    shown.add(session, form, [record], who)
    related: dict[str, Any] = {}
    for f in form.definition.fields:
        if f.type != "relation" or record.get(f.key) in (None, []):
            continue
        target_form = load_form(session, form.app.key, f.target)
        target = RecordService(session, target_form, who)
        linked = record[f.key] if isinstance(record[f.key], list) else [record[f.key]]
        found = []
        for rid in linked:
            try:
                found.append(target.get(int(rid)))
            except BrickworkError:  # not readable by this person: not printed either
                continue
        shown.add(session, target_form, found, who)
        related[f.key] = found if isinstance(record[f.key], list) else (found[0] if found else None)
    labels = {f.key: pick(f.label) for f in form.definition.fields}
    for f in form.definition.fields:
        for child in getattr(f, "fields", None) or ():
            labels[f"{f.key}.{child.key}"] = pick(child.label)
    return {"record": record, "meta": record.get("_meta") or {}, "related": related,
            "linked": _linked(session, form, record_id, who, shown), "shown": shown.of, "labels": labels,
            "form": {"key": form.key, "label": pick(form.definition.label)},
            "printed_at": datetime.now(app_zone()).strftime("%Y-%m-%d %H:%M")}


def html(template: PrintDefinition, values: dict[str, Any]) -> str:
    """The page as HTML: header and footer as running elements, then the body."""
    try:
        header, footer, body = (_render(part, values) for part in (template.header, template.footer, template.body))
    except TemplateError as exc:  # a sandbox refusal, an undefined call...: the template's author fixes it
        raise Invalid(_("The print template could not be rendered."), errors=[FieldError(
            "template", "render", str(exc)[:500])]) from None
    css = PAGE_CSS.format(size=template.page_size, orientation=template.orientation, margin=template.margin_mm,
                          numbers=NUMBERS if template.page_numbers else "", fonts=FONTS)
    return (f'<!doctype html><html><head><meta charset="utf-8"><style>{css}</style>'
            f"<style>{_no_closing_style(template.css)}</style></head><body>"
            f'<div class="bw-header">{header}</div><div class="bw-footer">{footer}</div>{body}</body></html>')


def _render(part: str | dict[str, str], values: dict[str, Any]) -> str:
    """A template part in the printing person's language (one text, or one per language)."""
    text = pick(part)
    return ENV.from_string(text).render(values) if text else ""


def _no_closing_style(css: str) -> str:
    return css.replace("</", "<\\/")  # the author's CSS cannot end the style element


def pdf(pages: list[str]) -> bytes:
    """One PDF of the HTML documents, each starting on a new page with its own page numbers."""
    from weasyprint import HTML  # imported when printing: it loads pango and fonts
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)  # nothing leaves the server
    documents = [HTML(string=page, url_fetcher=fetcher).render() for page in pages]
    return documents[0].copy([p for d in documents for p in d.pages]).write_pdf()


def print_records(session: Session, app: str, form_key: str, key: str, record_ids: list[int],
                  who: Principal) -> tuple[PrintDefinition, list[tuple[int, str]]]:
    """The template and each record's HTML, as the caller may read it."""
    if not record_ids:
        raise Invalid(_("The request is not valid."), errors=[FieldError("ids", "required", _(
            "Choose the records to print."))])
    if len(record_ids) > MAX_BATCH:
        raise Invalid(_("The request is not valid."), errors=[FieldError("ids", "max", _(
            "Print at most %(n)s records at once.", n=MAX_BATCH))])
    template = live_template(session, app, form_key, key)
    form = load_form(session, app, form_key)
    return template, [(rid, html(template, context(session, form, rid, who))) for rid in record_ids]
