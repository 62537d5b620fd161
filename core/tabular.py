"""Reading the exchange spreadsheets (CSV or XLSX) of the exchange contract (docs/exchange.md).

Generic: an import declares its columns (key, Vietnamese header, required, parser) and gets
back its rows, numbered as the spreadsheet numbers them (header = row 1), each with its
parsed values and the problems of its cells. Rules about what the values mean stay in the
import's service.
"""

import csv
import datetime
import io
import re
import unicodedata
import zipfile
import zlib
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml.constants import SHARED_STRINGS
from openpyxl.xml.functions import iterparse

from core.errors import DomainError

UNSUPPORTED_FILE = _("The file must be a CSV (.csv) or Excel (.xlsx) file.")
UNREADABLE_XLSX = _("The file could not be read as an Excel (.xlsx) workbook.")
NOT_UTF8 = _("The file is not UTF-8 text: in Excel, save it as “CSV UTF-8”.")
UNREADABLE_CSV = _("The file could not be read as CSV text.")
NO_HEADER = _("The file is empty: its first row must hold the column headers.")
UNKNOWN_HEADER = _("Unknown column; the columns of this file are: %(expected)s.")
DUPLICATE_HEADER = _("This column appears twice (also as “%(other)s”).")
MISSING_HEADER = _("The required column “%(key)s” (or “%(header)s”) is missing.")
VALUES_WITHOUT_HEADER = _("This column has values but no header.")
REQUIRED = _("A value is required.")
TOO_LONG = _("At most %(limit)s characters are allowed.")
CONTROL_CHARACTER = _(
    "The value holds an invisible control character (%(code)s) that cannot be stored: "
    "retype the cell."
)
UNKNOWN_CHOICE = _("“%(value)s” is not one of: %(choices)s.")
NOT_A_DATE = _("“%(value)s” is not a date: write YYYY-MM-DD or DD/MM/YYYY.")
NO_SUCH_DAY = _("“%(value)s” is a day that does not exist.")
NOT_A_DATETIME = _(
    "“%(value)s” is not a date and time: write ISO 8601, e.g. 2019-03-12T08:30:00+07:00."
)

SUFFIXES = (".csv", ".xlsx")

# What a damaged, cut-short or hand-made workbook makes zipfile, zlib and openpyxl raise:
# each means the file cannot be read, never a fault of the portal (tests/test_import_fuzz.py).
BROKEN_WORKBOOK = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    InvalidFileException,
    OSError,
    ParseError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    OverflowError,
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (row, column; empty for the whole file) and what."""

    row: int | None
    column: str | None
    message: Promise
    params: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The message alone, in the active language."""
        return str(self.message) % self.params if self.params else str(self.message)

    def __str__(self) -> str:
        if self.row is None:
            return self.text
        if self.column is None:
            return gettext("Row %(row)s: %(message)s") % {"row": self.row, "message": self.text}
        return gettext("Row %(row)s, column “%(column)s”: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.text,
        }


