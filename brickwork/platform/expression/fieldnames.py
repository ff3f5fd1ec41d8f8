"""Field names in formula text: ``{Signed on}``, ``{签约日期}`` or a bare key resolve to the
field's id (the AST refers by id, C2); unknown names come back with a close match."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from brickwork.platform.expression.values import FieldInfo
from brickwork.platform.i18n import _


class NameProblem(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class FieldNames:
    def __init__(self, fields: Mapping[str, FieldInfo]) -> None:
        self.fields = fields
        self.exact: dict[str, set[str]] = {}
        self.folded: dict[str, set[str]] = {}
        for fid, info in fields.items():
            for name in (fid, info.key, *info.labels):
                if name:
                    self.exact.setdefault(name, set()).add(fid)
                    self.folded.setdefault(name.casefold(), set()).add(fid)

    def resolve(self, name: str) -> str:
        """The id of the field called ``name`` (its key, a label in any language, or its id)."""
        name = name.strip()
        if name in self.fields:
            return name
        keyed = [fid for fid, info in self.fields.items() if info.key == name]
        found = keyed or sorted(self.exact.get(name) or self.folded.get(name.casefold()) or ())
        if len(found) == 1:
            return found[0]
        if found:
            raise NameProblem("ambiguous_field", _(
                "Several fields are called %(name)s; use the field's key instead.", name=name))
        close = difflib.get_close_matches(name, list(self.exact), n=1, cutoff=0.6)
        if close:
            raise NameProblem("unknown_field", _("There is no field %(name)s. Did you mean %(suggestion)s?",
                                                 name=name, suggestion=close[0]))
        raise NameProblem("unknown_field", _("There is no field %(name)s.", name=name))

    def knows(self, name: str) -> bool:
        try:
            self.resolve(name)
        except NameProblem:
            return False
        return True

    def name_of(self, fid: str) -> str:
        info = self.fields.get(fid)
        return info.key if info is not None and info.key else fid
