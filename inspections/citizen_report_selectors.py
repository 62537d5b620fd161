"""Reads for citizen reports (phản ánh)."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from inspections.models import CitizenReport, ReportStatus
from personnel.models import Staff, Unit
from personnel.selectors import STAFF_BY_NAME, posted_to, staff_posted_to

# No 0/O, 1/I/L: a code read out over the phone or copied by hand stays unambiguous.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_CODE_LENGTH = 10


def normalise_tracking_code(code: str) -> str:
    """Upper case, without the spaces and dashes people type between groups."""
    return "".join(code.split()).replace("-", "").upper()


def current_units(*, day: datetime.date) -> QuerySet[Unit]:
    """The units that exist on `day`: what a citizen may report about."""
    return Unit.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day),
        Q(valid_to__isnull=True) | Q(valid_to__gte=day),
    ).order_by("name", "code")


def report_by_tracking_code(*, code: str) -> CitizenReport | None:
    code = normalise_tracking_code(code)
    if len(code) != TRACKING_CODE_LENGTH:
        return None
    return CitizenReport.objects.select_related("unit", "record").filter(tracking_code=code).first()


def reports_sent_from(*, sender_hash: str, since: datetime.datetime) -> int:
    return CitizenReport.objects.filter(sender_hash=sender_hash, created_at__gte=since).count()


def report_list(*, status: str | None = None, unit: Unit | None = None) -> QuerySet[CitizenReport]:
    """The reviewer's list, newest first, with the unit for each row (no query per row)."""
    reports = CitizenReport.objects.select_related("unit").only(
        "tracking_code",
        "status",
        "occurred_at",
        "created_at",
        "unit__code",
        "unit__name",
    )
    if status:
        reports = reports.filter(status=status)
    if unit is not None:
        reports = reports.filter(unit=unit)
    return reports.order_by("-created_at", "-pk")


def report_local_day(report: CitizenReport) -> datetime.date:
    return timezone.localtime(report.occurred_at).date()


def staff_for_hint(*, hint: str) -> Staff | None:
    """The one person whose badge number (or staff code) is `hint`, or None."""
    hint = hint.strip()
    if not hint:
        return None
    matches = list(Staff.objects.filter(Q(badge_number__iexact=hint) | Q(code__iexact=hint))[:2])
    return matches[0] if len(matches) == 1 else None


def staff_choices_for_report(*, report: CitizenReport) -> QuerySet[Staff]:
    """Whom a reviewer may name: the unit's staff that day, plus the person the badge names."""
    unit, day = report.unit, report_local_day(report)
    named = staff_for_hint(hint=report.staff_hint)
    if named is None:
        return staff_posted_to(unit=unit, day=day)
    return Staff.objects.filter(posted_to(unit=unit, day=day) | Q(pk=named.pk)).order_by(
        *STAFF_BY_NAME
    )


def reports_awaiting_count() -> int:
    """Reports a reviewer still has to act on: received or being verified."""
    return CitizenReport.objects.filter(
        status__in=[ReportStatus.RECEIVED, ReportStatus.VERIFYING]
    ).count()
