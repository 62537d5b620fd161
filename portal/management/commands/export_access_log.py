import datetime
from itertools import chain

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.sheets import csv_text
from portal.selectors import personal_data_accesses

HEADER = [
    "at",
    "username",
    "staff_code",
    "staff_name",
    "view",
    "record_number",
    "evidence_id",
    "citizen_report",
    "ip",
]


def _day(text: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        raise CommandError(
            _("Write the day as dd/mm/yyyy, got “%(text)s”.") % {"text": text}
        ) from None


class Command(BaseCommand):
    help = (
        "Print the personal data access log (who viewed whose records and evidence) as CSV, "
        "oldest first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--staff", default="", help="only this person (staff code)")
        parser.add_argument("--user", default="", help="only this user (username)")
        parser.add_argument("--since", help="from this day, dd/mm/yyyy")
        parser.add_argument("--until", help="up to this day included, dd/mm/yyyy")

    def handle(self, *args, staff, user, since, until, **options):
        accesses = personal_data_accesses(
            staff_code=staff,
            username=user,
            since=_day(since) if since else None,
            until=_day(until) if until else None,
        )
        rows = (
            [
                timezone.localtime(access.at).isoformat(timespec="seconds"),
                access.user.username,
                access.staff.code if access.staff else "",
                access.staff.full_name if access.staff else "",
                access.view,
                (access.record.number or f"#{access.record.pk}") if access.record else "",
                access.evidence_id or "",
                access.citizen_report.tracking_code if access.citizen_report else "",
                access.ip or "",
            ]
            for access in accesses.iterator(chunk_size=2000)
        )
        for text in csv_text(chain([HEADER], rows)):
            self.stdout.write(text, ending="")
