"""`import_violations`: violation records from a spreadsheet, as the exchange contract says.

All or nothing, on the framework of core.imports: every row is checked against the file and the
database first; only a file without a single problem is written, in one transaction, with bulk
writes. Records are upserted by record number among the imported ones: numbers given by the
portal (`12/BB-KTCV`, with number_year set) restart each year and are a separate series, so an
imported number never matches a portal record. A record that is already confirmed, dismissed
or overturned is never changed by an import; its row, if it would change anything, is an error
that points to the review workflow. Every record created or changed gets an audit entry
(action "imported", no actor: the system), and the emulation verdicts of every period holding
an imported day are brought up to date once, set-based, through the hook emulation registers.
"""

import datetime
import functools
import itertools
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.db import BATCH_SIZE, bulk_insert
from core.imports import Action, ImportSummary, RowPlan, diff_fields, import_file, unique_rows
from core.tabular import (
    Column,
    Problem,
    Table,
    choice,
    parse_datetime,
    text,
)
from inspections import audit, hooks
from inspections.models import (
    FINAL_STATUSES,
    AuditAction,
    AuditEntry,
    RecordSource,
    RecordStatus,
    ViolationRecord,
    ViolationType,
)
from inspections.services import IN_FUTURE
from personnel.imports import UNKNOWN_STAFF_CODE, UNKNOWN_UNIT
from personnel.models import Staff, Unit
from personnel.selectors import PostingHistory

# The states a record can arrive in; a draft is not a document yet.
IMPORTED_STATUSES = (RecordStatus.SUBMITTED, RecordStatus.CONFIRMED, RecordStatus.DISMISSED)

VIOLATION_COLUMNS = (
    Column("record_no", "Số biên bản", required=True, parser=text(max_length=64)),
    Column("staff_code", "Mã cán bộ", required=True, parser=text(max_length=32)),
    Column("occurred_at", "Thời điểm vi phạm", required=True, parser=parse_datetime),
    Column("type", "Loại vi phạm", required=True, parser=choice(ViolationType.values)),
    Column("status", "Trạng thái", required=True, parser=choice(IMPORTED_STATUSES)),
    Column("source", "Nguồn", parser=choice(RecordSource.values)),
    Column("agency_code", "Mã đơn vị", parser=text(max_length=32)),
    Column("description", "Nội dung", parser=text(max_length=10000)),
)

NO_KNOWN_UNIT = _("This person has no known unit: give the unit where it happened.")
RECORD_FINAL = _(
    "Record %(number)s is already “%(status)s”: an import never changes it. A correction goes "
    "through the review workflow (a new record linked to it)."
)

# What a row sets on a record, in the order changes are listed.
_ROW_FIELDS = ("staff", "unit", "occurred_at", "type", "status", "source", "description")
# Text columns an imported record leaves empty (NOT NULL: COPY must name them).
_BLANK_FIELDS = ("explanation", "witnesses", "signature", "review_reason")
_INSERTED_FIELDS = ("number", *_ROW_FIELDS, *_BLANK_FIELDS)


@dataclass(slots=True)
class _RecordWrite:
    number: str
    values: dict  # field name (staff and unit as ids) → value
    pk: int | None = None  # None: a new record
    old: dict | None = None  # the stored values of the fields that change


def violations_import(
    *, path: str | Path, dry_run: bool = False, now: datetime.datetime | None = None
) -> ImportSummary:
    """Add violation records from a violations file, or bring imported ones up to date."""
    now = now or timezone.now()
    return import_file(
        path=path,
        columns=VIOLATION_COLUMNS,
        plan=functools.partial(_plan_violations, now=now),
        write=_write_violations,
        dry_run=dry_run,
    )


