"""The spreadsheet reader shared by every import: files, headers, dates and date-times."""

import datetime
import re
import struct
import unicodedata
import zipfile
import zoneinfo

import pytest
import xlwt
from django.utils import translation
from openpyxl import Workbook

from core.errors import DomainError
from core.tabular import (
    DUPLICATE_HEADER,
    MISSING_HEADER,
    NO_SUCH_DAY,
    NOT_A_DATE,
    NOT_A_DATETIME,
    NOT_UTF8,
    REQUIRED,
    SHEET_TOO_LARGE,
    TOO_MANY_ROWS,
    TOO_MANY_TEXTS,
    UNKNOWN_HEADER,
    UNREADABLE_CSV,
    UNREADABLE_XLSX,
    UNSUPPORTED_FILE,
    VALUES_WITHOUT_HEADER,
    Column,
    Problem,
    TableError,
    parse_date,
    parse_datetime,
    read_table,
    text,
)
from tests.excel_files import write_excel_style, write_ods

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
COLUMNS = [
    Column("code", "Mã", required=True, parser=text(max_length=8)),
    Column("on", "Ngày", parser=parse_date),
]


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_it_reads_vietnamese_headers_with_any_case_and_spacing(tmp_path):
    path = write(tmp_path, "a.csv", "\ufeff  mã ,NGÀY\r\nA1,05/03/2019\r\n\r\nA2,\r\n".encode())

    table = read_table(path, columns=COLUMNS)

    assert [(row.number, row.values) for row in table.rows] == [
        (2, {"code": "A1", "on": datetime.date(2019, 3, 5)}),
        (4, {"code": "A2", "on": None}),
    ]
    assert table.headers == {"code": "mã", "on": "NGÀY"}


def test_it_writes_each_letter_one_way_whatever_the_file_did():
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Văn Đức ")

    assert text(max_length=20)(decomposed) == "Nguyễn Văn Đức"


def test_it_refuses_control_characters_and_quotes_them_harmlessly(tmp_path):
    content = b"code,on\nA\x00B,\nC\x1bD,\nE\tF,\nG,\x00\n"

    table = read_table(write(tmp_path, "a.csv", content), columns=COLUMNS)

    assert [row.values["code"] for row in table.rows] == [None, None, "E F", "G"]
    with translation.override("vi"):
        assert [str(problem) for problem in table.problems] == [
            "Dòng 2, cột “code”: Ô có ký tự điều khiển ẩn (U+0000), không lưu được: "
            "hãy gõ lại ô này.",
            "Dòng 3, cột “code”: Ô có ký tự điều khiển ẩn (U+001B), không lưu được: "
            "hãy gõ lại ô này.",
            "Dòng 5, cột “on”: “\ufffd” không phải là ngày: hãy ghi theo dạng "
            "YYYY-MM-DD hoặc DD/MM/YYYY.",
        ]


def test_it_reads_the_first_sheet_of_a_workbook_with_real_dates(tmp_path):
    workbook = Workbook()
    workbook.active.append(["code", "on"])
    workbook.active.append([1001, datetime.datetime(2019, 3, 5)])
    workbook.create_sheet("other").append(["nothing", "here"])
    workbook.save(tmp_path / "a.xlsx")

    table = read_table(tmp_path / "a.xlsx", columns=COLUMNS)

    assert table.rows[0].values == {"code": "1001", "on": datetime.date(2019, 3, 5)}


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        (b"code,on,email\n", [Problem(1, "email", UNKNOWN_HEADER, {"expected": "code, on"})]),
        ("code,Mã\n".encode(), [Problem(1, "Mã", DUPLICATE_HEADER, {"other": "code"})]),
        (b"on\n", [Problem(1, None, MISSING_HEADER, {"key": "code", "header": "Mã"})]),
        (b"code\n\xff\xfe\n", [Problem(None, None, NOT_UTF8)]),
        (b'code\n"' + b"x" * 200_000 + b'"\n', [Problem(None, None, UNREADABLE_CSV)]),
    ],
)
def test_it_refuses_bad_headers_and_encodings(tmp_path, content, problems):
    with pytest.raises(TableError) as error:
        read_table(write(tmp_path, "a.csv", content), columns=COLUMNS)

    assert error.value.problems == problems


@pytest.mark.parametrize("name", ["a.xlsm", "a.txt", "a"])
def test_it_refuses_a_file_of_another_kind(tmp_path, name):
    with pytest.raises(TableError) as error:
        read_table(write(tmp_path, name, b"code\nA\n"), columns=COLUMNS)

    assert error.value.problems == [Problem(None, None, UNSUPPORTED_FILE)]


