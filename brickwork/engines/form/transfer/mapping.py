"""Which column of a file fills which field: matched by label (any language) or key,
ignoring case and spaces; the person importing may change it before the import runs."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from brickwork.engines.form.access import Grant
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.forms import Form
from brickwork.engines.form.transfer.cells import NOT_FLAT
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _, pick

Mapping = dict[str, str | None]  # column header → field key (None: the column is left out)


def comparable(text: str) -> str:
    """"Customer Name", "customer_name " and "CUSTOMERNAME*" compare equal (full-width too)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s_*]+", "", text)


def importable(form: Form, grant: Grant, upsert_key: str | None = None) -> list[FieldDef]:
    """Fields a file may fill: writable and not set by the server (the upsert key may be
    read-only: it is only looked up)."""
    return [f for f in form.definition.fields if f.type not in NOT_FLAT and (
        f.key == upsert_key or (f.id in grant.writable and not REGISTRY[f.type].system))]


def suggest_mapping(form: Form, grant: Grant, headers: list[str], upsert_key: str | None = None) -> Mapping:
    names: dict[str, FieldDef] = {}
    for f in importable(form, grant, upsert_key):
        for name in [f.key, *(f.label.values() if isinstance(f.label, dict) else [f.label])]:
            names.setdefault(comparable(name), f)
    mapping: Mapping = {}
    used: set[str] = set()
    for header in headers:
        f = names.get(comparable(header))
        mapping[header] = f.key if f is not None and f.key not in used else None
        if f is not None:
            used.add(f.key)
    return mapping


def check_mapping(form: Form, grant: Grant, headers: list[str], mapping: Any, upsert_key: str | None) -> Mapping:
    """The mapping as given, or ``Invalid`` naming every problem: unknown columns or fields,
    a field filled twice, required fields no column fills, an upsert key no column fills."""
    errors: list[FieldError] = []
    if not isinstance(mapping, dict) or not all(isinstance(v, str | None) for v in mapping.values()):
        raise Invalid(_("The column mapping is not valid."), errors=[FieldError(
            "mapping", "type", _("Send the mapping as a JSON object: column header → field key or null."))])
    allowed = {f.key: f for f in importable(form, grant, upsert_key)}
    filled: dict[str, str] = {}
    for header, key in mapping.items():
        if header not in headers:
            errors.append(FieldError(f"mapping.{header}", "unknown_column", _("The file has no column %(name)s.",
                                                                               name=header)))
        elif key is None:
            continue
        elif key not in allowed:
            errors.append(FieldError(f"mapping.{header}", "unknown_field",
                                     _("%(name)s is not a field this import can fill.", name=key)))
        elif key in filled:
            errors.append(FieldError(f"mapping.{header}", "twice", _("The field %(name)s is filled by %(a)s and %(b)s.",
                                                                      name=key, a=filled[key], b=header)))
        else:
            filled[key] = header
    for f in form.definition.fields:
        if f.required and f.default is None and not REGISTRY[f.type].system and f.key not in filled:
            errors.append(FieldError(f"mapping.{f.key}", "required",
                                     _("No column fills the required field %(name)s.", name=pick(f.label))))
    if upsert_key is not None:
        if upsert_key not in form.by_key:
            errors.append(FieldError("upsert_key", "unknown_field", _("The form has no field %(name)s.",
                                                                     name=upsert_key)))
        elif upsert_key not in filled:
            errors.append(FieldError("upsert_key", "unmapped", _("No column fills the key field %(name)s.",
                                                                 name=upsert_key)))
    if errors:
        raise Invalid(_("The column mapping is not valid."), errors=errors)
    return {header: key for header, key in mapping.items() if key is not None}
