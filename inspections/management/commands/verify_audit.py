from django.core.management.base import BaseCommand, CommandError

from inspections.audit import verify_chain


class Command(BaseCommand):
    help = "Check the hash chain of the violation records' audit trail; exit 1 at the first break."

    def handle(self, *args, **options):
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"Audit entry #{broken.entry_id} is broken: {broken.problem}. "
                f"{checked} entries before it are intact."
            )
        self.stdout.write(f"Audit trail intact: {checked} entries checked.")
