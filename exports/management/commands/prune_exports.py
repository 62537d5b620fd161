from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from exports.services import exports_prune


class Command(BaseCommand):
    help = "Delete prepared files (PDFs, exports) older than --days days, with their stored files."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="keep this many days (default 7)")

    def handle(self, *args, days: int, **options):
        if days < 1:
            raise CommandError(_("--days must be at least 1."))
        count = exports_prune(older_than=timedelta(days=days))
        self.stdout.write(_("Prepared files deleted: %(count)s") % {"count": count})
