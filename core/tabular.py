"""Reading the exchange spreadsheets (CSV, XLSX, XLS or ODS) of docs/exchange.md.

Generic: an import declares its columns (key, Vietnamese header, required, parser) and gets
back its rows, numbered as the spreadsheet numbers them (header = row 1), each with its
parsed values and the problems of its cells. Rules about what the values mean stay in the
import's service.
"""

import csv
import datetime
import io
import itertools
import math
import re
import struct
import unicodedata
import zipfile
import zlib
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple
from xml.parsers import expat

import python_calamine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.errors import DomainError
from core.sheets import xlsx_cell

UNSUPPORTED_FILE = _(
    "The file must be a CSV (.csv), Excel (.xlsx, .xls) or OpenDocument (.ods) spreadsheet."
)
UNREADABLE_XLSX = _("The file could not be read as a spreadsheet workbook.")
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
NOT_AN_EMAIL = _("“%(value)s” is not an e-mail address.")
NOT_A_DATE = _("“%(value)s” is not a date: write YYYY-MM-DD or DD/MM/YYYY.")
NO_SUCH_DAY = _("“%(value)s” is a day that does not exist.")
NOT_A_DATETIME = _(
    "“%(value)s” is not a date and time: write ISO 8601, e.g. 2019-03-12T08:30:00+07:00."
)
TOO_MANY_ROWS = _(
    "The file has more than %(limit)s rows, the header and any empty rows included: split it "
    "into smaller files."
)
TOO_MANY_COLUMNS = _(
    "The file has values beyond column %(limit)s: keep only the columns of the template."
)
TOO_MANY_TEXTS = _(
    "The workbook holds more than %(limit)s different texts: split it into smaller files."
)
WORKBOOK_TOO_LARGE = _(
    "The workbook holds more than %(megabytes)s MB of data once unpacked: split it into "
    "smaller files."
)
PACKED_TOO_TIGHT = _(
    "The workbook unpacks to more than %(ratio)s times its size, which spreadsheet programs "
    "never write: save it again from Excel or LibreOffice."
)
SHEET_TOO_LARGE = _(
    "The sheet spans more than %(limit)s cells from its first value to its last: delete the "
    "rows and columns outside the table, or split it into smaller files."
)

SUFFIXES = (".csv", ".xlsx", ".xls", ".ods")

