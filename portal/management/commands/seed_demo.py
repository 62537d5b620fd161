from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from personnel.models import Unit
from portal.demo import read_accounts_file, seed_demo


class Command(BaseCommand):
    help = "Load the demo city and one account per role; print the accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing but print the accounts when the database already has units.",
        )
        parser.add_argument(
            "--accounts-file",
            default=str(settings.BASE_DIR / "var" / "demo-accounts.txt"),
            help="Where the generated demo passwords are kept (mode 600).",
        )

    def handle(self, *args, if_empty, accounts_file, **options):
        path = Path(accounts_file)
        if if_empty and Unit.objects.exists():
            accounts = list(read_accounts_file(path).values())
            self.stdout.write("The database already has data; the demo was not loaded again.")
        else:
            accounts = seed_demo(accounts_file=path)
            self.stdout.write(self.style.SUCCESS("Demo city loaded."))
        if accounts:
            self.stdout.write(f"Demo accounts (also in {path}):")
            for account in accounts:
                self.stdout.write(f"  {account.role:<14} {account.username:<12} {account.password}")
