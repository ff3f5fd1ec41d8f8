"""An import's problems as a workbook: one line per problem, headers in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from brickwork.engines.form.transfer.cells import neutralise
from brickwork.engines.form.transfer.importing import Problem
from brickwork.engines.form.transfer.sheets import Sheet
from brickwork.platform.i18n import _


def write_report(problems: Iterable[Problem], out: IO[bytes]) -> None:
    sheet = Sheet(out, _("Problems"))
    try:
        sheet.append([_("Row"), _("Column"), _("Value"), _("Problem")])
        for p in problems:
            sheet.append([p.row, neutralise(p.column), neutralise(p.value), neutralise(p.message)])
    except BaseException:
        sheet.abandon()
        raise
    sheet.save()
