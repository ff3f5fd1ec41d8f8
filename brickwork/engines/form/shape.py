"""What of a record an answer carries: ``?fields=`` on reads and writes, and the minimal
answer (``Prefer: return=minimal``) of a write.

``fields`` names field keys, and may name the record's own parts ``id``, ``version`` and
``_meta``. Naming none of those keeps them all (as before they could be named), so
``fields=name`` still answers ``id``, ``version``, ``name`` and ``_meta``; naming any
keeps only what is named, and ``id`` always: ``fields=id,version`` is the smallest answer
there is, what a program that wrote a batch needs to write again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _

OWN = ("id", "version", "_meta")  # a record's parts that are no field


@dataclass(frozen=True)
class Shape:
    keys: set[str] | None  # field keys to answer (None: every readable one)
    own: tuple[str, ...] = OWN  # the record's own parts to answer

    @property
    def reads_back(self) -> bool:
        """Whether the answer needs more of a changed record than its id and version."""
        return not (self.keys == set() and "_meta" not in self.own)

    def __call__(self, record: dict[str, Any]) -> dict[str, Any]:
        if self.keys is None and self.own == OWN:
            return record
        return {k: v for k, v in record.items()
                if k in self.own or (k not in OWN and (self.keys is None or k in self.keys))}


EVERYTHING = Shape(None)
MINIMAL = Shape(set(), ("id", "version"))


def shape_of(form, fields: str | None, *, minimal: bool = False) -> Shape:
    """The shape ``fields`` asks for (422 on ``fields`` naming what the form has not);
    ``minimal``: id and version, whatever ``fields`` says (``Prefer: return=minimal``)."""
    if minimal:
        return MINIMAL
    if not fields:
        return EVERYTHING
    names = {n.strip() for n in fields.split(",") if n.strip()}
    unknown = sorted(n for n in names if n not in form.by_key and n not in OWN)
    if unknown:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "fields", "unknown", _("The form has no field %(name)s.", name=", ".join(unknown)))])
    own = tuple(n for n in OWN if n in names or n == "id") if names & set(OWN) else OWN
    return Shape(names - set(OWN), own)
