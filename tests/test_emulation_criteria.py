"""The title criteria of EXCHANGE.md ("The rule in full"): tenure and rating for Lao động tiên
tiến, Lao động tiên tiến and merit for Chiến sĩ thi đua cơ sở, the members of a collective;
each failed criterion a reason with its data, a criterion without data listed as unchecked."""

import datetime
import io
import json

import pytest
from django.core.management import call_command

from core.errors import DomainError
from emulation import services
from emulation.models import Nomination
from emulation.rule import tenure_cutoff
from inspections.models import DisciplineDecision, DisciplineForm, DisciplineStatus, RecordStatus
from personnel.imports import staff_import
from personnel.models import Posting
from personnel.services import staff_transfer
from tests.factories import local, make_period, make_record, make_staff

DAY = datetime.date


def eligibility(period_code="2019") -> dict:
    out = io.StringIO()
    call_command("eligibility", period=period_code, format="json", stdout=out)
    return {
        (row["staff_code"] or row["agency_code"], row["title"]): row
        for row in json.loads(out.getvalue())["nominations"]
    }


LONG_AGO = DAY(2010, 1, 1)


def person(code, unit, *, hired_on=LONG_AGO):
    staff = make_staff(code, unit=unit)
    staff.hired_on = hired_on
    staff.save(update_fields=["hired_on"])
    return staff


def nominate(staff, title="lao_dong_tien_tien", *, rating="tot", initiative="", period="2019"):
    return services.nomination_create(
        period_code=period,
        staff_code=staff.code,
        title_code=title,
        unit=staff.postings.first().unit,
        submitted_by=None,
        rating=rating,
        initiative=initiative,
    )


def nominate_unit(unit, title="tap_the_lao_dong_tien_tien"):
    return services.nomination_create(
        period_code="2019", title_code=title, unit=unit, submitted_by=None
    )


@pytest.fixture
def period(db):
    return make_period("2019")


@pytest.mark.parametrize(
    ("months", "ends_on", "cutoff"),
    [
        (6, DAY(2019, 12, 31), DAY(2019, 6, 30)),
        (6, DAY(2020, 8, 31), DAY(2020, 2, 29)),
        (12, DAY(2019, 12, 31), DAY(2018, 12, 31)),
        (0, DAY(2019, 12, 31), DAY(2019, 12, 31)),
    ],
)
def test_it_counts_tenure_in_calendar_months(months, ends_on, cutoff):
    assert tenure_cutoff(ends_on=ends_on, months=months) == cutoff


@pytest.mark.parametrize(
    ("hired_on", "status", "reasons", "unchecked"),
    [
        (DAY(2019, 6, 30), "eligible", [], []),
        (
            DAY(2019, 7, 1),
            "excluded",
            [{"kind": "tenure", "hired_on": "2019-07-01", "min_months": 6}],
            [],
        ),
        (None, "eligible", [], ["tenure"]),
    ],
)
def test_it_needs_six_months_of_service_for_lao_dong_tien_tien(
    period, unit_a, hired_on, status, reasons, unchecked
):
    nominate(person("S001", unit_a, hired_on=hired_on))

    row = eligibility()[("S001", "lao_dong_tien_tien")]

    assert (row["status"], row["reasons"], row["unchecked"]) == (status, reasons, unchecked)


@pytest.mark.parametrize(
    ("rating", "status", "reasons", "unchecked"),
    [
        ("xuat_sac", "eligible", [], []),
        ("tot", "eligible", [], []),
        ("hoan_thanh", "excluded", [{"kind": "rating", "rating": "hoan_thanh"}], []),
        ("khong_hoan_thanh", "excluded", [{"kind": "rating", "rating": "khong_hoan_thanh"}], []),
        ("", "eligible", [], ["rating"]),
    ],
)
def test_it_needs_tasks_completed_well_for_lao_dong_tien_tien(
    period, unit_a, rating, status, reasons, unchecked
):
    nominate(person("S001", unit_a), rating=rating)

    row = eligibility()[("S001", "lao_dong_tien_tien")]

    assert (row["status"], row["reasons"], row["unchecked"], row["rating"]) == (
        status,
        reasons,
        unchecked,
        rating,
    )


