"""Imports of units and staff from spreadsheets, as the exchange contract (docs/exchange.md)
specifies, on the import framework of core.imports: all or nothing, upsert by code, and with
dry_run the plan alone (the web preview).
"""

import datetime
import functools
import operator
from dataclasses import dataclass
from pathlib import Path

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import page_cache
from core.db import BATCH_SIZE, bulk_insert, values_in
from core.errors import DomainError
from core.imports import (
    Action,
    Change,
    ImportSummary,
    RowPlan,
    diff_fields,
    field_label,
    import_file,
    shown,
    unique_rows,
)
from core.tabular import (
    Column,
    Problem,
    Table,
    choice,
    email_address,
    parse_date,
    text,
)
from personnel import hooks
from personnel.models import Posting, Staff, StaffCategory, Unit, UnitKind, UnitName
from personnel.search import staff_search_text
from personnel.services import current_posting_ends_on

AGENCY_COLUMNS = (
    Column("code", "Mã đơn vị", required=True, parser=text(max_length=32)),
    Column("name", "Tên đơn vị", required=True, parser=text(max_length=255)),
    Column("kind", "Loại", required=True, parser=choice(UnitKind.values)),
    Column("parent_code", "Mã đơn vị cấp trên", parser=text(max_length=32)),
    # The names a document's header gives (personnel.models.UnitName).
    Column("official_name", "Tên chính thức", parser=text(max_length=255)),
    Column("issuing_body", "Cơ quan chủ quản", parser=text(max_length=255)),
)
STAFF_COLUMNS = (
    Column("staff_code", "Mã cán bộ", required=True, parser=text(max_length=32)),
    Column("full_name", "Họ và tên", required=True, parser=text(max_length=255)),
    Column("agency_code", "Mã đơn vị", required=True, parser=text(max_length=32)),
    Column("category", "Đối tượng", required=True, parser=choice(StaffCategory.values)),
    Column("position", "Chức vụ", parser=text(max_length=255)),
    Column("badge_number", "Số thẻ", parser=text(max_length=64)),
    Column("hired_on", "Ngày tuyển dụng", parser=parse_date),
    Column("posted_on", "Ngày về đơn vị", parser=parse_date),
    Column("email", "Thư điện tử", parser=email_address),
)

UNKNOWN_PARENT = _("Unknown parent unit code “%(code)s”: it is neither in the file nor stored.")
UNIT_CYCLE = _("The parent units would form a cycle: %(cycle)s.")
UNKNOWN_UNIT = _("Unknown unit code “%(code)s”.")
UNKNOWN_STAFF_CODE = _("Unknown staff code “%(code)s”.")


# Agencies


def agencies_import(
    *, path: str | Path, dry_run: bool = False, today: datetime.date | None = None
) -> ImportSummary:
    """Upsert units by code from an agencies file; parent codes may point into the file.

    A row's official name and issuing body, when given, are the unit's names from `today`
    (default the day of the import) on: names that differ from those in use start a new dated
    entry (UnitName), the earlier ones stay for the documents dated before.
    """
    return import_file(
        path=path,
        columns=AGENCY_COLUMNS,
        plan=functools.partial(_plan_agencies, today=today or timezone.localdate()),
        write=lambda writes: _write_agencies(**writes),
        dry_run=dry_run,
    )


@dataclass(slots=True)
class _NamesWrite:
    code: str
    official_name: str
    issuing_body: str
    valid_from: datetime.date | None  # None: the unit's first names, since before any rename
    pk: int | None = None  # the entry of that day to change; None: a new entry


def _names_in_use(day: datetime.date) -> dict[int, UnitName]:
    """Each unit's names as they stand on `day` (the latest entry from then or before)."""
    in_use = {}
    entries = UnitName.objects.filter(
        models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=day)
    ).order_by("unit_id", models.F("valid_from").asc(nulls_first=True))
    for entry in entries:
        in_use[entry.unit_id] = entry
    return in_use


