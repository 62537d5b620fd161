"""`create_period` and `eligibility` exactly as EXCHANGE.md documents them."""

import datetime
import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from emulation.models import Period
from emulation.services import PERIOD_CODE_TAKEN, PERIOD_ENDS_BEFORE_START, nomination_create
from inspections.models import RecordStatus, ViolationType
from personnel.services import staff_transfer
from tests.factories import local, make_record, make_staff, utc


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_creates_a_calendar_and_a_school_year(db):
    run("create_period", "2019", "2019-01-01", "2019-12-31")
    run("create_period", "NH2019-2020", "01/09/2019", "31/08/2020")

    assert list(Period.objects.order_by("code").values_list("code", "starts_on", "ends_on")) == [
        ("2019", datetime.date(2019, 1, 1), datetime.date(2019, 12, 31)),
        ("NH2019-2020", datetime.date(2019, 9, 1), datetime.date(2020, 8, 31)),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("2020", "2020-12-31", "2020-01-01"), PERIOD_ENDS_BEFORE_START),
        (("2019", "2019-01-01", "2019-12-31"), PERIOD_CODE_TAKEN),
        (("2021", "2021-13-01", "2021-12-31"), "is not a date"),
    ],
)
def test_it_refuses_a_bad_period_and_writes_nothing(db, args, message):
    run("create_period", "2019", "2019-01-01", "2019-12-31")

    with pytest.raises(CommandError, match=re.escape(str(message))):
        run("create_period", *args)

    assert Period.objects.count() == 1


@pytest.fixture
def nominations_2019(unit_a, unit_b):
    """S001 excluded by two records (one made in unit A before a transfer), S002 pending,
    S003 (a namesake of S001) eligible with two titles; dismissed and out-of-period records."""
    run("create_period", "2019", "2019-01-01", "2019-12-31")
    hung = make_staff("S001", unit=unit_a, full_name="Nguyễn Văn Hùng")
    hoa = make_staff("S002", unit=unit_b, full_name="Lê Thị Hoa")
    namesake = make_staff("S003", unit=unit_a, full_name="Nguyễn Văn Hùng")
    make_record(hung, utc(2019, 3, 12, 1, 0), number="BB-01/2019", type="late_or_early_leave")
    make_record(
        hung, local(2019, 12, 31, 23, 30), number="BB-20/2019", type=ViolationType.ALCOHOL_ON_DUTY
    )
    make_record(hung, local(2019, 6, 1, 8, 0), RecordStatus.SUBMITTED, number="BB-S/2019")
    make_record(hoa, utc(2019, 7, 4, 17, 30), RecordStatus.SUBMITTED, number="BB-07/2019")
    make_record(hoa, local(2019, 5, 1, 8, 0), RecordStatus.DISMISSED, number="BB-D/2019")
    make_record(namesake, utc(2019, 12, 31, 17, 0), number="BB-01/2020")  # 1 Jan 2020 local
    staff_transfer(staff=hung, unit=unit_b, on=datetime.date(2019, 7, 1))
    namesake.hired_on = datetime.date(2010, 3, 1)
    namesake.save()
    for code, title, unit, rating, initiative in [
        ("S003", "lao_dong_tien_tien", unit_a, "tot", ""),
        ("S003", "chien_si_thi_dua_co_so", unit_a, "", "Phần mềm quản lý hồ sơ một cửa"),
        ("S002", "lao_dong_tien_tien", unit_b, "", ""),
        ("S001", "lao_dong_tien_tien", unit_b, "xuat_sac", ""),
    ]:
        nomination_create(
            period_code="2019",
            staff_code=code,
            title_code=title,
            unit=unit,
            submitted_by=None,
            rating=rating,
            initiative=initiative,
        )


def test_it_prints_the_exact_json(nominations_2019):
    assert json.loads(run("eligibility", "--period", "2019", "--format", "json")) == {
        "period": "2019",
        "start": "2019-01-01",
        "end": "2019-12-31",
        "nominations": [
            {
                "staff_code": "S001",
                "full_name": "Nguyễn Văn Hùng",
                "agency_code": "X-B",
                "title": "lao_dong_tien_tien",
                "status": "excluded",
                "reasons": [
                    {
                        "kind": "violation",
                        "record_no": "BB-01/2019",
                        "type": "late_or_early_leave",
                        "occurred_on": "2019-03-12",
                        "status": "confirmed",
                    },
                    {
                        "kind": "violation",
                        "record_no": "BB-20/2019",
                        "type": "alcohol_on_duty",
                        "occurred_on": "2019-12-31",
                        "status": "confirmed",
                    },
                ],
                "unchecked": ["tenure"],
                "rating": "xuat_sac",
                "initiative": "",
            },
            {
                "staff_code": "S002",
                "full_name": "Lê Thị Hoa",
                "agency_code": "X-B",
                "title": "lao_dong_tien_tien",
                "status": "pending",
                "reasons": [
                    {
                        "kind": "violation",
                        "record_no": "BB-07/2019",
                        "type": "no_badge",
                        "occurred_on": "2019-07-05",
                        "status": "submitted",
                    }
                ],
                "unchecked": ["rating", "tenure"],
                "rating": "",
                "initiative": "",
            },
            {
                "staff_code": "S003",
                "full_name": "Nguyễn Văn Hùng",
                "agency_code": "P-A",
                "title": "chien_si_thi_dua_co_so",
                "status": "eligible",
                "reasons": [],
                "unchecked": [],
                "rating": "",
                "initiative": "Phần mềm quản lý hồ sơ một cửa",
            },
            {
                "staff_code": "S003",
                "full_name": "Nguyễn Văn Hùng",
                "agency_code": "P-A",
                "title": "lao_dong_tien_tien",
                "status": "eligible",
                "reasons": [],
                "unchecked": [],
                "rating": "tot",
                "initiative": "",
            },
        ],
    }


def test_it_defaults_to_json(nominations_2019):
    assert run("eligibility", "--period", "2019") == run(
        "eligibility", "--period", "2019", "--format", "json"
    )


def test_it_prints_the_exact_csv(nominations_2019):
    assert run("eligibility", "--period", "2019", "--format", "csv").splitlines() == [
        "staff_code,full_name,agency_code,title,status,record_nos",
        "S001,Nguyễn Văn Hùng,X-B,lao_dong_tien_tien,excluded,BB-01/2019; BB-20/2019",
        "S002,Lê Thị Hoa,X-B,lao_dong_tien_tien,pending,BB-07/2019",
        "S003,Nguyễn Văn Hùng,P-A,chien_si_thi_dua_co_so,eligible,",
        "S003,Nguyễn Văn Hùng,P-A,lao_dong_tien_tien,eligible,",
    ]


def test_it_refuses_an_unknown_period(db):
    with pytest.raises(CommandError, match="no emulation period"):
        run("eligibility", "--period", "1999")