def test_it_lists_every_failed_criterion_after_the_records(period, unit_a):
    staff = person("S001", unit_a, hired_on=DAY(2019, 11, 1))
    make_record(staff, local(2019, 5, 2, 8, 0), number="BB-02")
    make_record(staff, local(2019, 3, 1, 8, 0), number="BB-01")
    nominate(staff, rating="hoan_thanh")

    row = eligibility()[("S001", "lao_dong_tien_tien")]

    assert [reason["kind"] for reason in row["reasons"]] == [
        "violation",
        "violation",
        "rating",
        "tenure",
    ]
    assert [reason.get("record_no") for reason in row["reasons"][:2]] == ["BB-01", "BB-02"]


@pytest.mark.parametrize(
    ("lao_dong", "status", "reasons"),
    [
        ("eligible", "eligible", []),
        (
            "missing",
            "excluded",
            [{"kind": "requires_title", "title": "lao_dong_tien_tien", "status": "missing"}],
        ),
        (
            "excluded",
            "excluded",
            [{"kind": "requires_title", "title": "lao_dong_tien_tien", "status": "excluded"}],
        ),
    ],
)
def test_it_needs_lao_dong_tien_tien_before_chien_si_thi_dua_co_so(
    period, unit_a, lao_dong, status, reasons
):
    staff = person("S001", unit_a)
    if lao_dong != "missing":
        nominate(staff, rating="xuat_sac" if lao_dong == "eligible" else "hoan_thanh")

    nominate(staff, "chien_si_thi_dua_co_so", rating="xuat_sac")

    row = eligibility()[("S001", "chien_si_thi_dua_co_so")]
    assert (row["status"], row["reasons"]) == (status, reasons)


def test_it_defers_chien_si_thi_dua_co_so_while_lao_dong_tien_tien_is_pending(period, unit_a):
    staff = person("S001", unit_a)
    make_record(staff, local(2019, 4, 1, 8, 0), RecordStatus.SUBMITTED, number="BB-S")
    nominate(staff, "chien_si_thi_dua_co_so", initiative="Số hóa hồ sơ")
    nominate(staff)

    row = eligibility()[("S001", "chien_si_thi_dua_co_so")]

    # Its own pending record, and the pending Lao động tiên tiến: the later nomination of
    # Lao động tiên tiến re-evaluated the person's other titles.
    assert row["status"] == "pending"
    assert [reason["kind"] for reason in row["reasons"]] == ["violation", "requires_title"]
    assert row["reasons"][1]["status"] == "pending"


@pytest.mark.parametrize(
    ("rating", "initiative", "status", "reasons", "unchecked"),
    [
        ("xuat_sac", "", "eligible", [], []),
        ("tot", "Phần mềm một cửa", "eligible", [], []),
        ("tot", "", "excluded", [{"kind": "merit"}], []),
        ("", "", "eligible", [], ["merit"]),
    ],
)
def test_it_needs_an_excellent_year_or_an_initiative_for_chien_si_thi_dua_co_so(
    period, unit_a, rating, initiative, status, reasons, unchecked
):
    staff = person("S001", unit_a)
    nominate(staff)
    nominate(staff, "chien_si_thi_dua_co_so", rating=rating, initiative=initiative)

    row = eligibility()[("S001", "chien_si_thi_dua_co_so")]

    assert (row["status"], row["reasons"], row["unchecked"], row["initiative"]) == (
        status,
        reasons,
        unchecked,
        initiative,
    )


