from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.errors import DomainError
from inspections.audit import verify_chain
from portal.backups import check_backup, describe, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into the DATABASE_URL database (which must be empty "
        "unless --force) and MEDIA_ROOT, then check the audit trail. --check only checks the "
        "backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="the backup's folder")
        parser.add_argument(
            "--check", action="store_true", help="only check the checksums and the dump"
        )
        parser.add_argument(
            "--force", action="store_true", help="replace what the database already holds"
        )

    def handle(self, *args, input, check, force, **options):
        folder = Path(input)
        try:
            if check:
                facts = describe(check_backup(folder=folder))
                self.stdout.write(
                    _(
                        "The backup of %(created_at)s is intact: %(records)s violation records, "
                        "%(entries)s audit entries, %(files)s media files."
                    )
                    % {
                        "created_at": facts["created_at"],
                        "records": facts["counts"]["inspections_violationrecord"],
                        "entries": facts["counts"]["inspections_auditentry"],
                        "files": facts["media_files"],
                    }
                )
                return
            restored = restore_backup(folder=folder, force=force)
        except DomainError as error:
            raise CommandError(str(error)) from None
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                _("Restored, but audit entry #%(entry)s is broken: %(problem)s.")
                % {"entry": broken.entry_id, "problem": broken.problem}
            )
        self.stdout.write(
            _(
                "Restored %(records)s violation records and %(files)s media files; audit trail "
                "intact: %(entries)s entries checked."
            )
            % {
                "records": restored.counts["inspections_violationrecord"],
                "files": restored.media_files,
                "entries": checked,
            }
        )
