"""A small year of data for the report tests, made with the services (plain functions)."""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

from emulation.services import nomination_create, period_create
from inspections import report_services, services
from inspections.models import ViolationRecord, Visit
from personnel.models import Posting, Staff, StaffCategory, Unit, UnitKind, User
from personnel.services import regulation_record

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LOCAL)


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


class Clock:
    """timezone.now() frozen at `now`, moved by the test (services stamp rows with it)."""

    def __init__(self, monkeypatch, now: datetime.datetime):
        self.now = now
        monkeypatch.setattr(timezone, "now", lambda: self.now)


@dataclass
class Year:
    units: dict[str, Unit]
    staff: dict[str, Staff]
    records: dict[str, ViolationRecord]


def _person(code: str, name: str, unit: Unit) -> Staff:
    person = Staff.objects.create(code=code, full_name=name, category=StaffCategory.CONG_CHUC)
    Posting.objects.create(staff=person, unit=unit, starts_on=None)
    return person


def _visit(clock, inspection_round, unit, inspector, at) -> Visit:
    clock.now = at
    return services.visit_start(inspection_round=inspection_round, unit=unit, actor=inspector)


def _confirmed(clock, *, inspector, reviewer, staff, unit, occurred_at, type, visit=None):
    clock.now = max(occurred_at, clock.now) + datetime.timedelta(hours=1)
    record = services.record_create(
        author=inspector, staff=staff, unit=unit, occurred_at=occurred_at, type=type,
        description="Biên bản kiểm tra", visit=visit,
    )  # fmt: skip
    services.record_submit(record=record, actor=inspector)
    return services.record_confirm(record=record, reviewer=reviewer)


