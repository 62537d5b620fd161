"""The import framework: what every import of a spreadsheet plans, reports and shares.

All or nothing: an import service checks every row against the file and the database first;
only a file without a single problem is written, in one transaction, with bulk writes.
Importing the same file again changes nothing (upsert by code). With dry_run the same checks
and the same plan are returned and nothing is written: the web preview.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.db import serialize_writers
from core.tabular import Column, Problem, Row, Table, TableError, read_table

DUPLICATE_CODE = _("The code “%(code)s” is already on row %(row)s.")
IMPORTED = _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
# A file of a million bad rows would list a million lines; the first ones show what is wrong.
PROBLEMS_LISTED = 1000


class Action:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Change:
    label: Promise
    old: str
    new: str


@dataclass(slots=True)
class RowPlan:
    row: int
    code: str
    name: str
    action: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class ImportSummary:
    """What an import did, or would do: a plan per row, and the problems that stop it (the
    first PROBLEMS_LISTED of them, and how many more)."""

    plans: list[RowPlan]
    problems: list[Problem]
    written: bool = False
    problems_not_listed: int = 0

    def __post_init__(self):
        if len(self.problems) > PROBLEMS_LISTED:
            self.problems_not_listed += len(self.problems) - PROBLEMS_LISTED
            self.problems = self.problems[:PROBLEMS_LISTED]

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.problems_not_listed

    def count(self, action: str) -> int:
        return sum(1 for plan in self.plans if plan.action == action)

    @property
    def created(self) -> int:
        return self.count(Action.CREATED)

    @property
    def updated(self) -> int:
        return self.count(Action.UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(Action.UNCHANGED)

    def counts_text(self) -> str:
        return gettext(IMPORTED) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


ImportService = Callable[..., ImportSummary]


def import_file(
    *,
    path: str | Path,
    columns: tuple[Column, ...],
    plan: Callable[[Table], tuple[ImportSummary, Any]],
    write: Callable[[Any], None],
    dry_run: bool = False,
) -> ImportSummary:
    """Every import's course: read the file, plan each row against the database, and write the
    plan only when no row has a problem, all in one transaction; with dry_run, plan alone.

    `plan(table)` returns the summary and what `write` needs; it runs under the import lock
    (unless dry_run), so that the plan still holds when it is written.
    """
    try:
        table = read_table(path, columns=columns)
    except TableError as error:
        return ImportSummary(plans=[], problems=error.problems)
    with transaction.atomic():
        if not dry_run:
            serialize_imports()
        summary, writes = plan(table)
        if summary.problems or dry_run:
            return summary
        write(writes)
    summary.written = True
    return summary


def serialize_imports() -> None:
    """Two imports at once would each plan against a state the other is changing."""
    serialize_writers("imports")


def unique_rows(table: Table, key: str, problems: list[Problem]) -> list[Row]:
    """The rows with a code, each code once; a code seen before is a problem of its row."""
    first_row: dict[str, int] = {}
    rows = []
    for row in table.rows:
        code = row.values[key]
        if code is None:
            continue
        if code in first_row:
            params = {"code": code, "row": first_row[code]}
            problems.append(Problem(row.number, table.headers[key], DUPLICATE_CODE, params))
            continue
        first_row[code] = row.number
        rows.append(row)
    return rows


def field_label(model, field_name: str) -> Promise:
    return model._meta.get_field(field_name).verbose_name


def shown(value) -> str:
    """A value as the preview shows it: dates dd/mm/yyyy, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def diff_fields(model, pairs: Iterable[tuple[str, object, object]]) -> list[Change]:
    return [
        Change(field_label(model, name), shown(old), shown(new))
        for name, old, new in pairs
        if old != new
    ]


def run_import(command: BaseCommand, service: ImportService, file: str, **options) -> None:
    """An import command: each problem on its own line and a non-zero exit, or the counts."""
    path = Path(file)
    if not path.is_file():
        raise CommandError(gettext("No such file: %(file)s") % {"file": file})
    summary = service(path=path, **options)
    if summary.problems:
        for problem in summary.problems:
            command.stderr.write(str(problem))
        if summary.problems_not_listed:
            command.stderr.write(
                ngettext(
                    "… and %(count)s more problem.",
                    "… and %(count)s more problems.",
                    summary.problems_not_listed,
                )
                % {"count": summary.problems_not_listed}
            )
        count = summary.problem_count
        raise CommandError(
            ngettext(
                "Nothing was imported: %(count)s problem.",
                "Nothing was imported: %(count)s problems.",
                count,
            )
            % {"count": count}
        )
    command.stdout.write(summary.counts_text())
