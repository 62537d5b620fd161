"""Factories for the emulation tests (plain functions, no fixtures: see conftest.py)."""

import datetime
import itertools
from zoneinfo import ZoneInfo

from emulation.models import Nomination, Period, Title
from inspections.models import RecordStatus, ViolationRecord, ViolationType
from personnel.models import Posting, Staff, StaffCategory, Unit

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
_numbers = itertools.count(1)


def local(*args) -> datetime.datetime:
    """An aware datetime in Hà Nội time."""
    return datetime.datetime(*args, tzinfo=LOCAL)


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def make_staff(code: str, *, unit: Unit, full_name: str = "Nguyễn Văn Hùng") -> Staff:
    staff = Staff.objects.create(code=code, full_name=full_name, category=StaffCategory.CONG_CHUC)
    Posting.objects.create(staff=staff, unit=unit, starts_on=None)
    return staff


def make_period(code="2019", start=(2019, 1, 1), end=(2019, 12, 31), **extra) -> Period:
    return Period.objects.create(
        code=code,
        name=extra.pop("name", f"Năm {code}"),
        starts_on=datetime.date(*start),
        ends_on=datetime.date(*end),
        **extra,
    )


def make_record(
    staff: Staff,
    occurred_at: datetime.datetime,
    status: str = RecordStatus.CONFIRMED,
    *,
    number: str | None = None,
    type: str = ViolationType.NO_BADGE,
    unit: Unit | None = None,
) -> ViolationRecord:
    return ViolationRecord.objects.create(
        number=number or f"{next(_numbers)}/BB-KTCV",
        staff=staff,
        unit=unit or staff.postings.first().unit,
        occurred_at=occurred_at,
        type=type,
        status=status,
    )


def nominate_directly(period: Period, staff: Staff, title_code="lao_dong_tien_tien", unit=None):
    """A nomination row without the service (for bulk set-ups); no verdict yet."""
    return Nomination.objects.create(
        period=period,
        staff=staff,
        title=Title.objects.get(code=title_code),
        unit=unit or staff.postings.first().unit,
    )