def test_it_names_row_column_and_problem_in_vietnamese(tmp_path):
    table = read_table(write(tmp_path, "a.csv", b"code,on\nA,2019-02-30\n"), columns=COLUMNS)

    with translation.override("vi"):
        assert [str(problem) for problem in table.problems] == [
            "Dòng 2, cột “on”: “2019-02-30” là ngày không có thật."
        ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-03-05", datetime.date(2019, 3, 5)),
        ("5/3/2019", datetime.date(2019, 3, 5)),
        (datetime.datetime(2019, 3, 5, 0, 0), datetime.date(2019, 3, 5)),
    ],
)
def test_it_parses_dates(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [("2019-02-30", NO_SUCH_DAY), ("31/04/2019", NO_SUCH_DAY), ("03-05-2019", NOT_A_DATE)],
)
def test_it_refuses_dates_that_do_not_exist_or_are_not_dates(value, message):
    with pytest.raises(DomainError) as error:
        parse_date(value)

    assert error.value.message == message
    assert error.value.params == {"value": value}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-03-12T08:30:00+07:00", datetime.datetime(2019, 3, 12, 8, 30, tzinfo=HANOI)),
        ("2019-03-12T01:30:00Z", datetime.datetime(2019, 3, 12, 8, 30, tzinfo=HANOI)),
        ("2019-03-12T08:30", datetime.datetime(2019, 3, 12, 8, 30, tzinfo=HANOI)),
        ("2019-03-12", datetime.datetime(2019, 3, 12, 0, 0, tzinfo=HANOI)),
        ("12/03/2019", datetime.datetime(2019, 3, 12, 0, 0, tzinfo=HANOI)),
        (
            datetime.datetime(2019, 3, 12, 8, 30),
            datetime.datetime(2019, 3, 12, 8, 30, tzinfo=HANOI),
        ),
    ],
)
def test_it_parses_date_times_as_local_unless_an_offset_says_otherwise(value, expected):
    assert parse_datetime(value) == expected


def test_it_keeps_the_local_day_of_an_instant_late_in_utc():
    # 20:00 UTC on 31 Dec is already 1 Jan in Hà Nội: the record belongs to the new year.
    moment = parse_datetime("2019-12-31T20:00:00Z")

    assert moment.astimezone(HANOI).date() == datetime.date(2020, 1, 1)


@pytest.mark.parametrize("value", ["yesterday", "2019-02-30T08:00", "12/03/2019 08:30"])
def test_it_refuses_what_is_not_a_date_time(value):
    with pytest.raises(DomainError) as error:
        parse_datetime(value)

    assert error.value.message in {NOT_A_DATETIME, NO_SUCH_DAY}


def test_it_numbers_rows_and_columns_as_the_sheet_does_when_cells_are_left_out(tmp_path):
    workbook = Workbook()
    workbook.active.append(["code", None, "on"])  # an empty column between
    workbook.active.append(["A1", None, "2019-03-05"])
    workbook.active.append([None, None, None])  # not written to the file at all
    workbook.active.append([True, None, 3.5])
    workbook.save(tmp_path / "gaps.xlsx")

    table = read_table(tmp_path / "gaps.xlsx", columns=[COLUMNS[0], Column("on", "Ngày")])

    assert [(row.number, row.values) for row in table.rows] == [
        (2, {"code": "A1", "on": "2019-03-05"}),
        (4, {"code": "True", "on": "3.5"}),
    ]


def test_it_reads_shared_strings_and_date_serials_as_excel_writes_them(tmp_path):
    rows = [["Mã", "Ngày"], ["S01", datetime.date(2019, 3, 5)], [], [1002, 43529]]
    write_excel_style(tmp_path / "excel.xlsx", rows)

    table = read_table(tmp_path / "excel.xlsx", columns=COLUMNS)

    assert [(row.number, row.values, row.problems) for row in table.rows] == [
        (2, {"code": "S01", "on": datetime.date(2019, 3, 5)}, []),
        (4, {"code": "1002", "on": None}, [Problem(4, "Ngày", NOT_A_DATE, {"value": "43529"})]),
    ]


@pytest.mark.parametrize("name", ["a.xlsx", "a.xls", "a.ods"])
def test_it_refuses_a_workbook_it_cannot_read(tmp_path, name):
    with pytest.raises(TableError) as error:
        read_table(write(tmp_path, name, b"code\nA\n"), columns=COLUMNS)

    assert error.value.problems == [Problem(None, None, UNREADABLE_XLSX)]


def test_it_joins_the_runs_of_a_formatted_text_and_leaves_out_phonetic_hints(tmp_path):
    write_excel_style(tmp_path / "plain.xlsx", [["Mã"], ["S01"]])
    rich = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>Mã</t></si>"
        "<si><r><rPr><b/></rPr><t>S</t></r><r><t>0_x005F_1</t></r><rPh><t>hint</t></rPh></si>"
        "</sst>"
    )
    with (
        zipfile.ZipFile(tmp_path / "plain.xlsx") as plain,
        zipfile.ZipFile(tmp_path / "rich.xlsx", "w") as archive,
    ):
        for name in plain.namelist():
            part = rich if name == "xl/sharedStrings.xml" else plain.read(name)
            archive.writestr(name, part)

    table = read_table(tmp_path / "rich.xlsx", columns=COLUMNS)

    assert table.rows[0].values == {"code": "S0_1"}