def _plan_names(
    values: dict, entry: UnitName | None, *, today: datetime.date
) -> tuple[_NamesWrite | None, list[Change]]:
    """What a row's official name and issuing body write, and the changes they show. A cell
    left empty keeps the name in use; the official name of a unit without one is its name."""
    official_name, issuing_body = values.get("official_name"), values.get("issuing_body")
    if not official_name and not issuing_body:
        return None, []
    old = (entry.official_name, entry.issuing_body) if entry else (None, None)
    new = (official_name or old[0] or values["name"], issuing_body or old[1] or "")
    if new == old:
        return None, []
    changes = diff_fields(
        UnitName,
        [("official_name", old[0], new[0]), ("issuing_body", old[1] or None, new[1] or None)],
    )
    if entry is None:
        return _NamesWrite(values["code"], *new, valid_from=None), changes
    same_day = entry.pk if entry.valid_from == today else None
    return _NamesWrite(values["code"], *new, valid_from=today, pk=same_day), changes


def _plan_agencies(table: Table, *, today: datetime.date) -> tuple[ImportSummary, dict]:
    problems = list(table.problems)
    rows = unique_rows(table, "code", problems)
    stored = {
        unit["code"]: unit
        for unit in Unit.objects.values("pk", "code", "name", "kind", "parent__code")
    }
    in_file = {row.values["code"] for row in rows}
    with_parents = "parent_code" in table.headers
    parent_of = {code: unit["parent__code"] for code, unit in stored.items()}
    for row in rows:
        code, parent_code = row.values["code"], row.values.get("parent_code")
        if not with_parents:
            # No parent column: stored units keep their parent, new ones have none.
            parent_of.setdefault(code, None)
            continue
        parent_of[code] = parent_code
        if parent_code and parent_code not in in_file and parent_code not in stored:
            header = table.headers["parent_code"]
            problems.append(Problem(row.number, header, UNKNOWN_PARENT, {"code": parent_code}))
    cycles = _cycles(parent_of)
    for row in rows:
        if (cycle := cycles.get(row.values["code"])) is not None:
            header = table.headers.get("parent_code", "parent_code")
            problems.append(Problem(row.number, header, UNIT_CYCLE, {"cycle": cycle}))

    with_names = "official_name" in table.headers or "issuing_body" in table.headers
    names_in_use = _names_in_use(today) if with_names else {}
    plans = []
    to_create, to_update, names = [], [], []
    for row in rows:
        if row.problems:
            continue
        values = row.values
        code = values["code"]
        new_parent = parent_of[code]
        unit = stored.get(code)
        entry = names_in_use.get(unit["pk"]) if unit else None
        names_write, names_changes = _plan_names(values, entry, today=today)
        if names_write:
            names.append(names_write)
        if unit is None:
            plans.append(RowPlan(row.number, code, values["name"], Action.CREATED))
            to_create.append((code, values["name"], values["kind"], new_parent))
            continue
        unit_changes = diff_fields(
            Unit,
            [
                ("name", unit["name"], values["name"]),
                ("kind", UnitKind(unit["kind"]).label, UnitKind(values["kind"]).label),
                ("parent", unit["parent__code"], new_parent),
            ],
        )
        changes = unit_changes + names_changes
        action = Action.UPDATED if changes else Action.UNCHANGED
        plans.append(RowPlan(row.number, code, values["name"], action, changes))
        if unit_changes:
            to_update.append((unit["pk"], code, values["name"], values["kind"], new_parent))
    problems.sort(key=lambda problem: problem.row or 0)
    result = ImportSummary(plans=plans, problems=problems)
    return result, {"to_create": to_create, "to_update": to_update, "names": names}


def _cycles(parent_of: dict[str, str | None]) -> dict[str, str]:
    """For each code on a cycle of parents, the cycle as it reads from it: 'A → B → A'."""
    on_cycle: dict[str, str] = {}
    done: set[str] = set()
    for start in parent_of:
        path: list[str] = []
        seen_at: dict[str, int] = {}
        code: str | None = start
        while code is not None and code in parent_of and code not in done:
            if code in seen_at:
                loop = path[seen_at[code] :]
                for index, member in enumerate(loop):
                    turned = loop[index:] + loop[:index]
                    on_cycle[member] = " → ".join([*turned, member])
                break
            seen_at[code] = len(path)
            path.append(code)
            code = parent_of[code]
        done.update(path)
    return on_cycle


