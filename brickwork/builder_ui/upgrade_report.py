"""An upgrade's report as people read it on the gallery page: each JSON path of the merge
(``form/customers.fields[cus_industry].label.zh-CN``) turned into the definition, the
element and the property it names, in the reader's language, with the labels the app has
now (``客户 › 字段 所属行业 › 名称 (zh-CN)``)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from brickwork.platform.i18n import _, pick

HEAD = re.compile(r"([^.\[]+)(.*)")
STEP = re.compile(r"\.([^.\[]+)|\[([^\]]+)\]")


def kind_label(kind: str) -> str:
    return {"form": _("Form"), "rule": _("Rule"), "flow": _("Approval flow"), "report": _("Report"),
            "dashboard": _("Dashboard"), "print": _("Print template"), "views": _("Shared views")}.get(kind, kind)


def element_label(items: str) -> str:
    """What one element of a definition's list is called (``fields`` → field)."""
    return {"fields": _("Field"), "options": _("Option"), "sections": _("Section"), "rules": _("Validation rule"),
            "views": _("View"), "charts": _("Chart"), "branches": _("Branch"), "columns": _("Column"),
            "actions": _("Action")}.get(items, items)


def property_label(name: str) -> str:
    return {"label": _("Name"), "name": _("Name"), "description": _("Description"), "required": _("Required"),
            "default": _("Default value"), "options": _("Options"), "permissions": _("Permissions"),
            "layout": _("Layout"), "config": _("Settings"), "duplicates": _("Duplicates")}.get(name, name)


@dataclass(frozen=True)
class Where:
    steps: list[str]  # the definition, then each element down to the one changed
    prop: str  # the property of the last step ("" for the element itself)
    path: str  # as the merge wrote it, for the record


def where(path: str, app_file: dict[str, Any]) -> Where:
    """The places ``path`` names, labelled from the app's file as it is now."""
    found = HEAD.match(path)
    head, rest = found.groups() if found else (path, "")
    if "/" in head:
        kind, key = head.split("/", 1)
        node: Any = next((d for d in app_file.get("definitions", {}).get(kind, []) if d.get("key") == key), None)
        steps = [f"{kind_label(kind)} {_title(node, key)}"]
    else:  # a part of the file (shared views): its elements come next
        node, steps = app_file.get(head, []), [kind_label(head)]
    tokens = STEP.findall(rest)
    prop: list[str] = []
    for i, (name, ident) in enumerate(tokens):
        if ident:
            items = node if isinstance(node, list) else []
            node = next((x for x in items if isinstance(x, dict) and x.get("id") == ident), None)
            listed = tokens[i - 1][0] if i and tokens[i - 1][0] else head
            steps.append(f"{element_label(listed)} {_title(node, ident)}")
            prop = []
        elif i + 1 < len(tokens) and tokens[i + 1][1]:
            node = node.get(name) if isinstance(node, dict) else None  # the list the next element is in
        else:
            node = node.get(name) if isinstance(node, dict) else None
            prop.append(name)
    return Where(steps, _property(prop), path)


def _title(node: Any, fallback: str) -> str:
    label = pick(node.get("label") or node.get("name") or {}) if isinstance(node, dict) else ""
    label = label if isinstance(label, str) else ""
    return f"{label} ({fallback})" if label and label != fallback else fallback


def _property(names: list[str]) -> str:
    if not names:
        return ""
    first, rest = names[0], names[1:]
    return " · ".join([property_label(first), *rest])


def shown(value: Any) -> str:
    """A value of the report as one line: a text in both languages shows both."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def readable(report: dict[str, Any], app_file: dict[str, Any]) -> dict[str, Any]:
    """The report with each path described: ``edits``, ``kept``, ``replaced`` and
    ``published`` as places, each conflict as its place with the two values."""
    return {
        **report,
        "edits": [where(p, app_file) for p in report.get("edits", [])],
        "kept": [where(p, app_file) for p in report.get("kept", [])],
        "replaced": [where(p, app_file) for p in report.get("replaced", [])],
        "published": [where(p, app_file) for p in report.get("published", [])],
        "conflicts": [{"where": where(c["path"], app_file), "mine": shown(c.get("mine")),
                       "theirs": shown(c.get("theirs"))} for c in report.get("conflicts", [])],
    }
