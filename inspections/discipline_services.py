"""Writes of discipline decisions (quyết định kỷ luật): one service records a decision or a
change of it, audited field by field.

A decision is upserted by its number. The dates are checked by one rule (`decision_dates`),
which `import_discipline` applies to every row too. Every change tells the floors above
(inspections.hooks) in the same transaction: the award rule reads decisions (Decree 98/2023/
NĐ-CP art. 4).
"""

import calendar
import datetime
import unicodedata
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.db import serialize_writers
from core.errors import DomainError
from inspections import hooks
from inspections.models import (
    UNSENT_STATUSES,
    DisciplineChange,
    DisciplineDecision,
    DisciplineForm,
    DisciplineStatus,
    ViolationRecord,
)
from inspections.services import NOT_REVIEWER
from personnel.models import Role, Staff, User

NUMBER_REQUIRED = _("Give the number of the decision.")
NUMBER_TAKEN = _("Decision %(number)s is already recorded: change it on its page.")
UNKNOWN_FORM = _("“%(form)s” is not a form of discipline.")
UNKNOWN_STATUS = _("“%(status)s” is not a status of a discipline decision.")
DECIDED_WITHOUT_DATE = _("A decided decision needs the day it was decided.")
EFFECT_BEFORE_DECISION = _("The decision's effect cannot end before the day it was decided.")
RECORDS_OF_ANOTHER_PERSON = _(
    "A decision rests only on submitted or reviewed records of the person it disciplines."
)


class ChangeAction:
    """What a DisciplineChange row records (its `action`)."""

    CREATED = "created"
    CHANGED = "changed"
    IMPORTED = "imported"


# The fields a change row lists, in this order; staff by code, records by number.
AUDITED_FIELDS = (
    "staff",
    "form",
    "status",
    "decided_on",
    "effective_until",
    "signer",
    "records",
)
# The months a decision takes effect for when its end is not given (Decree 112/2020/NĐ-CP and
# Decree 172/2025/NĐ-CP: a discipline runs 12 months from the decision).
EFFECT_MONTHS = 12


def months_later(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; the month's last day when it has no such day (29 Feb)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_effective_until(decided_on: datetime.date) -> datetime.date:
    """The last day of a decision's effect when not given: 12 months later, less one day."""
    return months_later(decided_on, EFFECT_MONTHS) - datetime.timedelta(days=1)


def decision_dates(
    *, status: str, decided_on: datetime.date | None, effective_until: datetime.date | None
) -> datetime.date | None:
    """The decision's last day of effect, the default filled in; DomainError if the dates do
    not hold together (the web form and every imported row go through this one rule)."""
    if status == DisciplineStatus.DECIDED and decided_on is None:
        raise DomainError(DECIDED_WITHOUT_DATE)
    if decided_on is not None and effective_until is not None and effective_until < decided_on:
        raise DomainError(EFFECT_BEFORE_DECISION)
    if status == DisciplineStatus.DECIDED and effective_until is None:
        return default_effective_until(decided_on)
    return effective_until


def decision_number(number: str) -> str:
    """A number as it is stored and looked up: one Unicode form, single spaces (as imported)."""
    return " ".join(unicodedata.normalize("NFC", number).split())


def audit_value(name: str, value):
    """A field's value as a change row keeps it: staff by code, records by number, dates ISO."""
    if name == "staff":
        return value.code if value is not None else None
    if name == "records":
        return sorted(record.number for record in value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def lock_discipline_writers() -> None:
    # A new number has no row to lock yet: writers of decisions (this service and
    # import_discipline) take turns, a few thousand decisions a year.
    serialize_writers("discipline_decisions")


def discipline_record(
    *,
    number: str,
    staff: Staff,
    form: str,
    status: str,
    decided_on: datetime.date | None,
    effective_until: datetime.date | None,
    signer: str,
    records: Iterable[ViolationRecord] | None,
    actor: User | None,
    only_new: bool = False,
) -> DisciplineDecision:
    """Record the decision numbered `number`, or bring the stored one to these values.

    `records` None keeps the stored records (none for a new decision). With `only_new`, a
    number already stored is refused (the form for a new decision). One DisciplineChange row
    lists each changed field's old and new value; nothing is written when nothing changes.
    """
    number = decision_number(number)
    if not number:
        raise DomainError(NUMBER_REQUIRED)
    if form not in DisciplineForm.values:
        raise DomainError(UNKNOWN_FORM, form=form)
    if status not in DisciplineStatus.values:
        raise DomainError(UNKNOWN_STATUS, status=status)
    if actor is not None and not actor.has_role(Role.REVIEWER):
        raise DomainError(NOT_REVIEWER)
    effective_until = decision_dates(
        status=status, decided_on=decided_on, effective_until=effective_until
    )
    if records is not None:
        records = list(records)
        if any(
            record.staff_id != staff.pk or record.status in UNSENT_STATUSES for record in records
        ):
            raise DomainError(RECORDS_OF_ANOTHER_PERSON)
    new = {
        "staff": staff,
        "form": form,
        "status": status,
        "decided_on": decided_on,
        "effective_until": effective_until,
        "signer": signer.strip(),
    }
    with transaction.atomic():
        lock_discipline_writers()
        decision = (
            DisciplineDecision.objects.select_for_update(of=("self",))
            .select_related("staff")
            .filter(number=number)
            .first()
        )
        if decision is None:
            return _create(number=number, new=new, records=records or [], actor=actor)
        if only_new:
            raise DomainError(NUMBER_TAKEN, number=number)
        return _change(decision=decision, new=new, records=records, actor=actor)


def _create(
    *, number: str, new: dict, records: list[ViolationRecord], actor: User | None
) -> DisciplineDecision:
    decision = DisciplineDecision.objects.create(number=number, **new)
    decision.records.set(records)
    changes = {
        name: [None, audit_value(name, value)]
        for name, value in (*new.items(), ("records", records))
        if value not in (None, "", [])
    }
    _log(decision=decision, actor=actor, action=ChangeAction.CREATED, changes=changes)
    hooks.person_records_changed(staff=decision.staff)
    return decision


def _change(
    *,
    decision: DisciplineDecision,
    new: dict,
    records: list[ViolationRecord] | None,
    actor: User | None,
) -> DisciplineDecision:
    old = {name: getattr(decision, name) for name in new}
    changed = [name for name, value in new.items() if old[name] != value]
    changes = {
        name: [audit_value(name, old[name]), audit_value(name, new[name])] for name in changed
    }
    if records is not None:
        old_records = list(decision.records.all())
        if {record.pk for record in old_records} != {record.pk for record in records}:
            changes["records"] = [
                audit_value("records", old_records),
                audit_value("records", records),
            ]
            decision.records.set(records)
    if not changes:
        return decision
    for name in changed:
        setattr(decision, name, new[name])
    decision.save(update_fields=[*changed, "updated_at"])
    _log(decision=decision, actor=actor, action=ChangeAction.CHANGED, changes=changes)
    # Both people's verdicts follow a decision moved from one person to another.
    if old["staff"].pk != decision.staff_id:
        hooks.person_records_changed(staff=old["staff"])
    hooks.person_records_changed(staff=decision.staff)
    return decision


def _log(*, decision: DisciplineDecision, actor: User | None, action: str, changes: dict) -> None:
    ordered = {name: changes[name] for name in AUDITED_FIELDS if name in changes}
    DisciplineChange.objects.create(
        decision=decision, actor=actor, at=timezone.now(), action=action, changes=ordered
    )