@pytest.fixture
def ward(period, unit_a, unit_b):
    """Unit A with ten members on the period's last day, each nominated for Lao động tiên tiến
    and eligible; one of unit B; one who left unit A before the period ended."""
    members = [person(f"A{index:02}", unit_a) for index in range(10)]
    for staff in members:
        nominate(staff)
    nominate(person("B01", unit_b))
    gone = person("A99", unit_a)
    Posting.objects.filter(staff=gone).update(ends_on=DAY(2019, 10, 31))
    Posting.objects.create(staff=gone, unit=unit_b, starts_on=DAY(2019, 11, 1))
    return members


def collective(unit, title="tap_the_lao_dong_tien_tien") -> dict:
    return eligibility()[(unit.code, title)]


def test_it_lists_a_collective_after_the_people_with_the_units_name(ward, unit_a):
    nominate_unit(unit_a)

    out = io.StringIO()
    call_command("eligibility", period="2019", format="json", stdout=out)
    rows = json.loads(out.getvalue())["nominations"]

    assert rows[-1] == {
        "staff_code": "",
        "full_name": "Phường Đông Kinh",
        "agency_code": "P-A",
        "title": "tap_the_lao_dong_tien_tien",
        "status": "eligible",
        "reasons": [],
        "unchecked": [],
        "rating": "",
        "initiative": "",
    }
    assert Nomination.objects.get(staff=None).unit == unit_a


def test_it_needs_the_share_of_members_with_lao_dong_tien_tien(ward, unit_a):
    nominate_unit(unit_a)
    # 7 of 10 eligible is 70%: enough. An eighth record brings it to 6 of 10.
    for staff in ward[:3]:
        make_record(staff, local(2019, 6, 1, 8, 0), number=f"BB-{staff.code}")
        services.evaluate_person(staff=staff)
    assert collective(unit_a)["status"] == "eligible"

    make_record(ward[3], local(2019, 6, 1, 8, 0), RecordStatus.SUBMITTED, number="BB-S")
    services.evaluate_person(staff=ward[3])
    assert collective(unit_a)["status"] == "pending"
    assert collective(unit_a)["reasons"] == [
        {"kind": "collective_share", "members": 10, "holders": 6, "required_percent": 70}
    ]

    make_record(ward[4], local(2019, 6, 1, 8, 0), number="BB-A04")
    services.evaluate_person(staff=ward[4])
    assert collective(unit_a)["status"] == "excluded"
    assert collective(unit_a)["reasons"][0]["holders"] == 5


@pytest.mark.parametrize(
    ("form", "status"),
    [(DisciplineForm.KHIEN_TRACH, "eligible"), (DisciplineForm.CANH_CAO, "excluded")],
)
def test_it_refuses_a_collective_with_a_member_disciplined_from_a_warning_up(
    ward, unit_a, form, status
):
    nominate_unit(unit_a)
    # A member without any nomination counts too.
    quiet = person("A50", unit_a)
    for index in range(3):
        nominate(person(f"A6{index}", unit_a))

    DisciplineDecision.objects.create(
        number="7/QĐ-UBND",
        staff=quiet,
        form=form,
        status=DisciplineStatus.DECIDED,
        decided_on=DAY(2018, 9, 1),
        effective_until=DAY(2019, 8, 31),
    )
    services.evaluate_person(staff=quiet)

    row = collective(unit_a)
    assert row["status"] == status
    if status == "excluded":
        assert row["reasons"] == [
            {
                "kind": "member_disciplined",
                "staff_code": "A50",
                "decision_no": "7/QĐ-UBND",
                "form": "canh_cao",
            }
        ]