# What a damaged, cut-short or hand-made workbook makes calamine, zipfile, zlib, expat and
# struct raise: each means the file cannot be read, never a fault of the portal
# (tests/test_import_fuzz.py).
BROKEN_WORKBOOK = (
    python_calamine.CalamineError,
    zipfile.BadZipFile,
    zlib.error,
    expat.ExpatError,
    struct.error,
    EOFError,
    NotImplementedError,  # a zip compression method zipfile lacks
    RuntimeError,  # an encrypted zip member
    OSError,
    LookupError,  # an index or key out of range, an unknown declared encoding
    ValueError,
    TypeError,
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


# Parsers: each takes a non-empty cell value (text from CSV; text, int, float, bool, date or
# time from a workbook) and returns the Python value, or raises DomainError.
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
        # isprintable() is false for every control character: the search only when it may find.
        if not value.isprintable() and (control := _CONTROL.search(value)):
            raise DomainError(CONTROL_CHARACTER, code=f"U+{ord(control.group()):04X}")
        if len(value) > max_length:
            raise DomainError(TOO_LONG, limit=max_length)
        return value

    return parse


def email_address(value: Any) -> str:
    """An e-mail address, as Django's EmailField accepts it."""
    address = str(value).strip()
    try:
        validate_email(address)
    except ValidationError:
        raise DomainError(NOT_AN_EMAIL, value=shown(address)) from None
    return address


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

    Local is Asia/Ho_Chi_Minh (settings.TIME_ZONE). A real date or date-time cell of a workbook
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
    """Read a CSV, XLSX, XLS or ODS file (chosen by the extension of `path`) into numbered,
    parsed rows.

    Raises TableError for problems with the file as a whole; problems of single cells are
    returned with their rows.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise TableError([Problem(None, None, UNSUPPORTED_FILE)])
    caps = limits()
    if suffix == ".csv":
        _check_csv_extent(path, caps)
        raw_rows = _csv_rows(path)
    else:
        raw_rows = _workbook_rows(path, suffix, caps)
    try:
        first = next(raw_rows, None)
        if first is None:
            raise TableError([Problem(None, None, NO_HEADER)])
        number, header_row = first
        data_rows: Iterator = raw_rows
        if number != 1:  # row 1 is empty: no headers, and the row read is data
            header_row, data_rows = (), itertools.chain([first], raw_rows)
        positions, headers = _map_headers(header_row, columns)
        by_key = {column.key: column for column in columns}
        # Each column's texts parsed once: a file repeats its units, categories and dates.
        fields = [(key, index, headers[key], by_key[key], {}) for key, index in positions.items()]
        unnamed = [index for index, header in enumerate(header_row) if _is_empty(header)]
        rows = []
        for number, raw in data_rows:
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
    fields: list[tuple[str, int, str, Column, dict[str, tuple]]],
    unnamed: list[int],
    width: int,
) -> Row | None:
    """The row's parsed values and problems; None for a blank row. Runs once per row: lean.

    Each field carries its column's parsed texts (the parsers are pure): text → (value, None)
    or (None, DomainError)."""
    values: dict[str, Any] = {}
    problems = []
    blank = True
    length = len(raw)
    for key, index, header, column, parsed in fields:
        value = raw[index] if index < length else None
        if value.__class__ is str:
            value = value.strip() or None
        elif value.__class__ is float and value.is_integer():
            value = int(value)  # a whole number as the sheet shows it: 1001, not 1001.0
        if value is None:
            values[key] = None
            if column.required:
                problems.append(Problem(number, header, REQUIRED))
            continue
        blank = False
        outcome = parsed.get(value) if value.__class__ is str else None
        if outcome is None:
            try:
                outcome = (column.parser(value), None)
            except DomainError as error:
                outcome = (None, error)
            if value.__class__ is str:
                parsed[value] = outcome
        values[key], error = outcome
        if error is not None:
            problems.append(Problem(number, header, error.message, error.params))
    # Values in a column without a header, or beyond the last header.
    if unnamed or length > width:
        for index in [*unnamed, *range(width, length)]:
            if index < length and not _is_empty(raw[index]):
                blank = False
                problems.append(Problem(number, _column_letters(index + 1), VALUES_WITHOUT_HEADER))
    if blank:
        return None
    return Row(number=number, values=values, problems=problems)


def _column_letters(number: int) -> str:
    """A for 1, AA for 27, without openpyxl's limit: an .xls names columns up to 65,536."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    # utf-8-sig drops the byte-order mark Excel writes; newline="" lets csv handle CRLF.
    with path.open("rb") as binary:
        stream = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        try:
            yield from enumerate(csv.reader(stream), start=1)
        except UnicodeDecodeError:
            raise TableError([Problem(None, None, NOT_UTF8)]) from None
        except csv.Error:  # e.g. a field longer than csv allows: not a table
            raise TableError([Problem(None, None, UNREADABLE_CSV)]) from None
        finally:
            stream.detach()


def _check_csv_extent(path: Path, caps: "Limits") -> None:
    """A first pass over the file that keeps no row: refused beyond the caps, before a single
    row is parsed."""
    rows = _csv_rows(path)
    try:
        for number, cells in rows:
            _check_extent(number, len(cells), caps)
    finally:
        rows.close()


# Caps on what a file may make the readers hold, checked before any reader builds a row: the
# rows a sheet reaches (IMPORT_MAX_ROWS, the header included), its columns, the different texts
# of a workbook and its size once unpacked. The last two grow with the rows: a row of the
# widest template (8 columns) is a few hundred bytes of XML.
MAX_COLUMNS = 256
TEXTS_PER_ROW = 8
UNPACKED_BYTES_PER_ROW = 1024
UNPACKED_BYTES_BESIDES_ROWS = 1024 * 1024  # the workbook's own parts: styles, relationships
# Spreadsheet programs pack a part to a tenth or a thirtieth of its size; a part unpacking to
# over a hundred times its size is made to (a zip bomb). Small parts may pack tighter.
MAX_PACKING_RATIO = 100
PACKING_CHECKED_FROM_BYTES = 1024 * 1024


class Limits(NamedTuple):
    rows: int  # the sheet's rows down to its last value, the header included
    columns: int
    texts: int  # entries of a workbook's shared strings table
    unpacked_bytes: int  # a workbook's parts, unpacked, all together


def limits() -> Limits:
    rows = settings.IMPORT_MAX_ROWS
    return Limits(
        rows=rows,
        columns=MAX_COLUMNS,
        texts=rows * TEXTS_PER_ROW,
        unpacked_bytes=UNPACKED_BYTES_BESIDES_ROWS + rows * UNPACKED_BYTES_PER_ROW,
    )


def _refused(message: Promise, **params: Any) -> TableError:
    return TableError([Problem(None, None, message, params)])


def _check_extent(rows: int, columns: int, caps: Limits) -> None:
    """Every row down to the last one holding a value counts, empty or not: a reader walks
    them all, and calamine lays them all out."""
    if rows > caps.rows:
        raise _refused(TOO_MANY_ROWS, limit=caps.rows)
    if columns > caps.columns:
        raise _refused(TOO_MANY_COLUMNS, limit=caps.columns)


def _check_texts(texts: int, caps: Limits) -> None:
    if texts > caps.texts:
        raise _refused(TOO_MANY_TEXTS, limit=caps.texts)


# Workbooks: python-calamine reads them (.xlsx, .xls, .ods). It lays a sheet out as a dense
# grid, every cell from the first to the last one holding a value, about 32 bytes each, even
# for two values a million rows apart; it sets no limit of its own, and a grid too large for
# memory ends the process (Rust aborts: no exception reaches Python). So the file is measured
# first, here, by walking its cells as calamine will, and refused if too large. calamine also
# keeps every shared text, reserving room for as many as the table announces.
MAX_CELLS = 10_000_000  # grid cells calamine may hold at once, about 320 MB


class WorkbookSize(NamedTuple):
    """What calamine will build to read a workbook: the largest sheet it lays out (its last row
    and column holding a value, counted from 1) and all the grid cells it holds at once."""

    rows: int
    columns: int
    cells: int


def _workbook_rows(path: Path, suffix: str, caps: Limits) -> Iterator[tuple[int, list[Any]]]:
    """The first sheet's rows that hold a value, each with its number in the sheet.

    Values as calamine gives them: str, float, bool, date, datetime, time or timedelta; an
    empty cell, or one holding an error such as #N/A, is "".
    """
    try:
        size = _MEASURES[suffix](path, caps)
    except BROKEN_WORKBOOK:
        raise _unreadable() from None
    _check_extent(size.rows, size.columns, caps)
    if size.cells > MAX_CELLS:
        raise _refused(SHEET_TOO_LARGE, limit=MAX_CELLS // 2)
    try:
        with python_calamine.load_workbook(path) as workbook:
            sheet = workbook.get_sheet_by_index(0)
        if sheet.start is None:  # not one value
            return
        first_row, first_column = sheet.start
        # calamine's rows start at the first row and column holding a value; the numbers and
        # the column positions reported stay the sheet's own.
        padding = [None] * first_column
        for number, values in enumerate(sheet.iter_rows(), start=first_row + 1):
            if values.count("") < len(values):
                yield number, padding + values if first_column else values
    except BROKEN_WORKBOOK:
        raise _unreadable() from None
    except BaseException as error:
        # A panic in calamine's Rust code (a slice out of range in a damaged file) reaches
        # Python as pyo3's PanicException: a BaseException, and not importable by name.
        if type(error).__module__ != "pyo3_runtime":
            raise
        raise _unreadable() from None


def _unreadable() -> TableError:
    return TableError([Problem(None, None, UNREADABLE_XLSX)])


def _xml_parser(start: Callable, end: Callable) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = _refuse_doctype
    return parser


def _refuse_doctype(*_declaration) -> None:
    # A DTD can give elements attributes the file does not write (calamine ignores it) and
    # declare entities; no spreadsheet program writes one.
    raise ValueError("document type declaration")


def _column_number(letters: str) -> int:
    """1 for A, 27 for AA; 0 for no letters."""
    if letters and not (letters.isascii() and letters.isalpha()):
        raise ValueError(f"column {letters!r}")
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _position(reference: str, columns: dict[str, int]) -> tuple[int, int]:
    """(row, column) counted from 1 of a reference such as "AB12"; column 0 if it names none.
    `columns` keeps the numbers of the letters met so far."""
    letters = reference.rstrip("0123456789")
    column = columns.get(letters)
    if column is None:
        column = columns[letters] = _column_number(letters)
    row = int(reference[len(letters) :] or 0)
    if row == 0:
        raise ValueError(f"reference {reference!r}")
    return row, column


def _too_large(caps: Limits) -> TableError:
    return _refused(WORKBOOK_TOO_LARGE, megabytes=caps.unpacked_bytes // (1024 * 1024))


def _check_packing(members: list[zipfile.ZipInfo], caps: Limits) -> None:
    """The sizes an archive declares, checked before a byte is unpacked. They bound what is
    unpacked: calamine's zip reader refuses a part larger than declared, and Python's stops
    reading it there."""
    if sum(member.file_size for member in members) > caps.unpacked_bytes:
        raise _too_large(caps)
    for member in members:
        if (
            member.file_size > PACKING_CHECKED_FROM_BYTES
            and member.file_size > MAX_PACKING_RATIO * member.compress_size
        ):
            raise _refused(PACKED_TOO_TIGHT, ratio=MAX_PACKING_RATIO)


@dataclass
class _XlsxPart:
    """What a part of a workbook gives calamine to hold: cells, if it is a sheet (its last row
    and column, and how many row and cell elements it has: calamine walks every row, and
    lists every cell before it lays them out), and shared texts (those it holds, and those it
    announces)."""

    sheet: bool = False
    rows: int = 0
    columns: int = 0
    row_elements: int = 0
    cell_elements: int = 0
    texts: int = 0
    announced_texts: int = 0

    def check(self, caps: Limits) -> None:
        if self.sheet:
            _check_extent(max(self.rows, self.row_elements), self.columns, caps)
            if self.cell_elements > MAX_CELLS // 2:
                raise _refused(SHEET_TOO_LARGE, limit=MAX_CELLS // 2)
        _check_texts(max(self.texts, self.announced_texts), caps)


def _xlsx_size(path: Path, caps: Limits) -> WorkbookSize:
    """Every part is measured, and the largest sheet counts: which part calamine takes for the
    first sheet, or for the shared strings table (from the relationships), need not be worked
    out the same way here."""
    rows = columns = 0
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        _check_packing(members, caps)
        for member in members:
            with archive.open(member) as part:
                found = _scanned_xlsx_part(part, caps)
            if found is None:
                with archive.open(member) as part:
                    found = _walked_xlsx_part(part, caps)
            if found.sheet:
                rows, columns = max(rows, found.rows), max(columns, found.columns)
    # The grid is built twice over at once: as references into the file, then as values.
    return WorkbookSize(rows, columns, 2 * rows * columns)


# The XML declaration's encoding, and the byte patterns by which calamine's parser takes a
# part for UTF-16 without one.
_ENCODING = re.compile(rb"""(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([^"']*)""")
_UTF_16 = (b"\xfe\xff", b"\xff\xfe", b"\x00<", b"<\x00")
# A cell's start tag other than "<c " (with a prefix, or another character after the name).
_OTHER_CELL_TAGS = (re.compile(rb"<c[>/\t\n\r]"), re.compile(rb":c[\s/>]"))
# Anything that reads as an r attribute, wherever it stands: calamine's parser takes a tag's
# last r, and needs no space before it (<c r="A4"r="B107">).
_REFERENCE = re.compile(rb"""r\s*=\s*["']([A-Za-z]*)(\d+)""")
# An entry of the shared strings table with a prefix (<x:si>; without one, "<si" is counted);
# and the number of entries the table announces, for which calamine reserves room before it
# reads one.
_PREFIXED_SHARED_TEXT = re.compile(rb"<[^\s<>/:!?]+:si[\s/>]")
_ANNOUNCED_TEXTS = re.compile(rb"""uniqueCount\s*=\s*["']\s*(\d+)""")
_PIECE_BYTES = 1024 * 1024


def _scanned_xlsx_part(part: IO[bytes], caps: Limits) -> _XlsxPart | None:
    """The part read off its raw bytes, as calamine's parser reads them (no entity or DTD
    applied), a megabyte at a time, at the speed of a regular expression; refused as soon as
    it passes a cap.

    Excel, LibreOffice, openpyxl and XlsxWriter write UTF-8 and start every cell's tag with its
    reference, <c r="B7" ...>: then the references bound the grid. None for an XML part
    written otherwise, to be walked element by element.
    """
    found = _XlsxPart()
    utf8 = plain = True
    head = rest = b""
    while True:
        read = part.read(_PIECE_BYTES)
        data = rest + read
        if not head:
            head = data[:512]
            encoding = _ENCODING.match(head)
            if head.startswith(_UTF_16) or (
                encoding is not None and encoding[1].lower() not in (b"utf-8", b"utf8")
            ):
                utf8 = plain = False
        if read:
            # Every pattern below lies within a tag: the piece ends after one, the rest waits.
            end = data.rfind(b">") + 1
            if end == 0:  # a megabyte without a tag: no sheet Excel writes, maybe a picture
                plain, end = False, max(len(data) - 64, 0)
            data, rest = data[:end], data[end:]
        cells = data.count(b"<c ")
        if plain and (
            any(pattern.search(data) for pattern in _OTHER_CELL_TAGS)
            or cells != data.count(b'<c r="')
        ):
            plain = False
        # Counted however the part is written: a sheet of too many rows or cells is refused
        # here, before it is walked.
        found.sheet = found.sheet or b"sheetData" in data
        found.row_elements += data.count(b"<row")
        found.cell_elements += cells + data.count(b"<c>") + data.count(b"<c/")
        if plain and (references := _REFERENCE.findall(data)):
            letters, digits = zip(*references, strict=True)
            found.rows = max(found.rows, *map(int, set(digits)))
            found.columns = max(
                found.columns, *(_column_number(name.decode()) for name in set(letters))
            )
        if utf8:
            found.texts += data.count(b"<si")
            if b":si" in data:
                found.texts += len(_PREFIXED_SHARED_TEXT.findall(data))
            for announced in _ANNOUNCED_TEXTS.findall(data):
                found.announced_texts = max(found.announced_texts, int(announced))
        found.check(caps)
        if not read:
            break
    if plain:
        return found
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"<", *_UTF_16)):
        return None
    return _XlsxPart()  # not XML: no cell and no text for calamine


def _walked_xlsx_part(part: IO[bytes], caps: Limits) -> _XlsxPart:
    """The part walked element by element, cells placed as calamine's cell reader places them:
    a cell at its reference, else just after the previous cell of its row; a row at its
    number, else just after the previous row. Refused as soon as it passes a cap."""
    found = _XlsxPart()
    active = in_cell = has_value = False
    row = column = 0  # where calamine puts a cell or row without a reference, from 0
    cell = (0, 0)
    letters: dict[str, int] = {}

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal active, in_cell, has_value, row, column, cell
        if in_cell:  # whatever the cell holds may be its value
            has_value = True
            return
        local = name.rpartition(":")[2]
        if local == "c" and active:
            in_cell, has_value = True, False
            reference = attributes.get("r")
            if reference is None:
                cell = (row + 1, column + 1)
            else:
                cell = _position(reference, letters)
                if cell[1] == 0:
                    raise ValueError(f"cell reference {reference!r}")
                column = cell[1] - 1
        elif local == "row" and active:
            if (reference := attributes.get("r")) is not None:
                row = _position(reference, letters)[0] - 1
        elif local == "sheetData":
            active = found.sheet = True
        elif local == "si":
            found.texts += 1
            found.check(caps)
        announced = attributes.get("uniqueCount", "").strip()
        if announced.isascii() and announced.isdigit():
            found.announced_texts = max(found.announced_texts, int(announced))
            found.check(caps)

    def end(name: str) -> None:
        nonlocal in_cell, row, column
        local = name.rpartition(":")[2]
        if in_cell:
            if local == "c":  # calamine ends the cell at the first closing c, nested or not
                in_cell = False
                if has_value:
                    found.rows = max(found.rows, cell[0])
                    found.columns = max(found.columns, cell[1])
                    found.check(caps)
                column += 1
        elif local == "row" and active:
            row += 1
            column = 0

    _xml_parser(start, end).ParseFile(part)
    return found


def _ods_size(path: Path, caps: Limits) -> WorkbookSize:
    """calamine reads every table of content.xml on opening, not the first one alone."""
    rows = columns = cells = 0
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        _check_packing(members, caps)
        for member in members:
            if member.filename == "content.xml":
                with archive.open(member) as part:
                    for table in _ods_tables(part, caps):
                        rows, columns = max(rows, table.rows), max(columns, table.columns)
                        cells += table.cells
    return WorkbookSize(rows, columns, cells)


def _ods_tables(part: IO[bytes], caps: Limits) -> list[WorkbookSize]:
    """Each table's last row and column holding a value, repeated rows and cells counted as
    calamine expands them, and its cells: the values and formulas grids, and the row by row
    lists it builds first (each up to the row's last value). Refused as soon as a table
    passes a cap."""
    tables = []
    in_table = False
    depth = 0  # inside a cell: nothing there is a row or a cell of the table
    row = repeats = column = last_column = 0
    rows = columns = listed = 0

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal in_table, depth, row, repeats, column, last_column, rows, columns, listed
        if depth:
            depth += 1
        elif name == "table:table" and not in_table:
            in_table = True
            row = rows = columns = listed = 0
        elif not in_table:
            return
        elif name == "table:table-row":
            repeats = _count(attributes.get("table:number-rows-repeated"))
            column = last_column = 0
        elif name in ("table:table-cell", "table:covered-table-cell"):
            depth = 1
            column += _count(attributes.get("table:number-columns-repeated"))
            if any(key.startswith("office:") or key == "table:formula" for key in attributes):
                last_column = column

    def end(name: str) -> None:
        nonlocal in_table, depth, row, rows, columns, listed
        if depth:
            depth -= 1
        elif not in_table:
            return
        elif name == "table:table-row":
            listed += last_column
            if last_column:
                rows, columns = row + repeats, max(columns, last_column)
                _check_extent(rows, columns, caps)
            row += repeats
        elif name == "table:table":
            in_table = False
            tables.append(WorkbookSize(rows, columns, 2 * (rows * columns + listed)))

    _xml_parser(start, end).ParseFile(part)
    return tables


def _count(written: str | None) -> int:
    count = 1 if written is None else int(written)
    if count < 0:
        raise ValueError(f"repeated {written!r} times")
    return count


# The compound file (MS-CFB) holding an .xls workbook stream: sector numbers from this one on
# mark chain ends, free sectors and the like.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN = 0xFFFFFFFE
_SPECIAL_SECTORS = 0xFFFFFFFA
# BIFF records (MS-XLS) that calamine turns into cells: row and column in their first 4 bytes.
_CELL_RECORDS = frozenset({0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E})
_MULTIPLE_RK, _DIMENSIONS, _BOUND_SHEET, _BOF, _EOF = 0x00BD, 0x0200, 0x0085, 0x0809, 0x000A
_SHARED_STRINGS, _CONTINUE = 0x00FC, 0x003C


def _xls_size(path: Path, caps: Limits) -> WorkbookSize:
    """calamine reads every sheet on opening, from where the workbook stream says it starts;
    for each it reserves room for the cells its DIMENSIONS record announces, then lays out
    the cells (values, then formulas). It keeps every text of the shared strings table."""
    if path.stat().st_size > caps.unpacked_bytes:
        raise _too_large(caps)
    stream = memoryview(_xls_workbook_stream(path.read_bytes()))
    starts = []
    table: list[memoryview] = []  # the shared strings record and its continuations
    for kind, data in _biff_records(stream, 0):
        if kind == _BOUND_SHEET:
            starts.append(struct.unpack_from("<I", data)[0])
        elif kind == _SHARED_STRINGS:
            table = [data]
        elif kind == _CONTINUE and table:
            table.append(data)
        elif kind == _EOF:
            break
        if table and kind not in (_SHARED_STRINGS, _CONTINUE):
            _check_xls_texts(table, caps)
            table = []
    if table:
        _check_xls_texts(table, caps)
    largest_rows = largest_columns = cells = 0
    for start in starts:
        if start > len(stream):
            raise ValueError("sheet beyond the workbook stream")
        rows = columns = 0
        sheet_begun, depth = False, 0  # substreams nested in the sheet: embedded charts
        for kind, data in _biff_records(stream, start):
            if kind in _CELL_RECORDS:
                row, column = struct.unpack_from("<HH", data)
                rows, columns = max(rows, row + 1), max(columns, column + 1)
            elif kind == _MULTIPLE_RK:
                row, first = struct.unpack_from("<HH", data)
                (last,) = struct.unpack_from("<H", data, len(data) - 2)
                rows = max(rows, row + 1)
                columns = max(columns, first + (len(data) - 1) // 6, last + 1)
            elif kind == _DIMENSIONS:
                cells += _reserved_cells(data)
            elif kind == _BOF:
                depth, sheet_begun = depth + sheet_begun, True
            elif kind == _EOF:
                if not depth:
                    break
                depth -= 1
        _check_extent(rows, columns, caps)
        largest_rows, largest_columns = max(largest_rows, rows), max(largest_columns, columns)
        cells += 2 * rows * columns
    return WorkbookSize(largest_rows, largest_columns, cells)


def _check_xls_texts(records: list[memoryview], caps: Limits) -> None:
    """The texts calamine reads from a shared strings record and its continuations (MS-XLS
    2.4.265), counted as it walks them: a text's characters may run on into the next record,
    which then starts with a byte saying how wide they are."""
    if len(records[0]) < 8:
        raise ValueError("shared strings record")
    data = records[0][8:]  # after the counts the record announces, which calamine ignores
    following = iter(records[1:])

    def next_record() -> memoryview:
        record = next(following, None)
        if record is None:
            raise ValueError("a shared string runs past its records")
        return record

    def skip(length: int) -> None:
        nonlocal data
        while length:
            if not data:
                data = next_record()
            taken = min(length, len(data))
            data, length = data[taken:], length - taken

    texts = 0
    while data or (data := next(following, None)) is not None:
        texts += 1
        if texts > caps.texts:
            raise _refused(TOO_MANY_TEXTS, limit=caps.texts)
        if not data:  # an empty continuation: calamine reads it as an empty text
            continue
        characters, flags = struct.unpack_from("<HB", data)
        data = data[3:]
        runs = extension = 0
        if flags & 0x8:
            (runs,) = struct.unpack_from("<H", data)
            data = data[2:]
        if flags & 0x4:
            (extension,) = struct.unpack_from("<I", data)
            data = data[4:]
        width = 2 if flags & 0x1 else 1
        while characters:
            taken = min(len(data) // width, characters)
            data, characters = data[taken * width :], characters - taken
            if characters:
                data = next_record()
                if not data:
                    raise ValueError("an empty continuation inside a shared string")
                width, data = 2 if data[0] & 0x1 else 1, data[1:]
        skip(runs * 4)
        skip(extension)


def _reserved_cells(data: memoryview) -> int:
    """The cells a DIMENSIONS record makes calamine reserve, with its 32-bit wrap-around."""
    if len(data) == 14:
        first_row, last_row, first_column, last_column = struct.unpack_from("<IIHH", data)
    elif len(data) == 10:
        first_row, last_row, first_column, last_column = struct.unpack_from("<HHHH", data)
    else:
        raise ValueError("DIMENSIONS record")
    if first_column > 0xFF or last_column < first_column:
        first_column = 0
    if not (last_row and last_column):
        return 1
    rows = (last_row - first_row) % 2**32
    columns = (last_column - first_column) % 2**32
    return rows * columns


def _biff_records(stream: memoryview, offset: int) -> Iterator[tuple[int, memoryview]]:
    while offset < len(stream):
        kind, length = struct.unpack_from("<HH", stream, offset)
        end = offset + 4 + length
        if end > len(stream):
            raise ValueError("record beyond the workbook stream")
        yield kind, stream[offset + 4 : end]
        offset = end


def _xls_workbook_stream(data: bytes) -> bytes:
    """The workbook stream of a compound file, found and read as calamine does; anything it
    would read otherwise (a chain looping or leaving the file, a sector cut short) refused."""
    if len(data) < 512 or data[:8] != _OLE_SIGNATURE:
        raise ValueError("not a compound file")
    sector_shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if sector_shift not in (9, 12) or mini_shift != 6:
        raise ValueError("sector sizes")
    size = 1 << sector_shift
    (directory_start,) = struct.unpack_from("<I", data, 48)
    mini_fat_start, mini_fat_sectors, difat_start = struct.unpack_from("<III", data, 60)

    def sector(number: int) -> bytes:
        offset = (number + 1) * size
        if offset + size > len(data):
            raise ValueError("sector beyond the file")
        return data[offset : offset + size]

    def entries(sector_data: bytes) -> tuple[int, ...]:
        return struct.unpack(f"<{len(sector_data) // 4}I", sector_data)

    def chain(start: int, table: Sequence[int], read: Callable, length: float) -> bytes:
        parts, seen, total, number = [], set(), 0, start
        while number != _END_OF_CHAIN:
            if number in seen or number >= _SPECIAL_SECTORS:
                raise ValueError("broken sector chain")
            seen.add(number)
            part = read(number)
            parts.append(part)
            total += len(part)
            if total >= length:
                break
            if number >= len(table):
                raise ValueError("broken sector chain")
            number = table[number]
        return b"".join(parts)[: int(min(total, length))]

    difat = list(entries(data[76:512]))
    seen = set()
    number = difat_start
    while number < _SPECIAL_SECTORS:
        if number in seen:
            raise ValueError("DIFAT loop")
        seen.add(number)
        *more, number = entries(sector(number))
        difat.extend(more)
    fat = [entry for number in difat if number < 0xFFFFFFFC for entry in entries(sector(number))]
    directory = chain(directory_start, fat, sector, math.inf)
    if not directory or len(directory) % 128:
        raise ValueError("directory")
    streams: dict[str, tuple[int, int]] = {}  # name → first sector, length; the first one named
    for offset in range(0, len(directory), 128):
        name = directory[offset : offset + 64].decode("utf-16-le", "replace").split("\0")[0]
        (start,) = struct.unpack_from("<I", directory, offset + 116)
        (length,) = struct.unpack_from("<I" if size == 512 else "<Q", directory, offset + 120)
        streams.setdefault(name, (start, length))
        if offset == 0:  # the root entry: its stream is the mini stream
            root_start, root_length = start, length
    name = next(
        (name for name in ("Workbook", "Book", "WORKBOOK", "BOOK") if name in streams), None
    )
    if name is None:
        raise ValueError("no workbook stream")
    start, length = streams[name]
    if length >= 4096:
        return chain(start, fat, sector, length)
    if not mini_fat_sectors:
        raise ValueError("small stream without a mini stream")
    mini_stream = chain(root_start, fat, sector, root_length)
    mini_fat = entries(chain(mini_fat_start, fat, sector, mini_fat_sectors * size))

    def mini_sector(number: int) -> bytes:
        if (number + 1) * 64 > len(mini_stream):
            raise ValueError("mini sector beyond the mini stream")
        return mini_stream[number * 64 : (number + 1) * 64]

    return chain(start, mini_fat, mini_sector, length)


_MEASURES = {".xlsx": _xlsx_size, ".xls": _xls_size, ".ods": _ods_size}


def template_workbook(columns: Sequence[Column]) -> bytes:
    """An empty XLSX with the Vietnamese headers, required ones in bold: the download template."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(16, len(column.header) + 4)
    header = []
    for column in columns:
        cell = xlsx_cell(sheet, column.header)
        cell.font = Font(bold=column.required)
        header.append(cell)
    sheet.append(header)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
