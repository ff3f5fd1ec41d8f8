"""An import's problems as a workbook: one line per problem, headers in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from brickwork.engines.form.transfer.cells import neutralise
from brickwork.engines.form.transfer.importing import Problem
from brickwork.platform.i18n import _


def write_report(problems: Iterable[Problem], out: IO[bytes]) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(_("Problems"))
    sheet.append([_("Row"), _("Column"), _("Value"), _("Problem")])
    for p in problems:
        sheet.append([p.row, neutralise(p.column), neutralise(p.value), neutralise(p.message)])
    book.save(out)
