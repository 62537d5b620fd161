"""What the import commands print: each problem on its own line, or the counts."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from personnel.imports import ImportResult


def run_import(command: BaseCommand, service, file: str) -> None:
    path = Path(file)
    if not path.is_file():
        raise CommandError(_("No such file: %(file)s") % {"file": file})
    result: ImportResult = service(path=path)
    if result.problems:
        for problem in result.problems:
            command.stderr.write(str(problem))
        count = len(result.problems)
        raise CommandError(
            ngettext(
                "Nothing was imported: %(count)s problem.",
                "Nothing was imported: %(count)s problems.",
                count,
            )
            % {"count": count}
        )
    command.stdout.write(
        _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    )
