from django.core.management.base import BaseCommand

from core.imports import run_import
from personnel.imports import staff_import


class Command(BaseCommand):
    help = (
        "Upsert staff from a staff file (CSV, XLSX, XLS or ODS, see EXCHANGE.md), recording "
        "transfers; "
        "all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        run_import(self, staff_import, file)
