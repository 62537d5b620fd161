import json

from django.core.management.base import BaseCommand, CommandError

from emulation.exports import eligibility_csv
from emulation.selectors import eligibility_report, period_by_code


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
        if format == "csv":  # streamed: a national period does not fit in memory twice
            for text in eligibility_csv(period=found):
                self.stdout.write(text, ending="")
            return
        report = eligibility_report(period=found)
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
