import datetime

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from emulation.models import Policy
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
        parser.add_argument(
            "--policy",
            default=Policy.VIOLATIONS,
            help="violations (default: a confirmed violation record excludes) or discipline "
            "(only discipline excludes)",
        )
        parser.add_argument(
            "--min-months",
            type=int,
            default=6,
            help="months of service Lao động tiên tiến needs before the last day (default 6)",
        )
        parser.add_argument(
            "--collective-share",
            type=int,
            default=70,
            help="percent of a unit's members a collective title needs (default 70)",
        )
        parser.add_argument(
            "--cstdcs-cap",
            type=int,
            default=None,
            help="cap on Chiến sĩ thi đua cơ sở, percent of a unit's Lao động tiên tiến "
            "(the council is warned, nobody is dropped)",
        )
        parser.add_argument(
            "--review-opens-on",
            default=None,
            help="first day the list may go to the council (default: 30 days before the end)",
        )

    def handle(
        self,
        *args,
        code,
        start,
        end,
        name,
        policy,
        min_months,
        collective_share,
        cstdcs_cap,
        review_opens_on,
        **options,
    ):
        try:
            period = period_create(
                code=code,
                starts_on=parse_day(start),
                ends_on=parse_day(end),
                name=name,
                policy=policy,
                min_months=min_months,
                collective_share=collective_share,
                cstdcs_cap=cstdcs_cap,
                review_opens_on=parse_day(review_opens_on) if review_opens_on else None,
            )
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Created period {period.code}: "
            f"{period.starts_on:%Y-%m-%d} to {period.ends_on:%Y-%m-%d}."
        )
