from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.errors import DomainError
from portal.backups import create_backup


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database (pg_dump custom format) and the media files into a new "
        "folder, with a manifest of checksums. Restore with `restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="a new or empty folder")
        parser.add_argument(
            "--database-only",
            action="store_true",
            help="leave the media files out (they are in an S3 bucket, backed up on its own)",
        )

    def handle(self, *args, output, database_only, **options):
        try:
            manifest = create_backup(output=Path(output), database_only=database_only)
        except DomainError as error:
            raise CommandError(str(error)) from None
        counts = manifest["counts"]
        self.stdout.write(
            _(
                "Backup written to %(folder)s: %(records)s violation records, %(entries)s audit "
                "entries, %(files)s media files."
            )
            % {
                "folder": output,
                "records": counts["inspections_violationrecord"],
                "entries": counts["inspections_auditentry"],
                "files": len(manifest["media"]),
            }
        )
