from django.core.management.base import BaseCommand

from core.imports import run_import
from inspections.imports import violations_import


class Command(BaseCommand):
    help = (
        "Add violation records from a violations file (CSV, XLSX, XLS or ODS, see EXCHANGE.md), "
        "or bring "
        "imported ones up to date; confirmed and dismissed records are never changed. All or "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        run_import(self, violations_import, file)
