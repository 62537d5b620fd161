"""Writing the portal's spreadsheets: every CSV and XLSX cell it gives out is inert.

Names, codes and descriptions come in as people typed them, and a value such as
`=HYPERLINK(…)` or `@SUM(1+1)*cmd|…` would run as a formula in the reader's spreadsheet
(CSV or formula injection). XLSX cells are typed as text. CSV has no types, so a text that
starts like a formula gets a single quote in front, as OWASP recommends; Excel and LibreOffice
show the text, and ordinary values are written byte for byte as before.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse
from openpyxl.cell import Cell, WriteOnlyCell

# What spreadsheets read as the start of a formula (OWASP: CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BYTE_ORDER_MARK = "\ufeff"
# A streamed CSV is sent in pieces of this many lines, never held whole in memory.
CSV_LINES_PER_PIECE = 1_000


def inert_row(row: Sequence) -> list:
    """A CSV row no spreadsheet runs: text starting like a formula gets a leading `'`. A row
    at a time: at 1.96 million rows a call per cell cost a third of the export's own time."""
    return [
        "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value
        for value in row
    ]


def csv_text(rows: Iterable[Sequence], *, line_end: str = "\n") -> Iterator[str]:
    """The rows as CSV, every cell inert, in pieces of CSV_LINES_PER_PIECE lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    for number, row in enumerate(rows, start=1):
        writer.writerow(inert_row(row))
        if number % CSV_LINES_PER_PIECE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if text := buffer.getvalue():
        yield text


def csv_download(pieces: Iterable[str], *, filename: str) -> StreamingHttpResponse:
    """A CSV file to download, UTF-8 with the byte-order mark: without it, Excel on Windows
    reads the file in the machine's code page and garbles the diacritics."""

    def content() -> Iterator[str]:
        yield BYTE_ORDER_MARK
        yield from pieces

    response = StreamingHttpResponse(content(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_cell(sheet, value) -> Cell:
    """A cell for `sheet.append` (a workbook's sheet or a write-only one) whose text stays
    text: openpyxl would store a string starting with `=` as a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        # Excel keeps such a cell text even when someone edits it.
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    return cell


def append_row(sheet, values: Iterable) -> None:
    """Append one row of inert cells below the sheet's last row."""
    sheet.append([xlsx_cell(sheet, value) for value in values])
