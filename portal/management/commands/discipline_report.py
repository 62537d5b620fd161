import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from portal.reports.figures import MAX_YEAR, MIN_YEAR, discipline_report
from portal.reports.tables import report_tables
from portal.reports.text import draft_text


class Command(BaseCommand):
    help = "Print the year's discipline figures (EXCHANGE.md)."

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, type=int, help="the calendar year, YYYY")
        parser.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args, year, format, **options):
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise CommandError(f"The year must lie between {MIN_YEAR} and {MAX_YEAR}.")
        # A report only reads: every path that changes a record (the workflow, the imports)
        # has already re-evaluated the verdicts it affects.
        report = discipline_report(year=year)
        if format == "json":
            self.stdout.write(json.dumps(report.current.as_exchange(), ensure_ascii=False))
            return
        # The text report is for Interior Affairs: always in Vietnamese.
        with translation.override("vi"):
            self.stdout.write(self._text(report))

    def _text(self, report) -> str:
        heading = translation.gettext("Discipline figures of %(year)s") % {
            "year": report.current.year
        }
        lines = [heading.upper(), ""]
        for table in report_tables(report).values():
            lines += [table.title.upper(), " | ".join(table.headers)]
            lines += [" | ".join(str(value) for value in row) for row in table.rows] or ["—"]
            lines.append("")
        title = translation.gettext("Draft of the report")
        lines += [title.upper(), draft_text(report.current)]
        return "\n".join(lines)
