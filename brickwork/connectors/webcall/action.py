"""The rule action ``http_call``: a request to another system (an ERP, a finance system)
with method, URL, headers and body rendered in Jinja2's sandbox over the trigger's record,
and the JSON answer mapped back into the record's fields through the record service.

Settings: ``method``; ``url`` (a template; relative to the connection's base URL when a
``connection`` of the ``http`` connector is named, which also adds its sealed
``Authorization`` header); ``headers`` (name → template); ``body`` (a template; sent as JSON
when it reads as JSON); ``timeout`` (seconds, at most 30); ``response`` (field key → a dotted
path in the answer's JSON, ``data.items.0.id``).

The call runs inside the rule run (its answer is needed for the mapping). The outbound
guard refuses inside addresses; a refusal or a 4xx fails the run; a network error or a 5xx
raises, so the jobs floor retries the whole run with backoff, and the request carries an
``Idempotency-Key`` that stays the same across those retries."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

from brickwork.connectors import outbound, templating
from brickwork.connectors.actions import connection_for, delivery_key, locale_of, needs
from brickwork.connectors.service import open_connection, scrub
from brickwork.engines.rules.actions import ActionType
from brickwork.engines.rules.context import as_input
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_TIMEOUT = 30.0


class CallFailed(Exception):
    """The other system could not be reached or failed (5xx): worth trying again."""


def dig(data: Any, path: str) -> Any:
    for part in str(path).split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def run_http_call(run: Any, settings: dict[str, Any]) -> dict[str, Any]:
    locale = locale_of(settings)
    context = templating.record_context(run, locale)
    url = templating.render(settings.get("url"), context, locale).strip()
    headers = {str(k): templating.render(v, context, locale) for k, v in (settings.get("headers") or {}).items()}
    secrets: list[str] = []
    if settings.get("connection"):
        opened = open_connection(connection_for(run, settings, ("http",)))
        url = urljoin(opened.settings.base_url, url)
        if opened.settings.authorization:
            headers["Authorization"] = opened.settings.authorization
        secrets = opened.secret_values()
    body_text = templating.render(settings.get("body"), context, locale) if settings.get("body") else None
    if body_text is not None and not any(k.lower() == "content-type" for k in headers):
        try:
            json.loads(body_text)
            headers["Content-Type"] = "application/json; charset=utf-8"
        except ValueError:
            headers["Content-Type"] = "text/plain; charset=utf-8"
    headers["Idempotency-Key"] = delivery_key(run)
    method = str(settings.get("method", "POST")).upper()
    if run.dry:
        return {"method": method, "url": scrub(url, secrets), "would_call": True}
    try:
        answer = outbound.request(method, url, headers=headers, timeout=min(float(settings.get("timeout", 10)),
                                  MAX_TIMEOUT), body=body_text.encode("utf-8") if body_text is not None else None)
    except outbound.Refused as exc:
        raise Invalid(_("The HTTP call was refused."), detail=str(exc)) from None
    except OSError as exc:
        raise CallFailed(scrub(f"{method} {url}: {type(exc).__name__}: {exc}", secrets)) from None
    if answer.status >= 500:
        raise CallFailed(scrub(f"{method} {url}: HTTP {answer.status}: {answer.text(300)}", secrets))
    if answer.status >= 300:
        raise Invalid(_("The other system refused the call."),
                      detail=scrub(f"HTTP {answer.status}: {answer.text(300)}", secrets))
    mapped = _map_back(run, settings.get("response") or {}, answer)
    return {"method": method, "url": scrub(url, secrets), "status": answer.status, "mapped": mapped}


def _map_back(run: Any, mapping: dict[str, str], answer: outbound.Answer) -> dict[str, Any]:
    if not mapping or run.record_id is None or run.deleted:
        return {}
    try:
        data = answer.json()
    except ValueError:
        raise Invalid(_("The answer is not JSON, so no field can be filled from it."),
                      detail=answer.text(200)) from None
    values = {key: as_input(dig(data, path)) for key, path in mapping.items()}
    service = run.service()
    row = service.row(run.record_id, lock=True)
    service.update(run.record_id, values, row.version)
    return values


def check(settings: dict[str, Any]) -> list[FieldError]:
    errors = needs(settings, "url")
    if str(settings.get("method", "POST")).upper() not in METHODS:
        errors.append(FieldError("method", "choice", _("Give one of: %(choices)s.", choices=", ".join(METHODS))))
    for name in ("url", "body"):
        errors += templating.check(settings.get(name), name)
    if not isinstance(settings.get("headers") or {}, dict):
        errors.append(FieldError("headers", "type", _("Give the headers as names and templates.")))
    if not isinstance(settings.get("response") or {}, dict):
        errors.append(FieldError("response", "type", _("Map field keys to paths in the answer.")))
    try:
        if not 0 < float(settings.get("timeout", 10)) <= MAX_TIMEOUT:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(FieldError("timeout", "range", _("Give seconds from more than 0 up to %(n)s.", n=30)))
    return errors


HTTP_CALL = ActionType("http_call", run_http_call, check)