def _plan_violations(
    table: Table, *, now: datetime.datetime
) -> tuple[ImportSummary, list[_RecordWrite]]:
    problems = list(table.problems)
    rows = unique_rows(table, "record_no", problems)
    codes = {row.values["staff_code"] for row in rows if row.values["staff_code"]}
    staff, staff_names = {}, {}
    for batch in itertools.batched(codes, BATCH_SIZE):
        for code, pk, full_name in Staff.objects.filter(code__in=batch).values_list(
            "code", "pk", "full_name"
        ):
            staff[code], staff_names[code] = pk, full_name
    postings = PostingHistory(staff.values())
    units = dict(Unit.objects.values_list("code", "pk"))
    unit_codes = {pk: code for code, pk in units.items()}
    stored = {
        record["number"]: record
        for batch in itertools.batched((row.values["record_no"] for row in rows), BATCH_SIZE)
        for record in ViolationRecord.objects.filter(
            number_year__isnull=True, number__in=batch
        ).values("pk", "number", *(f"{name}_id" for name in ("staff", "unit")), *_ROW_FIELDS[2:])
    }
    staff_codes = {pk: code for code, pk in staff.items()}
    header = table.headers.get

    plans, writes = [], []
    for row in rows:
        values = row.values
        staff_code, number = values["staff_code"], values["record_no"]
        staff_id = staff.get(staff_code) if staff_code else None
        if staff_code and staff_id is None:
            problems.append(
                Problem(row.number, header("staff_code"), UNKNOWN_STAFF_CODE, {"code": staff_code})
            )
        occurred_at = values["occurred_at"]
        if occurred_at is not None and occurred_at > now:
            problems.append(Problem(row.number, header("occurred_at"), IN_FUTURE))
            continue
        unit_code = values.get("agency_code")
        unit_id = units.get(unit_code) if unit_code else None
        if unit_code and unit_id is None:
            problems.append(
                Problem(row.number, header("agency_code"), UNKNOWN_UNIT, {"code": unit_code})
            )
            continue
        if row.problems or staff_id is None:
            continue
        if unit_id is None:
            # Which day a violation belongs to is always its local date (EXCHANGE.md).
            day = timezone.localdate(occurred_at)
            unit_id = postings.unit_id_on(staff_id, day)
            if unit_id is None:
                problems.append(
                    Problem(row.number, header("agency_code", "agency_code"), NO_KNOWN_UNIT)
                )
                continue
        new = {
            "staff": staff_id,
            "unit": unit_id,
            "occurred_at": occurred_at,
            "type": values["type"],
            "status": values["status"],
            "source": values.get("source") or RecordSource.LEGACY,
            "description": values.get("description") or "",
        }
        name = f"{staff_names[staff_code]} ({staff_code})"
        old = stored.get(number)
        if old is None:
            plans.append(RowPlan(row.number, number, name, Action.CREATED))
            writes.append(_RecordWrite(number, new))
            continue
        old_values = {
            "staff": old["staff_id"],
            "unit": old["unit_id"],
            **{field: old[field] for field in _ROW_FIELDS[2:]},
        }
        changed = {
            field: old_values[field] for field in _ROW_FIELDS if old_values[field] != new[field]
        }
        if not changed:
            plans.append(RowPlan(row.number, number, name, Action.UNCHANGED))
            continue
        if old["status"] in FINAL_STATUSES:
            # The status as the file writes it: the same code in every language.
            params = {"number": number, "status": old["status"]}
            problems.append(Problem(row.number, header("record_no"), RECORD_FINAL, params))
            continue
        shown = {"staff": staff_codes, "unit": unit_codes}
        changes = diff_fields(
            ViolationRecord,
            [
                (
                    field,
                    _display(field, old_values[field], shown),
                    _display(field, new[field], shown),
                )
                for field in changed
            ],
        )
        plans.append(RowPlan(row.number, number, name, Action.UPDATED, changes))
        writes.append(_RecordWrite(number, new, pk=old["pk"], old=changed))
    problems.sort(key=lambda problem: problem.row or 0)
    return ImportSummary(plans=plans, problems=problems), writes


def _display(field: str, value, shown: dict) -> str:
    if field in shown:
        return shown[field].get(value, value)
    if field == "occurred_at":
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if field == "status":
        return RecordStatus(value).label
    if field == "source":
        return RecordSource(value).label
    if field == "type":
        return ViolationType(value).label
    return value


def _write_violations(writes: list[_RecordWrite]) -> None:
    now = timezone.now()
    created = [write for write in writes if write.pk is None]
    bulk_insert(
        ViolationRecord,
        [*_INSERTED_FIELDS, "created_at", "submitted_at"],
        [
            (
                write.number,
                *(write.values[field] for field in _ROW_FIELDS),
                *("" for _blank in _BLANK_FIELDS),
                now,
                write.values["occurred_at"],  # the closest known to when it was submitted
            )
            for write in created
        ],
    )
    ids = {}
    for batch in itertools.batched((write.number for write in created), BATCH_SIZE):
        ids.update(
            ViolationRecord.objects.filter(number_year__isnull=True, number__in=batch).values_list(
                "number", "pk"
            )
        )
    for write in created:
        write.pk = ids[write.number]
    updated = [write for write in writes if write.old is not None]
    ViolationRecord.objects.bulk_update(
        [
            ViolationRecord(
                pk=write.pk,
                staff_id=write.values["staff"],
                unit_id=write.values["unit"],
                **{field: write.values[field] for field in _ROW_FIELDS[2:]},
            )
            for write in updated
        ],
        [f"{field}_id" if field in ("staff", "unit") else field for field in _ROW_FIELDS],
        batch_size=BATCH_SIZE,
    )
    entries = [
        AuditEntry(
            record_id=write.pk,
            actor=None,
            action=AuditAction.IMPORTED,
            to_status=write.values["status"],
            changes={field: [None, audit.json_value(write.values[field])] for field in _ROW_FIELDS},
        )
        for write in created
    ] + [
        AuditEntry(
            record_id=write.pk,
            actor=None,
            action=AuditAction.IMPORTED,
            from_status=write.old.get("status", write.values["status"]),
            to_status=write.values["status"],
            changes={
                field: [audit.json_value(old), audit.json_value(write.values[field])]
                for field, old in write.old.items()
            },
        )
        for write in updated
    ]
    audit.append_many(entries)
    days = sorted(
        {timezone.localdate(write.values["occurred_at"]) for write in writes}
        | {
            timezone.localdate(write.old["occurred_at"])
            for write in updated
            if "occurred_at" in write.old
        }
    )
    # A record counts against its person only (and, through them, their units' collectives):
    # the person it names now and, where an update moved it, the one it named before.
    people = {write.values["staff"] for write in writes} | {
        write.old["staff"] for write in updated if "staff" in write.old
    }
    hooks.records_imported(days=days, staff_ids=people)