def _write_agencies(
    *, to_create: list[tuple], to_update: list[tuple], names: list[_NamesWrite]
) -> None:
    Unit.objects.bulk_create(
        [Unit(code=code, name=name, kind=kind) for code, name, kind, _parent in to_create],
        batch_size=BATCH_SIZE,
    )
    ids = dict(Unit.objects.values_list("code", "pk"))
    changed = [
        Unit(pk=ids[code], code=code, name=name, kind=kind, parent_id=ids.get(parent))
        for code, name, kind, parent in to_create
        if parent
    ] + [
        Unit(pk=pk, code=code, name=name, kind=kind, parent_id=ids.get(parent))
        for pk, code, name, kind, parent in to_update
    ]
    Unit.objects.bulk_update(changed, ["name", "kind", "parent"], batch_size=BATCH_SIZE)
    entries = [
        UnitName(
            pk=write.pk,
            unit_id=ids[write.code],
            valid_from=write.valid_from,
            official_name=write.official_name,
            issuing_body=write.issuing_body,
        )
        for write in names
    ]
    UnitName.objects.bulk_create(
        [entry for entry in entries if entry.pk is None], batch_size=BATCH_SIZE
    )
    UnitName.objects.bulk_update(
        [entry for entry in entries if entry.pk is not None],
        ["official_name", "issuing_body"],
        batch_size=BATCH_SIZE,
    )
    page_cache.changed("people")  # bulk writes send no signal


# Staff


@dataclass(slots=True)
class _StaffWrite:
    code: str
    fields: dict | None  # the values to store (search key included); None: unchanged
    pk: int | None = None  # None: a new person
    unit_id: int | None = None  # the unit of a new posting
    starts_on: datetime.date | None = None
    close_posting_id: int | None = None
    close_on: datetime.date | None = None
    full_name: str = ""  # as stored once written: the new posting's copy of it


def staff_import(
    *, path: str | Path, dry_run: bool = False, today: datetime.date | None = None
) -> ImportSummary:
    """Upsert staff by staff code; a new unit is a transfer recorded in the postings.

    The new posting starts on posted_on (default `today`, the day of the import) and the
    open one closes the day before. A person's first posting starts on posted_on, else
    hired_on, else it is open back in time.
    """
    today = today or timezone.localdate()
    return import_file(
        path=path,
        columns=STAFF_COLUMNS,
        plan=functools.partial(_plan_staff, today=today),
        write=_write_staff,
        dry_run=dry_run,
    )


# What a staff file sets, and what an update writes.
_FILE_STAFF_FIELDS = ("full_name", "category", "position", "badge_number", "hired_on", "email")
_UPDATED_STAFF_FIELDS = [*_FILE_STAFF_FIELDS, "search_text", "updated_at"]
# Columns the file may leave out; when it does, the stored values stay.
_OPTIONAL_STAFF_FIELDS = (
    ("position", ""),
    ("badge_number", ""),
    ("hired_on", None),
    ("email", ""),
)


