from django.core.management.base import BaseCommand

from core.imports import run_import
from personnel.imports import agencies_import


class Command(BaseCommand):
    help = (
        "Upsert units from an agencies file (CSV, XLSX, XLS or ODS, see EXCHANGE.md); "
        "all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        run_import(self, agencies_import, file)
