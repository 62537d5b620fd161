"""Writes for citizen reports (phản ánh): submission and the reviewer's verification.

Each transition is one function that owns its transaction and locks the report row, so two
reviewers acting at once cannot both win; a refused transition raises DomainError and writes
nothing.
"""

import datetime
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.refusals import refusals_noted
from inspections.citizen_report_selectors import (
    TRACKING_ALPHABET,
    TRACKING_CODE_LENGTH,
    report_by_tracking_code,
    report_local_day,
    reports_sent_from,
)
from inspections.models import (
    CitizenReport,
    RecordSource,
    ReportStatus,
    ViolationRecord,
    ViolationType,
)
from inspections.services import record_create, record_submit
from personnel.models import Staff, Unit, User
from personnel.selectors import unit_on

TOO_MANY_REPORTS = _(
    "Too many reports have been sent from your connection in the last hour. Please try again later."
)
TOO_MANY_LOOKUPS = _(
    "Too many tracking codes that match no report have been tried from your connection in the "
    "last hour. Please try again later."
)
OCCURRED_IN_FUTURE = _("The time it happened cannot be in the future.")
DESCRIPTION_REQUIRED = _("Please describe what happened.")
UNIT_NOT_CURRENT = _("This unit no longer exists; choose the unit it was merged into.")
NOT_RECEIVED = _("Verification can only start on a report that has just been received.")
NOT_BEING_VERIFIED = _("Only a report being verified can be confirmed or closed.")
REASON_REQUIRED = _("Give the reason for closing the report.")
STAFF_NOT_POSTED = _("This person was not posted to any unit on the day it happened.")
UNKNOWN_VIOLATION_TYPE = _("Choose a type of violation from the list.")

RATE_WINDOW = datetime.timedelta(hours=1)


def sender_hash(address: str) -> str:
    """A keyed hash of the sender's address: enough to count, useless to find the person."""
    return salted_hmac("inspections.citizen-report.sender", address, algorithm="sha256").hexdigest()


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_CODE_LENGTH))


