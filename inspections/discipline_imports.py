"""`import_discipline`: discipline decisions from a spreadsheet, as the exchange contract says.

On the framework of core.imports: all or nothing, upserted by decision number, and with dry_run
the plan alone (the web preview). Every row's dates go through the rule the web form uses
(`decision_dates`: a decided decision has its day, its effect does not end before it, and
ends 12 months later less one day when not given). The file holds no signer and no records:
a stored decision keeps them. Every decision created or changed gets a DisciplineChange row
(action "imported", no actor: the system), and every person whose decisions changed is
re-evaluated once, through the hook the award rule registers.
"""

import functools
import itertools
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from core.db import BATCH_SIZE
from core.errors import DomainError
from core.imports import Action, ImportSummary, RowPlan, diff_fields, import_file, unique_rows
from core.tabular import Column, Problem, Table, choice, parse_date, text
from inspections import hooks
from inspections.discipline_services import (
    DECIDED_WITHOUT_DATE,
    EFFECT_BEFORE_DECISION,
    ChangeAction,
    audit_value,
    decision_dates,
    lock_discipline_writers,
)
from inspections.models import (
    DisciplineChange,
    DisciplineDecision,
    DisciplineForm,
    DisciplineStatus,
)
from personnel.imports import UNKNOWN_STAFF_CODE
from personnel.models import Staff

DISCIPLINE_COLUMNS = (
    Column("decision_no", "Số quyết định", required=True, parser=text(max_length=64)),
    Column("staff_code", "Mã cán bộ", required=True, parser=text(max_length=32)),
    Column("form", "Hình thức kỷ luật", required=True, parser=choice(DisciplineForm.values)),
    Column("status", "Trạng thái", required=True, parser=choice(DisciplineStatus.values)),
    Column("decided_on", "Ngày quyết định", parser=parse_date),
    Column("effective_until", "Hết hiệu lực", parser=parse_date),
)

# The fields a row sets, in the order changes are listed; the column a date refusal points to.
_ROW_FIELDS = ("staff", "form", "status", "decided_on", "effective_until")
# Matched by identity: a lazy message hashes as the text of the active language.
_REFUSED_COLUMN = (
    (DECIDED_WITHOUT_DATE, "decided_on"),
    (EFFECT_BEFORE_DECISION, "effective_until"),
)


@dataclass(slots=True)
class _DecisionWrite:
    number: str
    values: dict  # field name (staff as its id) → value
    pk: int | None = None  # None: a new decision
    old: dict | None = None  # the stored values of the fields that change (staff as its id)


def discipline_import(*, path: str | Path, dry_run: bool = False) -> ImportSummary:
    """Record discipline decisions from a discipline file, or bring stored ones up to date."""
    return import_file(
        path=path,
        columns=DISCIPLINE_COLUMNS,
        plan=functools.partial(_plan_discipline, dry_run=dry_run),
        write=_write_discipline,
        dry_run=dry_run,
    )


