"""`import_nominations`: a period's nominations from a spreadsheet (EXCHANGE.md), and the unit
head's upload of their unit's list.

All or nothing, like personnel/imports.py: the whole file is checked first; only a file
without a single problem is written, in one transaction, with bulk writes, and the period is
then evaluated once (set-based). Nominations are upserted by (period, person, title): the same
file again changes nothing; a different nominating unit updates it.

The nominating unit, when the file gives none, is the person's unit on the period's last day,
or today while the period is still running (min(today, last day)), falling back to their
earliest known unit: for a past period that is the unit they earned it in.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.db import BATCH_SIZE
from core.imports import Action, Change, ImportSummary, RowPlan, field_label, import_file
from core.refusals import note_refusal
from core.tabular import Column, Problem, Table, choice, text
from emulation.models import LOCAL_ZONE, Nomination, Period, Rating, Title, TitleKind
from emulation.services import (
    STAFF_OUTSIDE_UNIT,
    UNKNOWN_PERIOD,
    evaluate_nominations,
    nomination_refusal,
)
from personnel.imports import UNKNOWN_STAFF_CODE, UNKNOWN_UNIT
from personnel.models import Posting, Staff, Unit, User
from personnel.selectors import PostingHistory, postings_covering

NOMINATION_COLUMNS = (
    # Required for an individual title, empty for a collective one: checked row by row.
    Column("staff_code", "Mã cán bộ", parser=text(max_length=32)),
    Column("title", "Danh hiệu", required=True, parser=text(max_length=64)),
    Column("agency_code", "Đơn vị đề nghị", parser=text(max_length=32)),
    Column("rating", "Xếp loại", parser=choice(Rating.values)),
    Column("initiative", "Sáng kiến", parser=text(max_length=2000)),
)

UNKNOWN_TITLE_CODE = _("Unknown title “%(code)s”; the titles are: %(titles)s.")
NOMINATED_TWICE = _("This person is already nominated for this title on row %(row)s.")
UNIT_NOMINATED_TWICE = _("This unit is already nominated for this title on row %(row)s.")
NO_KNOWN_UNIT = _("This person has no known unit: give the nominating unit.")
NOT_YOUR_UNIT = _("You can only nominate for your own unit (%(code)s).")
STAFF_CODE_MISSING = _("Give the staff code: this title is given to a person.")
COLLECTIVE_UNIT_MISSING = _("Give the code of the unit nominated for this collective title.")
COLLECTIVE_WITH_STAFF = _(
    "A collective title is given to a unit: leave the staff code empty and give the unit."
)


@dataclass(slots=True)
class NominationPlan(RowPlan):
    title: str = ""


@dataclass(slots=True)
class _NominationWrite:
    staff_id: int | None  # None: a collective nomination
    title_id: int
    unit_id: int
    rating: str
    initiative: str
    list_code: str  # the nominee's code and the title's (Nomination.list_code, list_title)
    list_title: str
    pk: int | None = None  # None: a new nomination
    was_in_unit: int | None = None  # the nominating unit before an update


def nominations_import(
    *,
    path: str | Path,
    period_code: str,
    dry_run: bool = False,
    unit: Unit | None = None,
    submitted_by: User | None = None,
    today: datetime.date | None = None,
) -> ImportSummary:
    """Upsert the nominations of the period `period_code` from a nominations file.

    With `unit` (a unit head's upload) every person must be posted to that unit today and
    the nominating unit is that unit.
    """
    today = today or timezone.localdate(timezone=LOCAL_ZONE)

    def plan(table: Table):
        period = Period.objects.filter(code=period_code.strip()).first()
        if period is None:
            return ImportSummary(plans=[], problems=[Problem(None, None, UNKNOWN_PERIOD)]), None
        if not dry_run:
            period = Period.objects.select_for_update().get(pk=period.pk)
        if refusal := nomination_refusal(period):
            note_refusal(
                action="nomination.import", actor=submitted_by, subject=period, message=refusal
            )
            return ImportSummary(plans=[], problems=[Problem(None, None, refusal)]), None
        summary, writes = _plan_nominations(table, period=period, unit=unit, today=today)
        return summary, (period, writes)

    def write(planned) -> None:
        period, writes = planned
        _write_nominations(writes, period=period, submitted_by=submitted_by)
        if not writes:
            return
        evaluate_nominations(
            period=period,
            staff_ids={write.staff_id for write in writes if write.staff_id is not None},
            unit_ids={write.unit_id for write in writes},
            left_units={
                write.was_in_unit
                for write in writes
                if write.was_in_unit not in (None, write.unit_id)
            },
        )

    return import_file(
        path=path, columns=NOMINATION_COLUMNS, plan=plan, write=write, dry_run=dry_run
    )


def _plan_nominations(
    table: Table, *, period: Period, unit: Unit | None, today: datetime.date
) -> tuple[ImportSummary, list[_NominationWrite]]:
    problems = list(table.problems)
    header = table.headers.get
    codes = {row.values["staff_code"] for row in table.rows if row.values.get("staff_code")}
    people = {
        code: (pk, name)
        for code, pk, name in Staff.objects.filter(code__in=codes).values_list(
            "code", "pk", "full_name"
        )
    }
    titles = {
        code: (pk, kind) for code, pk, kind in Title.objects.values_list("code", "pk", "kind")
    }
    all_titles = ", ".join(sorted(titles))
    units = {code: (pk, name) for code, pk, name in Unit.objects.values_list("code", "pk", "name")}
    unit_codes = {pk: code for code, (pk, _name) in units.items()}
    staff_ids = [pk for pk, _name in people.values()]
    if unit is None:
        postings = PostingHistory(staff_ids)
        day = min(today, period.ends_on)
    else:
        in_unit = set(
            Posting.objects.filter(postings_covering(today), unit=unit, staff_id__in=staff_ids)
            .values_list("staff_id", flat=True)
            .distinct()
        )
    stored = {
        (staff_id, title_id, None if staff_id else unit_id): (pk, unit_id, rating, initiative)
        for pk, staff_id, title_id, unit_id, rating, initiative in Nomination.objects.filter(
            Q(staff_id__in=staff_ids) | Q(staff__isnull=True), period=period
        ).values_list("pk", "staff_id", "title_id", "unit_id", "rating", "initiative")
    }
    # Columns absent from the file leave the stored values as they are.
    given = {key: key in table.headers for key in ("rating", "initiative")}

    first_row: dict[tuple, int] = {}
    plans, writes = [], []
    for row in table.rows:
        values = row.values
        staff_code, title_code = values.get("staff_code"), values["title"]
        unit_code = values.get("agency_code")
        title = titles.get(title_code) if title_code else None
        if title_code and title is None:
            params = {"code": title_code, "titles": all_titles}
            problems.append(Problem(row.number, header("title"), UNKNOWN_TITLE_CODE, params))
        collective = title is not None and title[1] == TitleKind.COLLECTIVE
        staff_column = header("staff_code", "staff_code")
        unit_column = header("agency_code", "agency_code")
        person = people.get(staff_code) if staff_code else None
        if collective and staff_code:
            problems.append(Problem(row.number, staff_column, COLLECTIVE_WITH_STAFF))
            continue
        if title is not None and not collective and not staff_code:
            if not row.problems:
                problems.append(Problem(row.number, staff_column, STAFF_CODE_MISSING))
            continue
        if staff_code and person is None:
            params = {"code": staff_code}
            problems.append(Problem(row.number, staff_column, UNKNOWN_STAFF_CODE, params))
        nominated = units.get(unit_code) if unit_code else None
        if unit_code and nominated is None:
            params = {"code": unit_code}
            problems.append(Problem(row.number, unit_column, UNKNOWN_UNIT, params))
            continue
        unit_id = nominated[0] if nominated else None
        if unit is not None and unit_id is not None and unit_id != unit.pk:
            params = {"code": unit.code}
            problems.append(Problem(row.number, unit_column, NOT_YOUR_UNIT, params))
            continue
        if collective:
            unit_id = unit.pk if unit is not None else unit_id
            if unit_id is None:
                problems.append(Problem(row.number, unit_column, COLLECTIVE_UNIT_MISSING))
                continue
            key = ("unit", unit_id, title_code)
            twice = UNIT_NOMINATED_TWICE
        else:
            key = ("staff", staff_code, title_code)
            twice = NOMINATED_TWICE
        if title is not None:
            if key in first_row:
                params = {"row": first_row[key]}
                column = unit_column if collective else staff_column
                problems.append(Problem(row.number, column, twice, params))
                continue
            first_row[key] = row.number
        if row.problems or title is None or (not collective and person is None):
            continue
        if collective:
            staff_id, code, name = None, unit_codes[unit_id], units[unit_codes[unit_id]][1]
        else:
            (staff_id, name), code = person, staff_code
            if unit is not None:
                if staff_id not in in_unit:
                    problems.append(Problem(row.number, staff_column, STAFF_OUTSIDE_UNIT))
                    continue
                unit_id = unit.pk
            elif unit_id is None:
                unit_id = postings.unit_id_on(staff_id, day)
                if unit_id is None:
                    problems.append(Problem(row.number, unit_column, NO_KNOWN_UNIT))
                    continue
        old = stored.get((staff_id, title[0], None if staff_id else unit_id))
        rating = values.get("rating") or ""
        initiative = values.get("initiative") or ""
        if old is not None:
            rating = rating if given["rating"] else old[2]
            initiative = initiative if given["initiative"] else old[3]
        write = _NominationWrite(staff_id, title[0], unit_id, rating, initiative, code, title_code)
        if old is None:
            plans.append(NominationPlan(row.number, code, name, Action.CREATED, title=title_code))
            writes.append(write)
            continue
        changes = [
            Change(field_label(Nomination, field), shown_old, shown_new)
            for field, shown_old, shown_new, differs in (
                ("unit", unit_codes.get(old[1], "—"), unit_codes[unit_id], old[1] != unit_id),
                ("rating", old[2] or "—", rating or "—", old[2] != rating),
                ("initiative", old[3] or "—", initiative or "—", old[3] != initiative),
            )
            if differs
        ]
        action = Action.UPDATED if changes else Action.UNCHANGED
        plans.append(NominationPlan(row.number, code, name, action, changes, title=title_code))
        if changes:
            write.pk, write.was_in_unit = old[0], old[1]
            writes.append(write)
    problems.sort(key=lambda problem: problem.row or 0)
    return ImportSummary(plans=plans, problems=problems), writes


def _write_nominations(
    writes: list[_NominationWrite], *, period: Period, submitted_by: User | None
) -> None:
    Nomination.objects.bulk_create(
        [
            Nomination(
                period=period,
                staff_id=write.staff_id,
                title_id=write.title_id,
                unit_id=write.unit_id,
                rating=write.rating,
                initiative=write.initiative,
                submitted_by=submitted_by,
                list_code=write.list_code,
                list_title=write.list_title,
            )
            for write in writes
            if write.pk is None
        ],
        batch_size=BATCH_SIZE,
    )
    Nomination.objects.bulk_update(
        [
            Nomination(
                pk=write.pk,
                unit_id=write.unit_id,
                rating=write.rating,
                initiative=write.initiative,
            )
            for write in writes
            if write.pk
        ],
        ["unit", "rating", "initiative"],
        batch_size=BATCH_SIZE,
    )
