"""Random and malformed files for every import command: a complete import or a clear refusal.

Whatever the file (random bytes, a cut or damaged workbook, CSV in another encoding, with or
without a byte-order mark, missing or unknown columns, huge cells, formulas, dates written
every which way, nothing at all), each command either imports it or stops with a CommandError
in Vietnamese, the problems listed one per line, and the database exactly as it was. Never a
traceback. Each example runs in a transaction rolled back at its end.
"""

import csv
import datetime
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from emulation.imports import NOMINATION_COLUMNS
from emulation.models import Nomination, Verdict
from inspections.imports import VIOLATION_COLUMNS
from inspections.models import AuditEntry, ViolationRecord
from personnel.imports import AGENCY_COLUMNS, STAFF_COLUMNS
from personnel.models import Posting, Staff, Unit
from tests.conftest import EXAMPLES_FACTOR
from tests.factories import make_period, make_staff

IMPORTERS = {
    "import_agencies": (AGENCY_COLUMNS, {}),
    "import_staff": (STAFF_COLUMNS, {}),
    "import_violations": (VIOLATION_COLUMNS, {}),
    "import_nominations": (NOMINATION_COLUMNS, {"period": "2019"}),
}
# Files the fuzzing once found failing, tried first on every run: NUL, which PostgreSQL
# cannot store in text, in a row that is otherwise right.
FOUND_BEFORE = {
    "import_agencies": [(".csv", b"code,name,kind\r\nP-MOI,\x00,ward\r\n")],
    "import_staff": [
        (".csv", b"staff_code,full_name,agency_code,category\r\nS001,\x00,P-A,cong_chuc\r\n"),
        (".csv", b"staff_code,full_name,agency_code,category\r\nP-A,\x00,P-A,cong_chuc\r\n"),
    ],
}
# The refusals a command may end with, in Vietnamese (the default language).
NOTHING_IMPORTED = "Không nhập dữ liệu nào: có "
IMPORTED = "Đã nhập: thêm mới "

# Values that mean something to one import or another, and values that mean nothing.
PLAUSIBLE = [
    "P-A", "X-B", "UB", "S001", "S002", "ward", "commune", "department", "cong_chuc",
    "vien_chuc", "lao_dong_tien_tien", "giay_khen", "confirmed", "submitted", "dismissed",
    "no_badge", "late_or_early_leave", "inspection", "1/BB-KTCV", "Nguyễn Văn Hùng",
]  # fmt: skip
ODD = [
    "2019-03-12", "12/03/2019", "2019-03-12T08:30:00+07:00", "31/02/2019", "2019-13-01",
    "12.03.2019", "March 12, 2019", "12/03/19", "0000-00-00", "9999-12-31", "2019-03-12T25:00",
    "=1+1", '=HYPERLINK("http://example.com")', "+cmd|' /C calc'!A0", "@SUM(A1:A9)", "#N/A",
    "NaN", "-0", "1e308", " ", "\t", "N\u0303guyê\u0303n", "\u200b", "\ufeffS001", "a\x00b",
]  # fmt: skip
cells = st.one_of(
    st.sampled_from(PLAUSIBLE),
    st.sampled_from(ODD),
    st.just(""),
    st.text(max_size=30),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=datetime.date(1900, 3, 1)),
    # Huge cells: beyond every column's limit, and beyond csv's default field limit.
    st.integers(min_value=300, max_value=140_000).map(lambda length: "Ấ" * length),
)


# Values a column of one import or another expects, so that some files import.
texts = st.text(min_size=1, max_size=20)
written_dates = st.sampled_from(["2019-03-12", "12/03/2019", "2019-3-1", "1/1/2018"])
GOOD = {
    "code": st.sampled_from(["P-A", "X-B", "UB", "P-MOI"]),
    "name": texts,
    "kind": st.sampled_from(["ward", "commune", "department", "Public_Unit"]),
    "parent_code": st.sampled_from(["", "P-A", "UB"]),
    "official_name": st.one_of(st.just(""), texts),
    "issuing_body": st.one_of(st.just(""), texts),
    "staff_code": st.sampled_from(["S001", "S002", "S003", "N-1"]),
    "full_name": texts,
    "agency_code": st.sampled_from(["P-A", "X-B", ""]),
    "category": st.sampled_from(["cong_chuc", "vien_chuc", "can_bo", "nguoi_lao_dong"]),
    "position": texts,
    "badge_number": texts,
    "email": st.sampled_from(["hung@phuong.gov.vn", "", "not-an-address"]),
    "hired_on": st.one_of(written_dates, st.dates(min_value=datetime.date(1950, 1, 1))),
    "posted_on": st.one_of(written_dates, st.dates(min_value=datetime.date(1950, 1, 1))),
    "record_no": st.sampled_from(["1/BB-KTCV", "2/BB-KTCV", "7/2019"]),
    "occurred_at": st.sampled_from(["2019-03-12T08:30:00+07:00", "12/03/2019", "2019-06-01"]),
    "type": st.sampled_from(["no_badge", "late_or_early_leave", "other"]),
    "status": st.sampled_from(["confirmed", "submitted", "dismissed"]),
    "source": st.sampled_from(["inspection", "legacy", ""]),
    "description": texts,
    "title": st.sampled_from(
        [
            "lao_dong_tien_tien",
            "giay_khen",
            "chien_si_thi_dua_co_so",
            "tap_the_lao_dong_tien_tien",
            "tap_the_lao_dong_xuat_sac",
        ]
    ),
    "rating": st.sampled_from(["xuat_sac", "tot", "hoan_thanh", "khong_hoan_thanh", "Tot", ""]),
    "initiative": texts,
}


