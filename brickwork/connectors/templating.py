"""Templates that app builders write (mail subjects and bodies, chat messages, HTTP bodies),
rendered in Jinja2's sandbox over the trigger's record.

The context: ``record`` (each field's value as people read it, by key: option labels, user
names, dates in the template's language), ``raw`` (the API values), ``label`` (each field's
label in that language), ``form``, ``app``, ``record_id``, ``links`` (the addresses of the
fill links an earlier ``request_fill`` of the run made, by name: ``{{ links.fill }}``). A
template is a text, or a text per language (``{"zh-CN": ..., "en": ...}``) of which the message's language is picked.
Missing names render empty rather than failing a send.
"""

from __future__ import annotations

from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from brickwork.connectors import config
from brickwork.engines.form.display import Names, display
from brickwork.platform.errors import FieldError
from brickwork.platform.i18n import _, current_locale

MAX_CHARS = 100_000  # a rendered template longer than this is cut (a runaway loop stays bounded)
_TEXT = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)
_HTML = SandboxedEnvironment(autoescape=True, keep_trailing_newline=True)


def pick(template: Any, locale: str) -> str:
    """The template's text for the language: the one asked for, else English, else any."""
    if isinstance(template, dict):
        return str(template.get(locale) or template.get("en") or next(iter(template.values()), "") or "")
    return "" if template is None else str(template)


def render(template: Any, context: dict[str, Any], locale: str, *, html: bool = False) -> str:
    text = pick(template, locale)
    if not text:
        return ""
    token = current_locale.set(locale)
    try:
        return (_HTML if html else _TEXT).from_string(text).render(context)[:MAX_CHARS]
    finally:
        current_locale.reset(token)


def check(template: Any, path: str) -> list[FieldError]:
    """Syntax errors of a template (each language's text), for the rule's check at save time."""
    texts = template.items() if isinstance(template, dict) else [("", template)]
    errors = []
    for locale, text in texts:
        if text is None:
            continue
        if not isinstance(text, str):
            errors.append(FieldError(path, "type", _("Give the template as text.")))
            continue
        try:
            _TEXT.parse(text)
        except TemplateError as exc:
            where = f"{path}.{locale}" if locale else path
            errors.append(FieldError(where, "template", _("The template cannot be read: %(reason)s",
                                                          reason=str(exc))))
    return errors


def record_context(run: Any, locale: str) -> dict[str, Any]:
    """The context of a rule run's record, read as the run's user sees it, in ``locale``."""
    base = config.settings().public_url
    context: dict[str, Any] = {"app": run.app, "record_id": run.record_id, "record": {}, "raw": {}, "label": {},
                               "payload": run.payload,
                               # the fill links an earlier action of the run made (request_fill), as addresses
                               "links": {name: base + path for name, path in getattr(run, "links", {}).items()}}
    form = run.form
    if form is None:
        return context
    context["form"] = form.key
    context["label"] = {f.key: pick(f.label, locale) for f in form.definition.fields}
    if run.record_id is None or run.deleted:
        return context
    service = run.service()
    record = service.get(run.record_id)
    token = current_locale.set(locale)
    try:
        names = Names(run.session, form.definition.fields, [record], run.app, who=run.who)
        context["record"] = {f.key: display(f, record.get(f.key), names) for f in form.definition.fields}
    finally:
        current_locale.reset(token)
    context["raw"] = {f.key: record.get(f.key) for f in form.definition.fields}
    context["record"]["id"] = run.record_id
    return context
