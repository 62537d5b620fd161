"""Reads of the portal app."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from portal.models import PersonalDataAccess


def personal_data_accesses(
    *,
    staff_code: str = "",
    username: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[PersonalDataAccess]:
    """The access log, oldest first; days are local (Asia/Ho_Chi_Minh) and both included."""
    accesses = PersonalDataAccess.objects.select_related(
        "user", "staff", "record", "citizen_report"
    ).order_by("at", "pk")
    if staff_code:
        accesses = accesses.filter(staff__code=staff_code)
    if username:
        accesses = accesses.filter(user__username=username)
    if since:
        accesses = accesses.filter(at__gte=_local_midnight(since))
    if until:
        accesses = accesses.filter(at__lt=_local_midnight(until + datetime.timedelta(days=1)))
    return accesses


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