def build_year(clock: Clock, *, inspector: User, reviewer: User, unit_a: Unit, unit_b: Unit):
    """2019: rounds DX-1, DX-2 (surprise), KH-3 (planned); unit A visited 3 times, B twice,
    C once, D never; 4 confirmed records in 2019 (two on the year's local boundaries), one in
    2018 and one in 2020; a period "2019" with 2 people excluded and 1 pending."""
    unit_c = Unit.objects.create(
        code="PB-C", name="Phòng Tài chính - Kế hoạch", kind=UnitKind.DEPARTMENT
    )
    unit_d = Unit.objects.create(code="X-D", name="Xã Mai Pha", kind=UnitKind.COMMUNE)
    an = _person("S1", "Nguyễn Văn An", unit_a)
    binh = _person("S2", "Lê Thị Bình", unit_a)
    cuong = _person("S3", "Trần Văn Cường", unit_b)
    dung = _person("S4", "Phạm Thị Dung", unit_c)

    def make_round(code, kind, start, units):
        return services.round_create(
            code=code, name=f"Đợt {code}", kind=kind, starts_on=start,
            ends_on=start + datetime.timedelta(days=4), lead=inspector, members=[], units=units,
        )  # fmt: skip

    old = make_round("DX-0", "surprise", datetime.date(2018, 11, 1), [unit_b])
    first = make_round("DX-1", "surprise", datetime.date(2019, 3, 1), [unit_a, unit_b, unit_c])
    second = make_round("DX-2", "surprise", datetime.date(2019, 6, 10), [unit_a, unit_b])
    third = make_round("KH-3", "planned", datetime.date(2019, 12, 20), [unit_a])
    _visit(clock, old, unit_b, inspector, local(2018, 11, 1, 8, 0))
    visit_a1 = _visit(clock, first, unit_a, inspector, local(2019, 3, 1, 8, 0))
    _visit(clock, first, unit_b, inspector, local(2019, 3, 2, 8, 0))
    _visit(clock, first, unit_c, inspector, local(2019, 3, 3, 8, 0))
    _visit(clock, second, unit_a, inspector, local(2019, 6, 10, 8, 0))
    _visit(clock, second, unit_b, inspector, local(2019, 6, 11, 8, 0))
    _visit(clock, third, unit_a, inspector, local(2019, 12, 20, 8, 0))

    clock.now = local(2018, 1, 1)
    people = {"inspector": inspector, "reviewer": reviewer}
    records = {
        # 23:30 local on 31 December 2018: a 2018 record.
        "late_2018": _confirmed(clock, **people, staff=an, unit=unit_a,
                                occurred_at=local(2018, 12, 31, 23, 30), type="no_badge"),
        # 00:10 local on 1 January 2019, given in UTC (17:10 on 31 December): 2019, January.
        "new_year_2019": _confirmed(clock, **people, staff=cuong, unit=unit_b,
                                    occurred_at=utc(2018, 12, 31, 17, 10), type="no_badge"),
        "visit_a1": _confirmed(clock, **people, staff=an, unit=unit_a, visit=visit_a1,
                               occurred_at=local(2019, 3, 1, 9, 30), type="no_badge"),
        "june": _confirmed(clock, **people, staff=cuong, unit=unit_b,
                           occurred_at=local(2019, 6, 11, 10, 0), type="alcohol_on_duty"),
        # 23:30 local on 31 December 2019 belongs to 2019.
        "last_evening": _confirmed(clock, **people, staff=an, unit=unit_a,
                                   occurred_at=local(2019, 12, 31, 23, 30),
                                   type="late_or_early_leave"),
        # 00:30 local on 1 January 2020, given in UTC: a 2020 record.
        "first_night_2020": _confirmed(clock, **people, staff=binh, unit=unit_a,
                                       occurred_at=utc(2019, 12, 31, 17, 30),
                                       type="improper_conduct"),
    }  # fmt: skip
    clock.now = local(2020, 1, 10)
    # Submitted but not reviewed: Bình's nomination is pending; it is no confirmed record.
    waiting = services.record_create(
        author=inspector, staff=binh, unit=unit_a, occurred_at=local(2019, 5, 5, 9, 0),
        type="no_badge", description="Chờ duyệt",
    )  # fmt: skip
    records["waiting"] = services.record_submit(record=waiting, actor=inspector)
    dismissed = services.record_create(
        author=inspector, staff=cuong, unit=unit_b, occurred_at=local(2019, 7, 7, 9, 0),
        type="absent_without_reason", description="Bác bỏ",
    )  # fmt: skip
    services.record_submit(record=dismissed, actor=inspector)
    records["dismissed"] = services.record_dismiss(
        record=dismissed, reviewer=reviewer, reason="Có giấy phép"
    )

    # Two citizen reports received in 2019, one confirmed.
    clock.now = local(2019, 8, 1, 10, 0)
    confirmed_report = report_services.report_submit(
        unit=unit_a, staff_hint="", occurred_at=local(2019, 8, 1, 9, 0),
        description="Cán bộ thiếu văn minh", sender_address="192.0.2.1",
    )  # fmt: skip
    report_services.report_start_verification(report=confirmed_report, reviewer=reviewer)
    report_services.report_confirm(
        report=confirmed_report, reviewer=reviewer, staff=binh, violation_type="improper_conduct"
    )
    clock.now = local(2019, 9, 1, 10, 0)
    report_services.report_submit(
        unit=unit_b, staff_hint="", occurred_at=local(2019, 9, 1, 9, 0),
        description="Không đeo thẻ", sender_address="192.0.2.2",
    )  # fmt: skip

    # Regulations: A and C in 2019, B in 2018, D never.
    for unit, day in ((unit_a, (2019, 2, 1)), (unit_c, (2019, 9, 9)), (unit_b, (2018, 5, 1))):
        regulation_record(
            unit=unit, recorded_by=reviewer, kind="working_rules", action="issued",
            title="Quy chế làm việc", signed_on=datetime.date(*day),
        )  # fmt: skip

    # The 2019 period: An and Cường excluded (An nominated twice), Bình pending, Dung eligible.
    clock.now = local(2020, 1, 15)
    period_create(
        code="2019", starts_on=datetime.date(2019, 1, 1), ends_on=datetime.date(2019, 12, 31)
    )
    for code, title in (("S1", "lao_dong_tien_tien"), ("S1", "chien_si_thi_dua_co_so"),
                        ("S2", "lao_dong_tien_tien"), ("S3", "lao_dong_tien_tien"),
                        ("S4", "lao_dong_tien_tien")):  # fmt: skip
        nomination_create(
            period_code="2019", staff_code=code, title_code=title, unit=None, submitted_by=reviewer
        )
    return Year(
        units={"A": unit_a, "B": unit_b, "C": unit_c, "D": unit_d},
        staff={"S1": an, "S2": binh, "S3": cuong, "S4": dung},
        records=records,
    )
