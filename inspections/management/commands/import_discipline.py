from django.core.management.base import BaseCommand

from core.imports import run_import
from inspections.discipline_imports import discipline_import


class Command(BaseCommand):
    help = (
        "Record discipline decisions from a discipline file (CSV, XLSX, XLS or ODS, see "
        "EXCHANGE.md), "
        "upserted by decision_no. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        run_import(self, discipline_import, file)
