from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from inspections.audit import verify_chain


class Command(BaseCommand):
    help = "Check the hash chain of the violation records' audit trail; exit 1 at the first break."

    def handle(self, *args, **options):
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                _(
                    "Audit entry #%(entry)s is broken: %(problem)s. %(entries)s entries before "
                    "it are intact."
                )
                % {"entry": broken.entry_id, "problem": broken.problem, "entries": checked}
            )
        self.stdout.write(
            _("Audit trail intact: %(entries)s entries checked.") % {"entries": checked}
        )