def _plan_staff(table: Table, *, today: datetime.date) -> tuple[ImportSummary, list[_StaffWrite]]:
    problems = list(table.problems)
    rows = unique_rows(table, "staff_code", problems)
    units = dict(Unit.objects.values_list("code", "pk"))
    unit_codes = {pk: code for code, pk in units.items()}
    # Only the people the file names: at national scale the roster holds 2 million, and
    # reading it all took longer than the import itself.
    codes = [row.values["staff_code"] for row in rows]
    stored = {
        staff["code"]: staff
        for staff in Staff.objects.filter(values_in("code", codes, sql_type="text"))
        .order_by()
        .values("pk", "code", *_FILE_STAFF_FIELDS)
    }
    stored_pks = [staff["pk"] for staff in stored.values()]
    open_postings, with_postings = {}, set()
    if stored:
        # Ordered by start, so the latest open posting wins should there be two.
        open_postings = {
            staff_id: (posting_id, unit_id, starts_on)
            for posting_id, staff_id, unit_id, starts_on in Posting.objects.filter(
                values_in("staff_id", stored_pks, sql_type="bigint"), ends_on__isnull=True
            ).values_list("pk", "staff_id", "unit_id", "starts_on")
        }
        with_postings = set(
            Posting.objects.filter(values_in("staff_id", stored_pks, sql_type="bigint"))
            .order_by()
            .values_list("staff_id", flat=True)
            .distinct()
        )
    present_optional = [
        (name, empty) for name, empty in _OPTIONAL_STAFF_FIELDS if name in table.headers
    ]
    posted_on_header = table.headers.get("posted_on", "posted_on")
    defaults = dict(_OPTIONAL_STAFF_FIELDS)

    plans, writes = [], []
    for row in rows:
        values = row.values
        unit_code = values["agency_code"]
        unit_id = units.get(unit_code) if unit_code else None
        if unit_code and unit_id is None:
            header = table.headers["agency_code"]
            problems.append(Problem(row.number, header, UNKNOWN_UNIT, {"code": unit_code}))
        if row.problems or unit_id is None:
            continue
        code, posted_on = values["staff_code"], values.get("posted_on")
        new = {"full_name": values["full_name"], "category": values["category"]}
        for name, empty in present_optional:
            new[name] = values[name] if values[name] is not None else empty
        old = stored.get(code)

        if old is None:
            fields = defaults | new
            fields["search_text"] = staff_search_text(fields["full_name"], fields["badge_number"])
            plans.append(RowPlan(row.number, code, fields["full_name"], Action.CREATED))
            starts_on = posted_on or values.get("hired_on")
            writes.append(
                _StaffWrite(
                    code, fields, unit_id=unit_id, starts_on=starts_on, full_name=new["full_name"]
                )
            )
            continue

        changes = diff_fields(Staff, [(name, old[name], value) for name, value in new.items()])
        write = _StaffWrite(code, None, pk=old["pk"], full_name=new["full_name"])
        if changes:
            fields = {name: old[name] for name in _FILE_STAFF_FIELDS} | new
            fields["search_text"] = staff_search_text(fields["full_name"], fields["badge_number"])
            write.fields = fields
        current = open_postings.get(old["pk"])
        if current is None or current[1] != unit_id:
            write.unit_id = unit_id
            if old["pk"] not in with_postings:
                write.starts_on = posted_on or new.get("hired_on", old["hired_on"])
            else:
                write.starts_on = posted_on or today
            if current is not None:
                try:
                    write.close_on = current_posting_ends_on(
                        current_starts_on=current[2], on=write.starts_on
                    )
                except DomainError as refusal:
                    problems.append(
                        Problem(row.number, posted_on_header, refusal.message, refusal.params)
                    )
                    continue
                write.close_posting_id = current[0]
            old_unit = unit_codes.get(current[1]) if current else None
            new_unit = f"{unit_code} ({shown(write.starts_on)})"
            changes.append(Change(field_label(Posting, "unit"), shown(old_unit), new_unit))
        action = Action.UPDATED if changes else Action.UNCHANGED
        plans.append(RowPlan(row.number, code, new["full_name"], action, changes))
        if changes:
            writes.append(write)
    problems.sort(key=lambda problem: problem.row or 0)
    return ImportSummary(plans=plans, problems=problems), writes


def _write_staff(writes: list[_StaffWrite]) -> None:
    now = timezone.now()
    stored_fields = operator.itemgetter(*_FILE_STAFF_FIELDS, "search_text")
    created = [write for write in writes if write.pk is None]
    changed = [
        Staff(pk=write.pk, code=write.code, updated_at=now, **write.fields)
        for write in writes
        if write.pk is not None and write.fields is not None
    ]
    bulk_insert(
        Staff,
        ["code", *_FILE_STAFF_FIELDS, "search_text", "created_at", "updated_at", "is_active"],
        [(write.code, *stored_fields(write.fields), now, now, True) for write in created],
    )
    if created:
        codes = [write.code for write in created]
        ids = dict(
            Staff.objects.filter(values_in("code", codes, sql_type="text"))
            .order_by()
            .values_list("code", "pk")
        )
        for write in created:
            write.pk = ids[write.code]
    Staff.objects.bulk_update(changed, _UPDATED_STAFF_FIELDS, batch_size=BATCH_SIZE)
    moves = [write for write in writes if write.unit_id is not None]
    Posting.objects.bulk_update(
        [
            Posting(pk=move.close_posting_id, ends_on=move.close_on)
            for move in moves
            if move.close_posting_id is not None
        ],
        ["ends_on"],
        batch_size=BATCH_SIZE,
    )
    # With the person's name and code as the database's trigger would copy them: it checks
    # them and has nothing to write again. In the order of the unit-and-name index, whose
    # entries then go into neighbouring pages rather than one page each.
    bulk_insert(
        Posting,
        ["staff", "unit", "starts_on", "staff_full_name", "staff_code"],
        [
            (move.pk, move.unit_id, move.starts_on, move.full_name, move.code)
            for move in sorted(moves, key=lambda move: (move.unit_id, move.full_name, move.code))
        ],
    )
    page_cache.changed("people")  # bulk writes send no signal
    hooks.staff_changed(staff_ids=[write.pk for write in writes])
