import datetime

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from emulation.services import period_create


def parse_day(text: str) -> datetime.date:
    """YYYY-MM-DD or DD/MM/YYYY (EXCHANGE.md)."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise CommandError(f"{text!r} is not a date: write YYYY-MM-DD or DD/MM/YYYY.")


class Command(BaseCommand):
    help = "Create an emulation period, e.g. `2019 2019-01-01 2019-12-31`."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("start", help="first day, YYYY-MM-DD or DD/MM/YYYY")
        parser.add_argument("end", help="last day, YYYY-MM-DD or DD/MM/YYYY")
        parser.add_argument("--name", default="", help="the period's name (default: its code)")

    def handle(self, *args, code, start, end, name, **options):
        try:
            period = period_create(
                code=code, starts_on=parse_day(start), ends_on=parse_day(end), name=name
            )
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Created period {period.code}: "
            f"{period.starts_on:%Y-%m-%d} to {period.ends_on:%Y-%m-%d}."
        )
