from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.backups import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database (pg_dump custom format) and the media files into a new "
        "folder, with a manifest of checksums. Restore with `restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="a new or empty folder")

    def handle(self, *args, output, **options):
        try:
            manifest = create_backup(output=Path(output))
        except BackupError as error:
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
