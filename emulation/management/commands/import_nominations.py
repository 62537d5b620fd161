import functools

from django.core.management.base import BaseCommand

from core.imports import run_import
from emulation.imports import nominations_import


class Command(BaseCommand):
    help = (
        "Upsert the nominations of a period from a nominations file (CSV, XLSX, XLS or ODS, see "
        "EXCHANGE.md), then evaluate the period; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="the period's code")
        parser.add_argument("file")

    def handle(self, *args, period, file, **options):
        run_import(self, functools.partial(nominations_import, period_code=period), file)
