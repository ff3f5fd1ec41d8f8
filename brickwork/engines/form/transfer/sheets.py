"""An xlsx file written a row at a time (openpyxl's write-only workbook), ended on every path.

openpyxl writes the rows to a temporary file through generators that stay open until the
sheet is closed. A workbook dropped half-written keeps them open: the file stays in the temp
directory until the process exits, and when the generators are collected they write to a
closed file ("I/O operation on closed file", reported as an unraisable exception). So a
sheet is either saved or abandoned, never dropped.
"""

from __future__ import annotations

import contextlib
import os
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZipFile

from brickwork.engines.form.transfer.cells import printable


class Sheet:
    def __init__(self, out: IO[bytes], title: str | None = None):
        import openpyxl

        self.out, self.book = out, openpyxl.Workbook(write_only=True)
        self.sheet = self.book.create_sheet(title)

    def append(self, cells: list[Any]) -> None:
        """A row; text with control characters xlsx cannot hold shows them as pictures."""
        self.sheet.append([printable(cell) if isinstance(cell, str) else cell for cell in cells])

    def save(self) -> None:
        """``book.save`` through a zip archive of our own: when ``out`` fails, openpyxl's
        archive would be left open and fail again when collected; this one is closed."""
        from openpyxl.writer.excel import ExcelWriter

        archive = ZipFile(self.out, "w", ZIP_DEFLATED, allowZip64=True)
        try:
            ExcelWriter(self.book, archive).save()  # closes the archive
        except BaseException:
            with contextlib.suppress(Exception):
                archive.close()  # it lets go of ``out`` even when the last write fails
            self.abandon()
            raise

    def abandon(self) -> None:
        """End the row writer and remove its temporary file, keeping whatever error brought
        us here (a row that failed may have left the writer unable to finish its XML)."""
        writer = self.sheet._writer
        if not self.sheet.closed:
            try:
                self.sheet.close()
            except Exception:
                if writer is not None:
                    with contextlib.suppress(Exception):
                        writer.close()
        if writer is not None and os.path.exists(writer.out):
            writer.cleanup()