def _plan_discipline(table: Table, *, dry_run: bool) -> tuple[ImportSummary, list[_DecisionWrite]]:
    if not dry_run:
        lock_discipline_writers()
    problems = list(table.problems)
    rows = unique_rows(table, "decision_no", problems)
    codes = {row.values["staff_code"] for row in rows if row.values["staff_code"]}
    staff = {}
    for batch in itertools.batched(codes, BATCH_SIZE):
        for code, pk, full_name in Staff.objects.filter(code__in=batch).values_list(
            "code", "pk", "full_name"
        ):
            staff[code] = (pk, full_name)
    stored = {
        decision["number"]: decision
        for batch in itertools.batched((row.values["decision_no"] for row in rows), BATCH_SIZE)
        for decision in DisciplineDecision.objects.filter(number__in=batch).values(
            "pk", "number", "staff_id", "staff__code", *_ROW_FIELDS[1:]
        )
    }
    header = table.headers.get

    plans, writes = [], []
    for row in rows:
        values = row.values
        number, staff_code = values["decision_no"], values["staff_code"]
        if staff_code and staff_code not in staff:
            problems.append(
                Problem(row.number, header("staff_code"), UNKNOWN_STAFF_CODE, {"code": staff_code})
            )
        if row.problems or staff_code not in staff:
            continue
        try:
            effective_until = decision_dates(
                status=values["status"],
                decided_on=values.get("decided_on"),
                effective_until=values.get("effective_until"),
            )
        except DomainError as refusal:
            column = next(key for message, key in _REFUSED_COLUMN if message is refusal.message)
            problems.append(Problem(row.number, header(column, column), refusal.message))
            continue
        staff_id, full_name = staff[staff_code]
        new = {
            "staff": staff_id,
            "form": values["form"],
            "status": values["status"],
            "decided_on": values.get("decided_on"),
            "effective_until": effective_until,
        }
        name = f"{full_name} ({staff_code})"
        old = stored.get(number)
        if old is None:
            plans.append(RowPlan(row.number, number, name, Action.CREATED))
            writes.append(_DecisionWrite(number, new))
            continue
        old_values = {"staff": old["staff_id"], **{field: old[field] for field in _ROW_FIELDS[1:]}}
        changed = {
            field: old_values[field] for field in _ROW_FIELDS if old_values[field] != new[field]
        }
        if not changed:
            plans.append(RowPlan(row.number, number, name, Action.UNCHANGED))
            continue
        codes_shown = {old["staff_id"]: old["staff__code"], staff_id: staff_code}
        changes = diff_fields(
            DisciplineDecision,
            [
                (
                    field,
                    _display(field, old_values[field], codes_shown),
                    _display(field, new[field], codes_shown),
                )
                for field in changed
            ],
        )
        plans.append(RowPlan(row.number, number, name, Action.UPDATED, changes))
        writes.append(_DecisionWrite(number, new, pk=old["pk"], old=changed))
    problems.sort(key=lambda problem: problem.row or 0)
    return ImportSummary(plans=plans, problems=problems), writes


def _display(field: str, value, codes: dict):
    if field == "staff":
        return codes[value]
    if field == "form":
        return DisciplineForm(value).label
    if field == "status":
        return DisciplineStatus(value).label
    return value


def _write_discipline(writes: list[_DecisionWrite]) -> None:
    now = timezone.now()
    created = [write for write in writes if write.pk is None]
    updated = [write for write in writes if write.pk is not None]
    DisciplineDecision.objects.bulk_create(
        [
            DisciplineDecision(
                number=write.number,
                staff_id=write.values["staff"],
                **{field: write.values[field] for field in _ROW_FIELDS[1:]},
            )
            for write in created
        ],
        batch_size=BATCH_SIZE,
    )
    for batch in itertools.batched(created, BATCH_SIZE):
        ids = dict(
            DisciplineDecision.objects.filter(
                number__in=[write.number for write in batch]
            ).values_list("number", "pk")
        )
        for write in batch:
            write.pk = ids[write.number]
    DisciplineDecision.objects.bulk_update(
        [
            DisciplineDecision(
                pk=write.pk,
                staff_id=write.values["staff"],
                updated_at=now,
                **{field: write.values[field] for field in _ROW_FIELDS[1:]},
            )
            for write in updated
        ],
        ["staff", *_ROW_FIELDS[1:], "updated_at"],
        batch_size=BATCH_SIZE,
    )
    people = {write.values["staff"] for write in writes} | {
        write.old["staff"] for write in updated if "staff" in write.old
    }
    codes = {
        pk: code
        for batch in itertools.batched(people, BATCH_SIZE)
        for pk, code in Staff.objects.filter(pk__in=batch).values_list("pk", "code")
    }
    DisciplineChange.objects.bulk_create(
        [
            DisciplineChange(
                decision_id=write.pk,
                actor=None,
                at=now,
                action=ChangeAction.IMPORTED,
                changes={
                    field: [None, _audited(field, write.values[field], codes)]
                    for field in _ROW_FIELDS
                    if write.values[field] is not None
                },
            )
            for write in created
        ]
        + [
            DisciplineChange(
                decision_id=write.pk,
                actor=None,
                at=now,
                action=ChangeAction.IMPORTED,
                changes={
                    field: [
                        _audited(field, old, codes),
                        _audited(field, write.values[field], codes),
                    ]
                    for field, old in write.old.items()
                },
            )
            for write in updated
        ],
        batch_size=BATCH_SIZE,
    )
    # A few thousand decisions a year: the rule re-evaluates each person once.
    for batch in itertools.batched(sorted(people), BATCH_SIZE):
        for person in Staff.objects.filter(pk__in=batch).order_by("pk"):
            hooks.person_records_changed(staff=person)


def _audited(field: str, value, codes: dict):
    """As discipline_services.audit_value, the person known by id."""
    if field == "staff":
        return codes[value]
    return audit_value(field, value)
