"""Reading an uploaded table (xlsx or csv) one row at a time, never the whole file at once.

A csv's encoding is found by decoding the whole file as strict UTF-8 in chunks, then as
GB18030 (a superset of GBK, what a Chinese Excel writes); a BOM decides at once.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _

ZIP_MAGIC = b"PK\x03\x04"
CHUNK = 1 << 16
# The name a person reads, by the codec Python uses.
ENCODINGS = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "gb18030": "GBK/GB18030", "utf-16": "UTF-16"}
DELIMITERS = (",", "\t", ";")


@dataclass
class Table:
    kind: str  # "xlsx" or "csv"
    encoding: str | None  # for csv: the encoding that was used, as people name it
    headers: list[str]
    rows: Iterator[tuple[int, dict[str, Any]]]  # (row number in the file, cell by header), blank rows left out
    lines: int | None = None  # lines the file has, header included, as far as known without reading it (progress)


def bad_file(code: str, message: str) -> Invalid:
    return Invalid(_("The file cannot be imported."), errors=[FieldError("file", code, message)])


def open_table(stream: IO[bytes], filename: str = "") -> Table:
    """The header row and a lazy iterator over the other rows. ``stream`` must be seekable."""
    stream.seek(0)
    magic = stream.read(4)
    stream.seek(0)
    name = filename.lower()
    if magic == ZIP_MAGIC:
        return _xlsx(stream)
    if name.endswith((".xls", ".xlsx", ".xlsm", ".numbers", ".ods", ".pdf", ".zip")) or b"\x00" in magic[:2] \
            and not magic.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise bad_file("format", _("Upload an Excel workbook (.xlsx) or a CSV file."))
    return _csv(stream)


def _xlsx(stream: IO[bytes]) -> Table:
    import openpyxl  # imported when needed: it is large
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise bad_file("format", _("This is not an Excel workbook (.xlsx) that can be read.")) from None
    sheet = book.worksheets[0]
    lines = enumerate(sheet.iter_rows(values_only=True), start=1)

    def close() -> None:
        book.close()

    table = _table("xlsx", None, lines, close)
    table.lines = sheet.max_row  # the sheet's recorded dimension, if any
    return table


def _csv(stream: IO[bytes]) -> Table:
    encoding = detect_encoding(stream)
    count = _line_count(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    first = text.readline()
    text.seek(0)
    delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(text, delimiter=delimiter)
    lines = ((number, [cell if cell.strip() else None for cell in line])
             for number, line in enumerate(reader, start=1))
    table = _table("csv", ENCODINGS[encoding], lines, text.detach)
    table.lines = count
    return table


def _line_count(stream: IO[bytes]) -> int:
    """Line breaks in the bytes (quoted breaks count too: it is for a progress bar)."""
    stream.seek(0)
    count, last = 0, b""
    while chunk := stream.read(CHUNK):
        count += chunk.count(b"\n")
        last = chunk
    stream.seek(0)
    return count + (1 if last and not last.endswith(b"\n") else 0)


def detect_encoding(stream: IO[bytes]) -> str:
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        try:
            while chunk := stream.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
        finally:
            stream.seek(0)
    raise bad_file("encoding", _("The file's text encoding is not UTF-8 or GBK. Save it as CSV UTF-8 and try again."))


def _table(kind: str, encoding: str | None, lines: Iterator[tuple[int, Any]], close) -> Table:
    """The first row with any text is the header; blank header cells leave their column out."""
    for _number, line in lines:
        if line and any(not _blank(cell) for cell in line):
            headers = _headers(line)
            break
    else:
        close()
        raise bad_file("header", _("The file has no header row: put the column names in the first row."))
    columns = [(i, h) for i, h in enumerate(headers) if h]

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for number, line in lines:
                cells = {h: _cell(line[i]) if i < len(line) else None for i, h in columns}
                if any(v is not None for v in cells.values()):
                    yield number, cells
        finally:
            close()

    return Table(kind, encoding, [h for _i, h in columns], rows())


def _headers(line) -> list[str]:
    """Header texts, trimmed; a repeated header gets " (2)", " (3)"... so each column has a name."""
    seen: dict[str, int] = {}
    headers = []
    for cell in line:
        text = "" if _blank(cell) else str(cell).strip()
        if text:
            seen[text] = seen.get(text, 0) + 1
            if seen[text] > 1:
                text = f"{text} ({seen[text]})"
        headers.append(text)
    return headers


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _cell(value: Any) -> Any:
    """Blank cells are None; whole numbers Excel keeps as floats become ints."""
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