class TableError(Exception):
    """The file cannot be read at all: wrong kind, unreadable, or bad headers."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


# Control characters left once whitespace is collapsed: NUL, which PostgreSQL cannot store
# in text at all, and the others, which no name or code written by a person contains.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
SHOWN_LENGTH = 60


def shown(value: str) -> str:
    """A cell's value as a message quotes it: a huge cell is cut, not copied out in full,
    and a control character shows as �, never reaching a terminal or a page raw."""
    value = _CONTROL.sub("\ufffd", value)
    return value if len(value) <= SHOWN_LENGTH else value[: SHOWN_LENGTH - 1] + "…"


# Parsers: each takes a non-empty cell value (text from CSV; text, number or date from XLSX)
# and returns the Python value, or raises DomainError.
Parser = Callable[[Any], Any]


def text(*, max_length: int) -> Parser:
    def parse(value: Any) -> str:
        if value.__class__ is not str:
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # a code typed as a number in Excel: 1001, not 1001.0
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            value = str(value)
        # One way of writing each letter (macOS writes Vietnamese decomposed), single spaces.
        value = " ".join(unicodedata.normalize("NFC", value).split())
        if control := _CONTROL.search(value):
            raise DomainError(CONTROL_CHARACTER, code=f"U+{ord(control.group()):04X}")
        if len(value) > max_length:
            raise DomainError(TOO_LONG, limit=max_length)
        return value

    return parse


def choice(values: Sequence[str]) -> Parser:
    allowed = frozenset(values)

    def parse(value: Any) -> str:
        key = str(value).strip().lower()
        if key not in allowed:
            raise DomainError(
                UNKNOWN_CHOICE, value=shown(str(value).strip()), choices=", ".join(values)
            )
        return key

    return parse


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_VIETNAMESE_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _date_from_text(value: str) -> datetime.date | None:
    """The day `value` names, None when it is not written as a date; DomainError if no such day."""
    if match := _ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
    elif match := _VIETNAMESE_DATE.fullmatch(value):
        day, month, year = match.groups()
    else:
        return None
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise DomainError(NO_SUCH_DAY, value=shown(value)) from None


def parse_date(value: Any) -> datetime.date:
    """YYYY-MM-DD, DD/MM/YYYY or a real date cell."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    written = str(value).strip()
    day = _date_from_text(written)
    if day is None:
        raise DomainError(NOT_A_DATE, value=shown(written))
    return day


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def parse_datetime(value: Any) -> datetime.datetime:
    """ISO 8601 with an offset: that instant; without one: local time; a bare date: its start.

    Local is Asia/Ho_Chi_Minh (settings.TIME_ZONE). A real date or date-time cell of XLSX
    carries no offset, so it is local too. Returns an aware datetime.
    """
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    else:
        written = str(value).strip()
        day = _date_from_text(written)
        if day is not None:
            moment = datetime.datetime.combine(day, datetime.time())
        else:
            try:
                moment = datetime.datetime.fromisoformat(written)
            except ValueError:
                raise DomainError(NOT_A_DATETIME, value=shown(written)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Vietnamese header, as the downloadable template writes it
    required: bool = False
    parser: Parser = field(default=text(max_length=255))


@dataclass
class Row:
    number: int
    values: dict[str, Any]  # key → parsed value; None for an empty cell or a bad one
    problems: list[Problem]


@dataclass
class Table:
    columns: dict[str, Column]
    headers: dict[str, str]  # key → header as written in the file, for the columns present
    rows: list[Row]

    @property
    def problems(self) -> list[Problem]:
        return [problem for row in self.rows for problem in row.problems]


def normalize_header(header: str) -> str:
    """Case and spacing ignored; NFC so that decomposed Vietnamese (macOS) matches too."""
    return "".join(unicodedata.normalize("NFC", header).casefold().split())


def read_table(path: str | Path, *, columns: Sequence[Column]) -> Table:
    """Read a CSV or XLSX file (chosen by the extension of `path`) into numbered, parsed rows.

    Raises TableError for problems with the file as a whole; problems of single cells are
    returned with their rows.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise TableError([Problem(None, None, UNSUPPORTED_FILE)])
    raw_rows = _csv_rows(path) if suffix == ".csv" else _xlsx_rows(path)
    try:
        header_row = next(raw_rows, None)
        if header_row is None:
            raise TableError([Problem(None, None, NO_HEADER)])
        positions, headers = _map_headers(header_row, columns)
        by_key = {column.key: column for column in columns}
        fields = [(key, index, headers[key], by_key[key]) for key, index in positions.items()]
        unnamed = [index for index, header in enumerate(header_row) if _is_empty(header)]
        rows = []
        for number, raw in enumerate(raw_rows, start=2):
            row = _parse_row(number, raw, fields, unnamed, len(header_row))
            if row is not None:
                rows.append(row)
    finally:
        raw_rows.close()
    return Table(columns=by_key, headers=headers, rows=rows)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_headers(
    header_row: Sequence[Any], columns: Sequence[Column]
) -> tuple[dict[str, int], dict[str, str]]:
    names = {}
    for column in columns:
        names[normalize_header(column.key)] = column.key
        names[normalize_header(column.header)] = column.key
    expected = ", ".join(column.key for column in columns)
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    problems = []
    for index, cell in enumerate(header_row):
        if _is_empty(cell):
            continue
        written = " ".join(str(cell).split())
        key = names.get(normalize_header(written))
        if key is None:
            problems.append(Problem(1, shown(written), UNKNOWN_HEADER, {"expected": expected}))
        elif key in positions:
            problems.append(Problem(1, written, DUPLICATE_HEADER, {"other": headers[key]}))
        else:
            positions[key] = index
            headers[key] = written
    for column in columns:
        if column.required and column.key not in positions:
            params = {"key": column.key, "header": column.header}
            problems.append(Problem(1, None, MISSING_HEADER, params))
    if problems:
        raise TableError(problems)
    return positions, headers


def _parse_row(
    number: int,
    raw: Sequence[Any],
    fields: list[tuple[str, int, str, Column]],
    unnamed: list[int],
    width: int,
) -> Row | None:
    """The row's parsed values and problems; None for a blank row. Runs once per row: lean."""
    values: dict[str, Any] = {}
    problems = []
    blank = True
    length = len(raw)
    for key, index, header, column in fields:
        value = raw[index] if index < length else None
        if value.__class__ is str:
            value = value.strip() or None
        if value is None:
            values[key] = None
            if column.required:
                problems.append(Problem(number, header, REQUIRED))
            continue
        blank = False
        try:
            values[key] = column.parser(value)
        except DomainError as error:
            values[key] = None
            problems.append(Problem(number, header, error.message, error.params))
    # Values in a column without a header, or beyond the last header.
    for index in [*unnamed, *range(width, length)]:
        if index < length and not _is_empty(raw[index]):
            blank = False
            problems.append(Problem(number, get_column_letter(index + 1), VALUES_WITHOUT_HEADER))
    if blank:
        return None
    return Row(number=number, values=values, problems=problems)


def _csv_rows(path: Path) -> Iterator[list[str]]:
    # utf-8-sig drops the byte-order mark Excel writes; newline="" lets csv handle CRLF.
    with path.open("rb") as binary:
        stream = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        try:
            yield from csv.reader(stream)
        except UnicodeDecodeError:
            raise TableError([Problem(None, None, NOT_UTF8)]) from None
        except csv.Error:  # e.g. a field longer than csv allows: not a table
            raise TableError([Problem(None, None, UNREADABLE_CSV)]) from None
        finally:
            stream.detach()


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _VALUE, _INLINE, _TEXT, _STRING, _RUN = (
    f"{_SHEET_NS}{tag}" for tag in ("row", "v", "is", "t", "si", "r")
)


class _WorkbookReader(ExcelReader):
    def read_strings(self):
        """The shared strings as plain text: runs joined, phonetic hints (rPh) left out."""
        part = self.package.find(SHARED_STRINGS)
        if part is None:
            return
        strings = []
        with self.archive.open(part.PartName[1:]) as source:
            for _event, element in iterparse(source):
                if element.tag == _STRING:
                    parts = [
                        (child.text if child.tag == _TEXT else child.findtext(_TEXT)) or ""
                        for child in element
                        if child.tag in (_TEXT, _RUN)
                    ]
                    strings.append("".join(parts).replace("x005F_", ""))  # as openpyxl does
                    element.clear()
        self.shared_strings = strings


def _xlsx_rows(path: Path) -> Iterator[tuple[Any, ...]]:
    """The values of the first sheet's rows, an empty tuple for each row the sheet skips.

    openpyxl reads the workbook (which sheet is first, which styles are dates); the shared
    strings and the cells are read here, in half the time openpyxl's readers take on
    100,000 rows: they build objects per string and per cell (bench/import_staff.py).
    openpyxl is pinned: the attributes used here are its internals.
    """
    # Opened here and handed over: zipfile then never closes the file itself, and a member
    # openpyxl leaves open after a parse error cannot keep it open past this function.
    try:
        stream = path.open("rb")
    except OSError:
        raise TableError([Problem(None, None, UNREADABLE_XLSX)]) from None
    with stream:
        yield from _workbook_rows(stream)


def _workbook_rows(stream) -> Iterator[tuple[Any, ...]]:
    try:
        reader = _WorkbookReader(stream, read_only=True, data_only=True)
        reader.read()
        workbook = reader.wb
    except BROKEN_WORKBOOK:
        raise TableError([Problem(None, None, UNREADABLE_XLSX)]) from None
    try:
        sheet = workbook.worksheets[0]
        shared, dates, epoch = sheet._shared_strings, workbook._date_formats, workbook.epoch
        columns: dict[str, int] = {}  # column letters → index
        row_number = 0
        with sheet._get_source() as source:
            for _event, element in iterparse(source):
                if element.tag != _ROW:
                    continue
                row_number += 1
                written_number = int(element.get("r") or row_number)
                while row_number < written_number:  # rows left out of the file are empty
                    yield ()
                    row_number += 1
                values: list[Any] = []
                for cell in element:
                    if reference := cell.get("r"):
                        letters = reference.rstrip("0123456789")
                        index = columns.get(letters)
                        if index is None:
                            index = columns[letters] = column_index_from_string(letters) - 1
                        values.extend([None] * (index - len(values)))
                    values.append(_xlsx_value(cell, shared, dates, epoch))
                element.clear()
                yield tuple(values)
    except BROKEN_WORKBOOK:
        raise TableError([Problem(None, None, UNREADABLE_XLSX)]) from None
    finally:
        workbook.close()


def _xlsx_value(cell, shared: list, dates: set, epoch) -> Any:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(_INLINE)
        return (
            "".join(text.text or "" for text in inline.iter(_TEXT)) if inline is not None else None
        )
    raw = cell.findtext(_VALUE)
    if raw is None:
        return None
    if kind == "s":
        return shared[int(raw)]
    if kind == "n":
        number = float(raw) if any(mark in raw for mark in ".eE") else int(raw)
        style = cell.get("s")
        return from_excel(number, epoch) if style and int(style) in dates else number
    if kind == "b":
        return raw == "1"
    if kind == "d":
        return datetime.datetime.fromisoformat(raw)
    return raw  # "str" (a formula's text) and "e" (an error such as #N/A)


def template_workbook(columns: Sequence[Column]) -> bytes:
    """An empty XLSX with the Vietnamese headers, required ones in bold: the download template."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(16, len(column.header) + 4)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = Font(bold=column.required)
        header.append(cell)
    sheet.append(header)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