def _lock_sender(hashed: str) -> None:
    """Serialise the reports of one address so that the count and the insert cannot race.

    PostgreSQL: a transaction-level advisory lock on the hash. SQLite runs the
    transaction with BEGIN IMMEDIATE (see settings), which already serialises writers.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(hashed[:15], 16)])


def report_submit(
    *,
    unit: Unit,
    staff_hint: str,
    occurred_at: datetime.datetime,
    description: str,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    sender_address: str,
) -> CitizenReport:
    now = timezone.now()
    if occurred_at > now:
        raise DomainError(OCCURRED_IN_FUTURE)
    if not description.strip():
        raise DomainError(DESCRIPTION_REQUIRED)
    if not unit.exists_on(timezone.localdate(now)):
        raise DomainError(UNIT_NOT_CURRENT)
    hashed = sender_hash(sender_address)
    with transaction.atomic():
        _lock_sender(hashed)
        sent = reports_sent_from(sender_hash=hashed, since=now - RATE_WINDOW)
        if sent >= settings.CITIZEN_REPORTS_PER_HOUR:
            raise DomainError(TOO_MANY_REPORTS)
        report = CitizenReport(
            unit=unit,
            staff_hint=staff_hint.strip(),
            occurred_at=occurred_at,
            description=description.strip(),
            contact_name=contact_name.strip(),
            contact_phone=contact_phone.strip(),
            contact_email=contact_email.strip(),
            sender_hash=hashed,
            created_at=now,
        )
        # 31^10 codes: a clash is next to impossible, but a retry costs nothing.
        for attempt in range(5):
            report.tracking_code = new_tracking_code()
            try:
                with transaction.atomic():
                    report.save()
                break
            except IntegrityError:
                if attempt == 4:
                    raise
    return report


def report_track(*, code: str, sender_address: str) -> CitizenReport | None:
    """The report a tracking code names, or None.

    Codes that match nothing are counted per address for an hour from the first; past
    TRACKING_CODE_MISSES_PER_HOUR every lookup from there is refused, so that trying codes
    at random finds nothing. A sender who mistypes their code a few times is not held up.
    """
    key = f"citizen-report:tracking-misses:{sender_hash(sender_address)}"
    if cache.get(key, 0) >= settings.TRACKING_CODE_MISSES_PER_HOUR:
        raise DomainError(TOO_MANY_LOOKUPS)
    report = report_by_tracking_code(code=code)
    if report is None:
        window = int(RATE_WINDOW.total_seconds())
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # the hour ended between the two calls
            cache.set(key, 1, timeout=window)
    return report


def _locked(report: CitizenReport) -> CitizenReport:
    return CitizenReport.objects.select_for_update().get(pk=report.pk)


@refusals_noted("citizen_report.start_verification", actor="reviewer", subject="report")
@transaction.atomic
def report_start_verification(*, report: CitizenReport, reviewer: User) -> CitizenReport:
    report = _locked(report)
    if report.status != ReportStatus.RECEIVED:
        raise DomainError(NOT_RECEIVED)
    report.status = ReportStatus.VERIFYING
    report.verification_started_by = reviewer
    report.verification_started_at = timezone.now()
    report.save(update_fields=["status", "verification_started_by", "verification_started_at"])
    return report


@refusals_noted("citizen_report.close", actor="reviewer", subject="report")
@transaction.atomic
def report_close(*, report: CitizenReport, reviewer: User, reason: str) -> CitizenReport:
    """Close as not confirmed, with the reviewer's reason."""
    report = _locked(report)
    if report.status != ReportStatus.VERIFYING:
        raise DomainError(NOT_BEING_VERIFIED)
    if not reason.strip():
        raise DomainError(REASON_REQUIRED)
    report.status = ReportStatus.NOT_CONFIRMED
    report.closing_reason = reason.strip()
    report.verified_by = reviewer
    report.verified_at = timezone.now()
    report.save(update_fields=["status", "closing_reason", "verified_by", "verified_at"])
    return report


def create_draft_record_for_report(
    *, report: CitizenReport, staff: Staff, unit: Unit, violation_type: str, author: User
) -> ViolationRecord:
    """The draft violation record a confirmed report becomes, made by the record workflow
    (the same checks, and the audit trail from its first entry)."""
    return record_create(
        author=author,
        staff=staff,
        unit=unit,
        occurred_at=report.occurred_at,
        type=violation_type,
        description=report.description,
        source=RecordSource.CITIZEN_REPORT,
    )


@refusals_noted("citizen_report.confirm", actor="reviewer", subject="report")
@transaction.atomic
def report_confirm(
    *, report: CitizenReport, reviewer: User, staff: Staff, violation_type: str
) -> ViolationRecord:
    """Confirm the report by turning it into a violation record against `staff`, submitted at
    once for review by another reviewer (whoever verified it may not confirm it): from now
    on the person's nominations wait on that review."""
    report = _locked(report)
    if report.status != ReportStatus.VERIFYING:
        raise DomainError(NOT_BEING_VERIFIED)
    if violation_type not in ViolationType.values:
        raise DomainError(UNKNOWN_VIOLATION_TYPE)
    # The record keeps the unit the person was posted to that day, whatever the sender chose.
    unit = unit_on(staff=staff, day=report_local_day(report))
    if unit is None:
        raise DomainError(STAFF_NOT_POSTED)
    record = create_draft_record_for_report(
        report=report, staff=staff, unit=unit, violation_type=violation_type, author=reviewer
    )
    record = record_submit(record=record, actor=reviewer)
    report.status = ReportStatus.CONFIRMED
    report.staff = staff
    report.record = record
    report.verified_by = reviewer
    report.verified_at = timezone.now()
    report.save(update_fields=["status", "staff", "record", "verified_by", "verified_at"])
    return record