def test_it_needs_a_member_with_chien_si_thi_dua_co_so_for_tap_the_lao_dong_xuat_sac(ward, unit_a):
    nominate_unit(unit_a, "tap_the_lao_dong_xuat_sac")
    row = collective(unit_a, "tap_the_lao_dong_xuat_sac")
    assert (row["status"], row["reasons"]) == ("excluded", [{"kind": "no_cstdcs_member"}])

    nominate(ward[0], "chien_si_thi_dua_co_so", rating="xuat_sac")

    assert collective(unit_a, "tap_the_lao_dong_xuat_sac")["status"] == "eligible"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"staff_code": "S001", "title_code": "tap_the_lao_dong_tien_tien"},
            "TITLE_NOT_INDIVIDUAL",
        ),
        ({"title_code": "lao_dong_tien_tien"}, "TITLE_NOT_COLLECTIVE"),
        ({"title_code": "tap_the_lao_dong_tien_tien", "unit": None}, "COLLECTIVE_WITHOUT_UNIT"),
        ({"staff_code": "S001", "rating": "gioi"}, "UNKNOWN_RATING"),
    ],
)
def test_it_refuses_a_bad_nomination_and_writes_nothing(period, unit_a, arguments, message):
    person("S001", unit_a)
    arguments = {
        "period_code": "2019",
        "title_code": "lao_dong_tien_tien",
        "unit": unit_a,
        "submitted_by": None,
        **arguments,
    }

    with pytest.raises(DomainError) as refused:
        services.nomination_create(**arguments)

    assert refused.value.message == getattr(services, message)
    assert not Nomination.objects.exists()


def test_it_refuses_a_unit_twice_for_a_collective_title(period, unit_a):
    nominate_unit(unit_a)

    with pytest.raises(DomainError) as refused:
        nominate_unit(unit_a)

    assert refused.value.message == services.COLLECTIVE_DUPLICATE
    assert Nomination.objects.count() == 1


def test_it_evaluates_again_when_the_roster_gives_a_recruitment_date(period, unit_a, tmp_path):
    staff = person("S001", unit_a, hired_on=None)
    nominate(staff)
    assert eligibility()[("S001", "lao_dong_tien_tien")]["unchecked"] == ["tenure"]
    roster = tmp_path / "can-bo.csv"
    roster.write_text(
        "staff_code,full_name,agency_code,category,hired_on\n"
        f"S001,{staff.full_name},P-A,cong_chuc,2019-09-01\n",
        encoding="utf-8",
    )

    assert staff_import(path=roster).problems == []

    row = eligibility()[("S001", "lao_dong_tien_tien")]
    assert (row["status"], row["unchecked"]) == ("excluded", [])
    assert row["reasons"] == [{"kind": "tenure", "hired_on": "2019-09-01", "min_months": 6}]


def test_it_counts_a_collective_again_when_a_member_moves_away(ward, unit_a, unit_b):
    nominate_unit(unit_a)
    for staff in ward[:3]:
        make_record(staff, local(2019, 6, 1, 8, 0), number=f"BB-{staff.code}")
        services.evaluate_person(staff=staff)
    assert collective(unit_a)["status"] == "eligible"  # 7 of 10

    staff_transfer(staff=ward[5], unit=unit_b, on=DAY(2019, 12, 1))

    assert collective(unit_a)["reasons"] == [
        {"kind": "collective_share", "members": 9, "holders": 6, "required_percent": 70}
    ]


def test_it_counts_a_collective_again_when_the_roster_brings_new_members(
    ward, unit_a, unit_b, tmp_path
):
    nominate_unit(unit_a)
    nominate_unit(unit_b)
    assert collective(unit_a)["status"] == "eligible"  # 10 of 10
    elsewhere = collective(unit_b)
    roster = tmp_path / "can-bo.csv"
    roster.write_text(
        "staff_code,full_name,agency_code,category,hired_on\n"
        + "".join(f"N{index},Người Mới {index},P-A,cong_chuc,2010-01-01\n" for index in range(5)),
        encoding="utf-8",
    )

    assert staff_import(path=roster).problems == []

    assert collective(unit_a)["reasons"] == [
        {"kind": "collective_share", "members": 15, "holders": 10, "required_percent": 70}
    ]
    assert collective(unit_b) == elsewhere
    assert eligibility()[("A00", "lao_dong_tien_tien")]["status"] == "eligible"