def test_it_refuses_values_in_a_column_without_header(tmp_path):
    path = write(tmp_path, "a.csv", b"code,,on\nA,stray,\nB,,,beyond\n")

    table = read_table(path, columns=COLUMNS)

    assert table.problems == [
        Problem(2, "B", VALUES_WITHOUT_HEADER),
        Problem(3, "D", VALUES_WITHOUT_HEADER),
    ]


SAME_ROWS = [
    ["code", "on"],
    [1001, datetime.date(2019, 3, 5)],
    ["001", "05/03/2019"],
    [],
    [True, None],
    ["A3", "2019-02-30"],
]


def write_xlsx(path, rows) -> None:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)


def write_xls(path, rows) -> None:
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("Trang1")
    day = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for row_index, row in enumerate(rows):
        for column_index, value in enumerate(row):
            if value is not None:
                style = day if isinstance(value, datetime.date) else xlwt.Style.default_style
                sheet.write(row_index, column_index, value, style)
    workbook.save(path)


@pytest.mark.parametrize(
    ("name", "writer"), [("a.xlsx", write_xlsx), ("a.ods", write_ods), ("a.xls", write_xls)]
)
def test_it_reads_ods_and_xls_files_as_it_reads_xlsx(tmp_path, name, writer):
    writer(tmp_path / name, SAME_ROWS)

    table = read_table(tmp_path / name, columns=COLUMNS)

    assert [(row.number, row.values, row.problems) for row in table.rows] == [
        (2, {"code": "1001", "on": datetime.date(2019, 3, 5)}, []),
        (3, {"code": "001", "on": datetime.date(2019, 3, 5)}, []),
        (5, {"code": "True", "on": None}, []),
        (6, {"code": "A3", "on": None}, [Problem(6, "on", NO_SUCH_DAY, {"value": "2019-02-30"})]),
    ]


def test_it_numbers_rows_and_columns_as_the_sheet_does_when_values_start_further_in(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet["B1"], sheet["C1"] = "code", "on"  # column A left empty
    sheet["B4"], sheet["C4"] = "A1", "2019-03-05"
    sheet["E70000"] = "stray"
    workbook.save(tmp_path / "a.xlsx")

    table = read_table(tmp_path / "a.xlsx", columns=[COLUMNS[0], Column("on", "Ngày")])

    assert [(row.number, row.values) for row in table.rows] == [
        (4, {"code": "A1", "on": "2019-03-05"}),
        (70000, {"code": None, "on": None}),
    ]
    assert table.problems == [
        Problem(70000, "code", REQUIRED),
        Problem(70000, "E", VALUES_WITHOUT_HEADER),
    ]


def test_it_takes_row_1_for_the_headers_even_when_it_is_empty(tmp_path):
    workbook = Workbook()
    workbook.active["A3"] = "code"
    workbook.save(tmp_path / "a.xlsx")

    with pytest.raises(TableError) as error:
        read_table(tmp_path / "a.xlsx", columns=COLUMNS)

    assert error.value.problems == [
        Problem(1, None, MISSING_HEADER, {"key": "code", "header": "Mã"})
    ]


def rewrite_part(path, name: str, change) -> None:
    """Replace the part `name` of the zip at `path` by change(its text)."""
    with zipfile.ZipFile(path) as archive:
        parts = {member: archive.read(member) for member in archive.namelist()}
    parts[name] = change(parts[name].decode()).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in parts.items():
            archive.writestr(member, data)


def test_it_places_cells_without_references_one_after_the_other(tmp_path):
    rows = [["Mã", "Ngày"], ["S01", datetime.date(2019, 3, 5)], [], [None, "2019-03-06"]]
    write_excel_style(tmp_path / "a.xlsx", rows)
    # Cells without their r="B2" attributes, as some programs write them; rows keep theirs.
    rewrite_part(
        tmp_path / "a.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda sheet: re.sub(r'<c r="[A-Z]+\d+"', "<c", sheet).replace(
            '<row r="4"><c', '<row r="4"><c/><c'
        ),
    )

    table = read_table(tmp_path / "a.xlsx", columns=COLUMNS)

    assert [(row.number, row.values) for row in table.rows] == [
        (2, {"code": "S01", "on": datetime.date(2019, 3, 5)}),
        (4, {"code": None, "on": datetime.date(2019, 3, 6)}),
    ]


