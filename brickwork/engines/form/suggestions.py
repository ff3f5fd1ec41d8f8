"""Suggested links: the records of a relation's form most like this record's text (a
ticket's knowledge articles), for its page to offer with one click (the field's
``suggest`` setting).

Ranking is rapidfuzz's ``token_set_ratio`` over character bigrams: Chinese has no spaces
between words, so a word-token ratio sees one long token per sentence; bigrams of each run
of Chinese characters (and whole Latin words) make "打印机显示离线" share "打印", "离线"
with "打印机离线排查". Measured on real tickets and articles (tests/engines/form/
test_suggestions.py) it puts the article about the problem first, where ``partial_ratio``
on the raw text favours long articles sharing a few characters. The first target field (an
article's title) counts twice. Only records the caller may read are candidates, compared
only on fields they may read.
"""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select

from brickwork.engines.form.forms import load_form, title_of
from brickwork.engines.form.records import RecordService
from brickwork.platform.errors import NotFound
from brickwork.platform.i18n import _

CANDIDATES = 2000  # the most records of the linked form compared (the newest first)
MIN_SCORE = 30  # below this, a record shares little more than common characters
_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\W_]+")


def grams(text: str) -> str:
    """The text as tokens: each Latin word or number whole, each run of Chinese characters
    as its overlapping character pairs (a single character alone)."""
    tokens = []
    for run in _RUNS.findall(text.lower()):
        if "\u3400" <= run[0] <= "\u9fff" or "\uf900" <= run[0] <= "\ufaff":
            tokens += [run[i:i + 2] for i in range(max(len(run) - 1, 1))]
        else:
            tokens.append(run)
    return " ".join(tokens)


def score(source: str, targets: list[str]) -> float:
    """How alike the texts are, 0 to 100: the first target counts twice."""
    weights = [2.0] + [1.0] * (len(targets) - 1)
    parts = [(w, fuzz.token_set_ratio(source, t) if t else 0.0) for w, t in zip(weights, targets, strict=True)]
    return sum(w * s for w, s in parts) / sum(weights)


def suggestions(service: RecordService, record_id: int, field_key: str) -> dict[str, Any]:
    """The relation's suggested records for this record, best first: id, title, score; those
    linked already are left out. Nothing when the caller may not read the linked form."""
    field = service.form.by_key.get(field_key)
    if field is None or field.type != "relation" or field.suggest is None:
        raise NotFound(_("The form has no relation %(name)s with suggestions.", name=field_key))
    record = service.get(record_id)
    found: dict[str, Any] = {"field": field.key, "form": field.target, "items": []}
    suggest = field.suggest
    source = grams(" ".join(str(record.get(k) or "") for k in suggest.source_fields))
    if not source or field.id not in service.grant.readable:
        return found
    other = RecordService(service.session, load_form(service.session, service.form.app.key, field.target),
                          service.who)
    if "read" not in other.grant.actions:
        return found
    theirs = [other.form.by_key[k] for k in suggest.target_fields
              if k in other.form.by_key and other.form.by_key[k].id in other.grant.readable]
    title = title_of(other.form.definition)
    if not theirs:
        return found
    table = other.table
    query = select(table).where(table.c.deleted_at.is_(None), other.grant.scope)
    if suggest.filter is not None:
        query = query.where(other.compile_condition(suggest.filter, check_readable=False))
    linked = record.get(field.key)
    linked = set(linked if isinstance(linked, list) else [linked] if linked else [])
    ranked = []
    for row in other.db.execute(query.order_by(table.c.id.desc()).limit(CANDIDATES)):
        if row.id in linked:
            continue
        values = other.logical(row)
        alike = score(source, [grams(str(values.get(f.id) or "")) for f in theirs])
        if alike >= MIN_SCORE:
            shown = values.get(title.id) if title is not None and title.id in other.grant.readable else None
            ranked.append({"id": row.id, "title": str(shown) if shown is not None else f"#{row.id}",
                           "score": round(alike, 1)})
    ranked.sort(key=lambda r: (-r["score"], -r["id"]))
    found["items"] = ranked[:suggest.limit]
    return found
