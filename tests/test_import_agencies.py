"""import_agencies: units upserted by code from CSV or XLSX, all or nothing."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from core.imports import DUPLICATE_CODE, Action
from core.tabular import (
    MISSING_HEADER,
    TOO_LONG,
    UNKNOWN_CHOICE,
    UNKNOWN_HEADER,
    UNSUPPORTED_FILE,
    Problem,
)
from personnel.imports import UNIT_CYCLE, UNKNOWN_PARENT, agencies_import
from personnel.models import Unit, UnitKind, UnitName
from personnel.selectors import unit_names_on

HEADER = "code,name,kind,parent_code"
CITY = [
    HEADER,
    "P-CL,Phường Chi Lăng,ward,UB",  # the parent comes later in the file
    "UB,UBND thành phố,department,",
    "X-MP,Xã Mai Pha,commune,UB",
]
KINDS = ", ".join(UnitKind.values)


def write_csv(tmp_path, lines, *, name="agencies.csv", bom=False, newline="\n"):
    path = tmp_path / name
    content = newline.join(lines) + newline
    path.write_bytes(("\ufeff" if bom else "").encode() + content.encode())
    return path


def units() -> list[tuple]:
    return list(Unit.objects.order_by("code").values_list("code", "name", "kind", "parent__code"))


def test_it_creates_units_whose_parents_come_later_in_the_file(db, tmp_path):
    result = agencies_import(path=write_csv(tmp_path, CITY))

    assert result.problems == []
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert units() == [
        ("P-CL", "Phường Chi Lăng", "ward", "UB"),
        ("UB", "UBND thành phố", "department", None),
        ("X-MP", "Xã Mai Pha", "commune", "UB"),
    ]


def test_it_changes_nothing_when_the_same_file_comes_again(db, tmp_path):
    path = write_csv(tmp_path, CITY)
    agencies_import(path=path)
    before = units()

    again = agencies_import(path=path)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert units() == before


def test_it_updates_a_unit_by_code_and_says_what_changes(db, tmp_path, unit_a):
    lines = [HEADER, "UB,UBND thành phố,department,", "P-A,Phường Đông Kinh mới,ward,UB"]

    result = agencies_import(path=write_csv(tmp_path, lines))

    assert (result.created, result.updated) == (1, 1)
    plan = next(plan for plan in result.plans if plan.code == "P-A")
    assert plan.action == Action.UPDATED
    with translation.override("en"):
        changes = [(str(change.label), change.old, change.new) for change in plan.changes]
    assert changes == [
        ("name", "Phường Đông Kinh", "Phường Đông Kinh mới"),
        ("parent unit", "—", "UB"),
    ]
    unit_a.refresh_from_db()
    assert (unit_a.name, unit_a.parent.code) == ("Phường Đông Kinh mới", "UB")


def test_it_accepts_a_parent_already_stored(db, tmp_path, unit_a):
    result = agencies_import(path=write_csv(tmp_path, [HEADER, "TDP-1,Tổ dân phố 1,other,P-A"]))

    assert result.problems == []
    assert Unit.objects.get(code="TDP-1").parent == unit_a


def test_it_keeps_stored_parents_when_the_file_has_no_parent_column(db, tmp_path):
    agencies_import(path=write_csv(tmp_path, CITY))

    result = agencies_import(path=write_csv(tmp_path, ["code,name,kind", "P-CL,Chi Lăng,ward"]))

    assert result.updated == 1
    assert Unit.objects.get(code="P-CL").parent.code == "UB"


def test_it_reads_bom_crlf_and_vietnamese_headers_as_a_plain_file(db, tmp_path):
    vietnamese = ["  MÃ ĐƠN VỊ ,Tên  đơn vị,loại,Mã đơn vị cấp trên", *CITY[1:]]
    path = write_csv(tmp_path, vietnamese, name="excel.csv", bom=True, newline="\r\n")

    result = agencies_import(path=path)

    assert result.problems == []
    assert result.created == 3
    assert units()[0] == ("P-CL", "Phường Chi Lăng", "ward", "UB")


def test_it_reads_the_first_sheet_of_an_xlsx_file(db, tmp_path):
    workbook = Workbook()
    for line in CITY:
        workbook.active.append([cell or None for cell in line.split(",")])
    workbook.save(tmp_path / "agencies.xlsx")

    result = agencies_import(path=tmp_path / "agencies.xlsx")

    assert result.created == 3
    assert len(units()) == 3


@pytest.mark.parametrize(
    ("lines", "problems"),
    [
        pytest.param(
            [HEADER, "UB,UBND,department,", "P-1,Phường 1,ward,NOPE"],
            [Problem(3, "parent_code", UNKNOWN_PARENT, {"code": "NOPE"})],
            id="unknown parent",
        ),
        pytest.param(
            [HEADER, "A,A,ward,B", "B,B,ward,C", "C,C,ward,A", "D,D,ward,A"],
            [
                Problem(2, "parent_code", UNIT_CYCLE, {"cycle": "A → B → C → A"}),
                Problem(3, "parent_code", UNIT_CYCLE, {"cycle": "B → C → A → B"}),
                Problem(4, "parent_code", UNIT_CYCLE, {"cycle": "C → A → B → C"}),
            ],
            id="cycle",
        ),
        pytest.param(
            [HEADER, "A,A,ward,A"],
            [Problem(2, "parent_code", UNIT_CYCLE, {"cycle": "A → A"})],
            id="own parent",
        ),
        pytest.param(
            [HEADER, "A,A,ward,", "B,B,ward,", "A,A again,ward,"],
            [Problem(4, "code", DUPLICATE_CODE, {"code": "A", "row": 2})],
            id="duplicate code",
        ),
        pytest.param(
            [HEADER, "A,A,town,"],
            [Problem(2, "kind", UNKNOWN_CHOICE, {"value": "town", "choices": KINDS})],
            id="unknown kind",
        ),
        pytest.param(
            ["code,name,parent_code", "A,A,"],
            [Problem(1, None, MISSING_HEADER, {"key": "kind", "header": "Loại"})],
            id="missing header",
        ),
        pytest.param(
            ["code,name,kind,parent", "A,A,ward,"],
            [
                Problem(
                    1,
                    "parent",
                    UNKNOWN_HEADER,
                    {"expected": "code, name, kind, parent_code, official_name, issuing_body"},
                )
            ],
            id="wrong header",
        ),
    ],
)
def test_it_refuses_a_bad_file_and_writes_nothing(db, tmp_path, unit_a, lines, problems):
    before = units()

    result = agencies_import(path=write_csv(tmp_path, lines))

    assert result.problems == problems
    assert not result.written
    assert units() == before


def test_it_finds_a_cycle_through_a_stored_unit(db, tmp_path):
    agencies_import(path=write_csv(tmp_path, CITY))
    before = units()

    # UB under X-MP, while the stored X-MP is under UB.
    result = agencies_import(path=write_csv(tmp_path, [HEADER, "UB,UBND,department,X-MP"]))

    assert result.problems == [Problem(2, "parent_code", UNIT_CYCLE, {"cycle": "UB → X-MP → UB"})]
    assert units() == before


def test_it_refuses_a_file_that_is_no_spreadsheet(db, tmp_path):
    path = tmp_path / "agencies.txt"
    path.write_bytes(b"not a spreadsheet we read")

    result = agencies_import(path=path)

    assert result.problems == [Problem(None, None, UNSUPPORTED_FILE)]
    assert units() == []


def test_the_command_prints_each_problem_and_fails(db, tmp_path):
    path = write_csv(tmp_path, [HEADER, "A,A,ward,B", "B,B,ward,A", "C,C,town,"])
    stderr = StringIO()

    with translation.override("vi"), pytest.raises(CommandError) as error:
        call_command("import_agencies", str(path), stderr=stderr)

    assert error.value.returncode == 1
    assert str(error.value) == "Không nhập dữ liệu nào: có 3 lỗi."
    assert stderr.getvalue().splitlines() == [
        "Dòng 2, cột “parent_code”: Các đơn vị cấp trên sẽ tạo thành vòng lặp: A → B → A.",
        "Dòng 3, cột “parent_code”: Các đơn vị cấp trên sẽ tạo thành vòng lặp: B → A → B.",
        f"Dòng 4, cột “kind”: “town” không thuộc các giá trị: {KINDS}.",
    ]
    assert units() == []


def test_the_command_prints_the_counts(db, tmp_path):
    stdout = StringIO()

    with translation.override("vi"):
        call_command("import_agencies", str(write_csv(tmp_path, CITY)), stdout=stdout)

    assert stdout.getvalue() == "Đã nhập: thêm mới 3, cập nhật 0, giữ nguyên 0.\n"


# --- Official names and issuing bodies --------------------------------------------------------

NAMES_HEADER = "code,name,kind,parent_code,official_name,issuing_body"
NAMED_CITY = [
    NAMES_HEADER,
    "UB,UBND thành phố,department,,Ủy ban nhân dân thành phố Lạng Sơn,",
    "P-CL,Phường Chi Lăng,ward,UB,Ủy ban nhân dân phường Chi Lăng,"
    "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN",
    "X-MP,Xã Mai Pha,commune,UB,,",
]
IMPORTED_ON = datetime.date(2026, 12, 7)


def names() -> list[tuple]:
    return list(
        UnitName.objects.order_by("unit__code", "valid_from").values_list(
            "unit__code", "valid_from", "official_name", "issuing_body"
        )
    )


def test_it_gives_new_units_their_official_names_since_always(db, tmp_path):
    result = agencies_import(path=write_csv(tmp_path, NAMED_CITY), today=IMPORTED_ON)

    assert result.problems == []
    assert result.created == 3
    # Names as the documents' headers use them; a unit left without stays without.
    assert names() == [
        ("P-CL", None, "Ủy ban nhân dân phường Chi Lăng", "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN"),
        ("UB", None, "Ủy ban nhân dân thành phố Lạng Sơn", ""),
    ]
    ward = Unit.objects.get(code="P-CL")
    assert unit_names_on(ward, datetime.date(2019, 1, 1)) == (
        "Ủy ban nhân dân phường Chi Lăng",
        "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN",
    )


def test_it_changes_no_name_when_the_same_file_comes_again(db, tmp_path):
    path = write_csv(tmp_path, NAMED_CITY)
    agencies_import(path=path, today=IMPORTED_ON)
    before = names()

    again = agencies_import(path=path, today=IMPORTED_ON + datetime.timedelta(days=30))

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert names() == before


def test_it_starts_a_new_dated_entry_when_a_name_changes(db, tmp_path):
    agencies_import(path=write_csv(tmp_path, NAMED_CITY), today=IMPORTED_ON)
    renamed_on = datetime.date(2027, 1, 1)
    lines = [
        NAMES_HEADER,
        "P-CL,Phường Chi Lăng,ward,UB,Ủy ban nhân dân phường Chi Lăng mới,",
    ]

    result = agencies_import(path=write_csv(tmp_path, lines), today=renamed_on)

    [plan] = result.plans
    assert plan.action == Action.UPDATED
    with translation.override("en"):
        changes = [(str(change.label), change.old, change.new) for change in plan.changes]
    assert changes == [
        (
            "full official name",
            "Ủy ban nhân dân phường Chi Lăng",
            "Ủy ban nhân dân phường Chi Lăng mới",
        )
    ]
    # The earlier names stay for the documents dated before; the empty issuing body kept.
    ward = Unit.objects.get(code="P-CL")
    body = "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN"
    assert unit_names_on(ward, datetime.date(2026, 12, 31)) == (
        "Ủy ban nhân dân phường Chi Lăng",
        body,
    )
    assert unit_names_on(ward, renamed_on) == ("Ủy ban nhân dân phường Chi Lăng mới", body)
    assert UnitName.objects.filter(unit=ward).count() == 2


def test_it_changes_the_entry_of_the_same_day_instead_of_adding_a_second(db, tmp_path, unit_a):
    UnitName.objects.create(unit=unit_a, valid_from=IMPORTED_ON, official_name="Tên cũ")
    lines = [NAMES_HEADER, f"P-A,{unit_a.name},ward,,Ủy ban nhân dân phường Đông Kinh,"]

    result = agencies_import(path=write_csv(tmp_path, lines), today=IMPORTED_ON)

    assert result.updated == 1
    assert names() == [("P-A", IMPORTED_ON, "Ủy ban nhân dân phường Đông Kinh", "")]


def test_it_names_a_unit_by_its_name_when_only_the_issuing_body_is_given(db, tmp_path, unit_a):
    lines = [NAMES_HEADER, f"P-A,{unit_a.name},ward,,,ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN"]

    agencies_import(path=write_csv(tmp_path, lines), today=IMPORTED_ON)

    assert names() == [("P-A", None, unit_a.name, "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN")]


def test_it_keeps_the_names_when_the_file_has_no_name_columns(db, tmp_path):
    agencies_import(path=write_csv(tmp_path, NAMED_CITY), today=IMPORTED_ON)
    before = names()

    result = agencies_import(path=write_csv(tmp_path, CITY), today=IMPORTED_ON)

    assert result.problems == []
    assert names() == before


def test_it_refuses_a_name_too_long_and_writes_nothing(db, tmp_path):
    lines = [
        NAMES_HEADER,
        "UB,UBND thành phố,department,,Ủy ban nhân dân thành phố Lạng Sơn,",
        f"P-CL,Phường Chi Lăng,ward,UB,{'Ấ' * 256},",
    ]

    result = agencies_import(path=write_csv(tmp_path, lines), today=IMPORTED_ON)

    assert result.problems == [Problem(3, "official_name", TOO_LONG, {"limit": 255})]
    assert not result.written
    assert (units(), names()) == ([], [])