def far_xlsx(path) -> None:
    write_excel_style(path, [["code"], ["A1"]])
    far_row = '<row r="50000000"><c r="A50000000" t="s"><v>1</v></c></row>'
    rewrite_part(
        path,
        "xl/worksheets/sheet1.xml",
        lambda sheet: sheet.replace("</sheetData>", f"{far_row}</sheetData>"),
    )


def far_xlsx_without_references(path) -> None:
    far_xlsx(path)
    rewrite_part(
        path, "xl/worksheets/sheet1.xml", lambda sheet: re.sub(r' r="[A-Z]+\d+"', "", sheet)
    )


def far_ods(path) -> None:
    write_ods(path, [["code"], [], ["A1"]])
    rewrite_part(
        path,
        "content.xml",
        lambda content: content.replace(
            "<table:table-row><table:table-cell/>",
            '<table:table-row table:number-rows-repeated="50000000"><table:table-cell/>',
        ),
    )


def far_xls(path) -> None:
    """A cell at the last row and column an .xls sheet can name."""
    write_xls(path, [["code"], ["A1"]])
    data = bytearray(path.read_bytes())
    label = data.index(struct.pack("<HH", 0x00FD, 10))  # LABELSST of the last text, "A1"
    struct.pack_into("<HH", data, label + 4, 0xFFFF, 0xFF)
    path.write_bytes(bytes(data))


def xls_announcing_billions(path) -> None:
    """calamine reserves room for the cells a DIMENSIONS record announces."""
    write_xls(path, [["code"], ["A1"]])
    data = bytearray(path.read_bytes())
    dimensions = data.index(struct.pack("<HH", 0x0200, 14))
    struct.pack_into("<IIHH", data, dimensions + 4, 0, 0x7FFFFFFF, 0, 0xFF)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("name", "writer", "problem"),
    [
        ("a.xlsx", far_xlsx, Problem(None, None, TOO_MANY_ROWS, {"limit": 200_000})),
        (
            "a.xlsx",
            far_xlsx_without_references,
            Problem(None, None, TOO_MANY_ROWS, {"limit": 200_000}),
        ),
        ("a.ods", far_ods, Problem(None, None, TOO_MANY_ROWS, {"limit": 200_000})),
        ("a.xls", far_xls, Problem(None, None, SHEET_TOO_LARGE, {"limit": 5_000_000})),
        (
            "a.xls",
            xls_announcing_billions,
            Problem(None, None, SHEET_TOO_LARGE, {"limit": 5_000_000}),
        ),
    ],
)
def test_it_refuses_a_sheet_reaching_too_far_before_calamine_lays_it_out(
    tmp_path, name, writer, problem
):
    # Laid out, these would take gigabytes, or end the test run: calamine aborts the process
    # when memory runs out.
    writer(tmp_path / name)

    with pytest.raises(TableError) as error:
        read_table(tmp_path / name, columns=COLUMNS)

    assert error.value.problems == [problem]


def write_csv(path, rows) -> None:
    path.write_text("".join(",".join(str(value) for value in row) + "\n" for row in rows))


def numbered_rows(count: int, *, width: int = 1) -> list[list]:
    """The header, then rows of different texts, `count` rows in all."""
    return [["code", *[None] * (width - 1)]] + [
        [f"S{row}-{column}" for column in range(width)] for row in range(count - 1)
    ]


@pytest.mark.parametrize(
    ("name", "writer"),
    [
        ("a.csv", write_csv),
        ("a.xlsx", write_xlsx),
        ("a.xlsx", write_excel_style),
        ("a.ods", write_ods),
        ("a.xls", write_xls),
    ],
)
def test_it_reads_as_many_rows_as_the_cap_and_refuses_one_more(tmp_path, settings, name, writer):
    settings.IMPORT_MAX_ROWS = 40
    writer(tmp_path / name, numbered_rows(40))

    table = read_table(tmp_path / name, columns=COLUMNS)
    writer(tmp_path / name, numbered_rows(41))
    with pytest.raises(TableError) as error:
        read_table(tmp_path / name, columns=COLUMNS)

    assert len(table.rows) == 39
    assert error.value.problems == [Problem(None, None, TOO_MANY_ROWS, {"limit": 40})]


@pytest.mark.parametrize(("name", "writer"), [("a.xlsx", write_excel_style), ("a.xls", write_xls)])
def test_it_refuses_more_shared_texts_than_the_rows_allow(tmp_path, settings, name, writer):
    # Eight texts a row: 10 rows of 9 different texts are 90, above the 80 allowed.
    settings.IMPORT_MAX_ROWS = 10
    writer(tmp_path / name, numbered_rows(10, width=9))

    with pytest.raises(TableError) as error:
        read_table(tmp_path / name, columns=COLUMNS)

    assert error.value.problems == [Problem(None, None, TOO_MANY_TEXTS, {"limit": 80})]