@st.composite
def tables(draw, columns):
    """A header row and rows: often the right columns with fitting values, sometimes not."""
    by_name = {column.key: column.key for column in columns}
    by_name |= {column.header: column.key for column in columns}
    if draw(st.booleans()):
        chosen = [column for column in columns if column.required or draw(st.booleans())]
        header = [draw(st.sampled_from([column.key, column.header])) for column in chosen]
        header = draw(st.permutations(header))
    else:
        names = [*by_name, "", "extra", "Ghi chú"]
        header = draw(st.lists(st.sampled_from(names), max_size=len(columns) + 2))
    row = st.tuples(
        *(
            st.one_of(GOOD[by_name[name]], GOOD[by_name[name]], cells) if name in by_name else cells
            for name in header
        ),
        st.lists(cells, max_size=2),
    ).map(lambda values: [*values[:-1], *values[-1]])
    rows = draw(st.lists(row, max_size=6))
    return [header, *rows]


def csv_file(rows, encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding, errors="replace")


def xlsx_file(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        # openpyxl refuses control characters and cells over Excel's 32,767 characters.
        sheet.append(
            [
                ILLEGAL_CHARACTERS_RE.sub("", cell)[:32767] if isinstance(cell, str) else cell
                for cell in row
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@st.composite
def damaged(draw, content: bytes) -> bytes:
    """The file cut short, or with some of its bytes changed.

    Places are drawn as fractions of the length: a workbook's bytes differ from one run to the
    next (it records when it was saved), and hypothesis needs the same draws each time.
    """
    fractions = st.floats(min_value=0, max_value=1, exclude_max=True)
    if draw(st.booleans()):
        return content[: int(draw(fractions) * len(content))]
    changed = bytearray(content)
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        changed[int(draw(fractions) * len(changed))] = draw(st.integers(0, 255))
    return bytes(changed)


def xlsx_with_member(name: str, data: bytes) -> bytes:
    """A real workbook in which one part is replaced (a broken sheet, broken shared strings)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_file([["code", "name"], ["A", "B"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, data if item.filename == name else source.read(item))
        if name not in source.namelist():
            target.writestr(name, data)
    return out.getvalue()


WORKBOOK_PARTS = [
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/workbook.xml",
    "[Content_Types].xml",
    "xl/styles.xml",
]


def files(columns):
    """(suffix, content) of every kind of file a person, or a broken program, might send."""
    table = tables(columns)
    encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258", "latin-1"])
    return st.one_of(
        st.tuples(st.sampled_from([".csv", ".xlsx", ".CSV", ".txt"]), st.binary(max_size=3000)),
        st.tuples(st.just(".csv"), st.builds(csv_file, table, encodings)),
        st.tuples(st.just(".xlsx"), st.builds(xlsx_file, table)),
        st.tuples(st.just(".xlsx"), st.builds(xlsx_file, table).flatmap(damaged)),
        st.tuples(st.just(".csv"), st.builds(csv_file, table, st.just("utf-8")).flatmap(damaged)),
        st.tuples(
            st.just(".xlsx"),
            st.builds(
                xlsx_with_member,
                st.sampled_from(WORKBOOK_PARTS),
                st.one_of(st.binary(max_size=200), st.just(b"<?xml version='1.0'?><a>")),
            ),
        ),
        st.tuples(st.sampled_from([".csv", ".xlsx"]), st.just(b"")),
    )


class RolledBack(Exception):
    pass


def database_state() -> tuple:
    return tuple(
        list(model.objects.order_by("pk").values())
        for model in (Unit, Staff, Posting, ViolationRecord, AuditEntry, Nomination, Verdict)
    )


@pytest.fixture
def known(unit_a, unit_b):
    """Units, people and a period the files can name, so that some of them import."""
    make_staff("S001", unit=unit_a)
    make_staff("S002", unit=unit_b)
    make_period()


def check_import(command: str, options: dict, path) -> None:
    before = database_state()
    out, err = io.StringIO(), io.StringIO()
    try:
        with transaction.atomic():
            try:
                call_command(command, str(path), stdout=out, stderr=err, **options)
            except CommandError as error:
                message = str(error)
                assert message.startswith(NOTHING_IMPORTED), message
                problems = err.getvalue().splitlines()
                assert problems, "the problems are listed, one per line"
                # A huge cell is quoted cut short, not copied out in full.
                assert max(len(line) for line in problems) < 1000
                assert database_state() == before
            else:
                assert out.getvalue().startswith(IMPORTED), out.getvalue()
            raise RolledBack
    except RolledBack:
        pass


@pytest.mark.parametrize("command", IMPORTERS)
def test_it_imports_or_refuses_cleanly_whatever_the_file(command, known, tmp_path):
    columns, options = IMPORTERS[command]

    @settings(
        max_examples=40 * EXAMPLES_FACTOR,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(file=files(columns))
    def any_file(file):
        suffix, content = file
        path = tmp_path / f"upload{suffix}"
        path.write_bytes(content)
        check_import(command, options, path)

    for file in FOUND_BEFORE.get(command, []):
        any_file = example(file=file)(any_file)
    any_file()
