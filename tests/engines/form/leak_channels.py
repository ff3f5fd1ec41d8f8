"""Every way a person can learn something about records: the channels the permission matrix
(test_access_matrix.py) probes for leaks. A new way to read records (a report, a flow page)
registers here with ``@channel("name")``, so the matrix checks it for every role without
anyone remembering to.

A channel takes a ``Probe`` (the caller's client and the records around them) and returns
text: everything the caller is shown. The matrix runs every channel twice, before and after
the records and fields the caller may not read change, and requires the two answers to be
the same and free of the hidden values: what the caller sees must not depend on what they
may not see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.testclient import TestClient

APP = "/api/v1/apps/crm"
PAGES = "/apps/crm/forms"


@dataclass
class Probe:
    client: TestClient  # the role's person, through the API (a bearer token)
    pages: TestClient  # the same person, signed in to the pages
    readable: set[str]  # forms the role may read
    mine: dict[str, int]  # form key → a record of the caller's (linking to hidden things)
    secret: dict[str, int]  # form key → a record the caller may not read (or hides fields of)
    hidden_field: tuple[str, str]  # (form key, field key) the caller may not read
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, url: str, **params: Any) -> str:
        answer = (self.pages if url.startswith("/apps/") else self.client).get(url, params=params)
        return f"{answer.status_code} {_plain(answer.text)}"


CHANNELS: dict[str, Callable[[Probe], str]] = {}


def channel(name: str):
    def register(fn: Callable[[Probe], str]) -> Callable[[Probe], str]:
        CHANNELS[name] = fn
        return fn
    return register


def _plain(text: str) -> str:
    """Without what differs from one request to the next anyway (CSRF tokens)."""
    text = re.sub(r'(name="csrf_token" value=|name="csrf-token" content=)"[^"]*"', r"\1", text)
    return re.sub(r'csrf[^"]*"[^"]{20,}"', "csrf", text)


def _records(form_key: str) -> str:
    return f"{APP}/forms/{form_key}/records"


def _each(probe: Probe, fn: Callable[[str], str]) -> str:
    return "\n".join(f"{key}: {fn(key)}" for key in sorted(probe.readable))


@channel("list")
def _list(probe: Probe) -> str:
    return _each(probe, lambda key: probe.get(_records(key), limit=500))


@channel("get")
def _get(probe: Probe) -> str:
    return "\n".join(probe.get(f"{_records(key)}/{rid}") for key, rid in sorted(probe.mine.items()))


def _ref_filters(probe: Probe, form_key: str) -> list[dict[str, Any]]:
    """A comparison on every field of the form, against a value that may match a hidden one."""
    keys = probe.extra["fields"][form_key]
    return [{"fn": ">", "args": [{"ref": key}, {"lit": "1", "type": "number"}]} for key in keys["numbers"]] + [
        {"fn": "CONTAINS", "args": [{"ref": key}, {"lit": "SECRET", "type": "text"}]} for key in keys["texts"]]


@channel("filter")
def _filter(probe: Probe) -> str:
    return _each(probe, lambda key: " | ".join(
        probe.get(_records(key), filter=json.dumps(f)) for f in _ref_filters(probe, key)))


@channel("sort")
def _sort(probe: Probe) -> str:
    def ids(key: str) -> str:
        found = []
        for name in probe.extra["fields"][key]["numbers"] + probe.extra["fields"][key]["texts"]:
            answer = probe.client.get(_records(key), params={"sort": name, "fields": "id", "limit": 500})
            found.append(f"{name}:{answer.status_code}:" + (
                ",".join(str(r["id"]) for r in answer.json()["items"]) if answer.status_code == 200 else ""))
        return " ".join(found)
    return _each(probe, ids)


@channel("q")
def _q(probe: Probe) -> str:
    return _each(probe, lambda key: probe.get(_records(key), q="SECRET"))


@channel("pick")
def _pick(probe: Probe) -> str:
    return _each(probe, lambda key: probe.get(f"{_records(key)}:pick", q="SECRET") + probe.get(f"{_records(key)}:pick"))


@channel("history")
def _history(probe: Probe) -> str:
    return "\n".join(probe.get(f"{_records(key)}/{rid}/history") for key, rid in sorted(probe.mine.items()))


@channel("related")
def _related(probe: Probe) -> str:
    return "\n".join(probe.get(f"{_records(key)}/{rid}/related") for key, rid in sorted(probe.mine.items()))


@channel("export")
def _export(probe: Probe) -> str:
    return _each(probe, lambda key: probe.get(f"{_records(key)}:export", format="csv"))


@channel("import")
def _import(probe: Probe) -> str:
    """A check run (nothing written) naming the hidden customer by its first title."""
    title = probe.extra["secret_title"]
    found = []
    for key in ("opportunities", "tickets"):
        sheet = f"name,title,customer\nprobe,probe,{title}\n".encode()
        answer = probe.client.post(f"{_records(key)}:import", files={"file": ("probe.csv", sheet, "text/csv")},
                                   data={"check": "true"})
        found.append(f"{answer.status_code} {answer.text}".replace(title, "<the title sent>"))
    return "\n".join(found)


@channel("link")
def _link(probe: Probe) -> str:
    """Linking to the hidden customer must read as linking to one that does not exist."""
    found = []
    for key in ("opportunities", "tickets"):
        if probe.extra["customer_readable"]:
            continue
        name = "name" if key == "opportunities" else "title"
        answers = [probe.client.post(_records(key), json={name: "x", "customer": rid})
                   for rid in (probe.secret["customers"], 99999)]
        texts = [a.text.replace(f"record {rid} ", "record N ")
                 for a, rid in zip(answers, (probe.secret["customers"], 99999), strict=True)]
        found.append("same" if texts[0] == texts[1] and answers[0].status_code == answers[1].status_code
                     else f"LEAK: {texts[0]} vs {texts[1]}")
    return "\n".join(found)


@channel("lookups")
def _lookups(probe: Probe) -> str:
    return probe.get(f"{_records('opportunities')}/{probe.mine['opportunities']}") \
        if "opportunities" in probe.readable else ""


@channel("rollups")
def _rollups(probe: Probe) -> str:
    return probe.get(f"{_records('customers')}/{probe.mine['customers']}", fields="won_amount,followup_count")


@channel("titles")
def _titles(probe: Probe) -> str:
    return "\n".join(probe.get(f"{PAGES}/{key}/records/{rid}") for key, rid in sorted(probe.mine.items()))


@channel("pages")
def _pages(probe: Probe) -> str:
    found = []
    for key in sorted(probe.readable):
        found.append(probe.get(f"{PAGES}/{key}"))
        found.append(probe.get(f"{PAGES}/{key}/kanban"))
    for key, rid in sorted(probe.mine.items()):
        found.append(probe.get(f"{PAGES}/{key}/records/{rid}/edit"))
    return "\n".join(found)


@channel("menu")
def _menu(probe: Probe) -> str:
    """The role menu (API and the app's page) lists forms, never what is in them."""
    return probe.get(f"{APP}/menu") + "\n" + probe.get("/apps/crm")


@channel("preview")
def _preview(probe: Probe) -> str:
    """"See this form as": a designer's tool; the role may not look through another person's eyes."""
    return "\n".join(probe.get(f"{_records(key).removesuffix('/records')}/preview/1") for key in sorted(probe.secret))


@channel("roles")
def _roles(probe: Probe) -> str:
    """The app's roles and their members are for its designers."""
    return probe.get(f"{APP}/roles") + probe.get("/apps/crm/forms/customers/permissions")


@channel("report")
def _report(probe: Probe) -> str:
    """An ad-hoc report per form: the count, and the sum of each number field, grouped by each
    text field. A total must be built only from what the caller may read."""
    def totals(key: str) -> str:
        fields = probe.extra["fields"][key]
        measures = [{"id": "n", "agg": "count"}] + [
            {"id": f"s_{name}", "agg": "sum", "field": name} for name in fields["numbers"]]
        found = []
        for dimensions in [[]] + [[{"id": "g", "field": name}] for name in fields["texts"]]:
            for measure in measures:
                answer = probe.client.post(f"{APP}/reports:query", json={"query": {
                    "source": {"form": key}, "dimensions": dimensions, "measures": [measure]}})
                found.append(f"{answer.status_code} {_plain(answer.text)}")
        return " | ".join(found)
    return _each(probe, totals)


@channel("report-pages")
def _report_pages(probe: Probe) -> str:
    """The reports and dashboards list, and the designer's page (for the app's designers
    only): the forms and fields they offer are those the caller may read."""
    return probe.get("/apps/crm/reports") + probe.get("/apps/crm/reports/probe/design") \
        + probe.get("/apps/crm/dashboards/probe")


@channel("duplicates")
def _duplicates(probe: Probe) -> str:
    """Likely duplicates (customers and contacts detect them): the scan, and the warning a save answers with."""
    scans = _each(probe, lambda key: probe.get(f"{APP}/forms/{key}/duplicates"))
    pages = "\n".join(probe.get(f"/apps/crm/forms/{key}/duplicates") for key in sorted(probe.readable))
    return f"{scans}\n{pages}"


@channel("rule-runs")
def _rule_runs(probe: Probe) -> str:
    """The rules that ran on the caller's own records."""
    return "\n".join(probe.get(f"{_records(key)}/{rid}/rule-runs") for key, rid in sorted(probe.mine.items()))


@channel("audit")
def _audit(probe: Probe) -> str:
    """The audit log holds every before and after: for administrators and the app's designers only,
    through the API, the pages and the export."""
    secret = probe.secret["customers"]
    found = [probe.get("/api/v1/audit"), probe.get("/api/v1/audit", app="crm"),
             probe.get("/api/v1/audit", app="crm", form="customers", record=str(secret)),
             probe.get("/apps/crm/audit"), probe.get("/apps/crm/audit.xlsx", form="customers")]
    for url in ("/admin/audit", "/admin/audit.xlsx"):
        answer = probe.pages.get(url, params={"app": "crm"})
        found.append(f"{answer.status_code} {_plain(answer.text)}")
    return "\n".join(found)


@channel("suggestions")
def _suggestions(probe: Probe) -> str:
    """Suggested links (a ticket's knowledge articles, by likeness of text): on the caller's
    own ticket only articles they may read, compared on fields they may read; on a ticket
    they may not read, the answer of one that does not exist."""
    rids = [probe.mine.get("tickets"), probe.secret.get("tickets")]
    return "\n".join(probe.get(f"{_records('tickets')}/{rid}/suggestions/knowledge") for rid in rids if rid)


@channel("home")
def _home(probe: Probe) -> str:
    """The dashboard the app opens on for the caller's role, as data (its page is ``/apps/crm``,
    in "menu"): every figure built from what they may read."""
    return probe.get(f"{APP}/home")

