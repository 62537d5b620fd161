import csv
import json

from django.core.management.base import BaseCommand, CommandError

from emulation.selectors import eligibility_report, period_by_code

CSV_COLUMNS = ["staff_code", "full_name", "agency_code", "title", "status", "record_nos"]


class Command(BaseCommand):
    help = "Print the rule's verdict for every nomination of a period (EXCHANGE.md)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="the period's code")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, period, format, **options):
        found = period_by_code(code=period)
        if found is None:
            raise CommandError(f"There is no emulation period with the code {period!r}.")
        # Prints the stored verdicts: every path that changes a record or a nomination (the
        # workflow, the imports, the forms) has already re-evaluated what it affects.
        report = eligibility_report(period=found)
        if format == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
            return
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for row in report["nominations"]:
            writer.writerow(
                [
                    row["staff_code"],
                    row["full_name"],
                    row["agency_code"],
                    row["title"],
                    row["status"],
                    "; ".join(reason["record_no"] for reason in row["reasons"]),
                ]
            )
