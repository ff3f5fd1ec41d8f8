"""One problem of an import, as every import reports it (records, the org chart): the row
as numbered in the file, the column, the value found and what is wrong with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Problem:
    row: int  # as numbered in the file (the header is usually row 1)
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}
