"""Reads of discipline decisions, for the reviewers' pages."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.imports import field_label, shown
from inspections.discipline_services import AUDITED_FIELDS, ChangeAction
from inspections.models import (
    UNSENT_STATUSES,
    DisciplineChange,
    DisciplineDecision,
    DisciplineForm,
    DisciplineStatus,
    ViolationRecord,
)
from personnel.models import Staff
from personnel.selectors import staff_search

CHANGE_ACTIONS = {
    ChangeAction.CREATED: _("Recorded"),
    ChangeAction.CHANGED: _("Changed"),
    ChangeAction.IMPORTED: _("Imported"),
}


def decision_list(*, status: str = "", query: str = "") -> QuerySet[DisciplineDecision]:
    """Decisions, latest first, with their person; `query` a staff code or a name as the staff
    search finds it (diacritics may be left out)."""
    decisions = DisciplineDecision.objects.select_related("staff")
    if status:
        decisions = decisions.filter(status=status)
    query = query.strip()
    if query:
        found = staff_search(query=query, day=timezone.localdate()).values("pk")
        decisions = decisions.filter(Q(staff__code__iexact=query) | Q(staff__in=found))
    return decisions.order_by("-decided_on", "-pk")


def decision_records(decision: DisciplineDecision) -> QuerySet[ViolationRecord]:
    return decision.records.order_by("occurred_at", "pk")


def records_to_cite(staff: Staff) -> QuerySet[ViolationRecord]:
    """The records a decision on `staff` may rest on: theirs, once submitted."""
    return (
        ViolationRecord.objects.filter(staff=staff)
        .exclude(status__in=UNSENT_STATUSES)
        .order_by("-occurred_at", "-pk")
    )


@dataclass(frozen=True)
class ShownChange:
    label: Promise
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    change: DisciplineChange
    action: Promise
    changes: list[ShownChange]


def _shown(name: str, value, names: dict[str, str]) -> str:
    if value is None or value in ("", []):
        return shown(None)
    if name == "staff":
        return f"{names[value]} ({value})" if value in names else value
    if name == "form" and value in DisciplineForm.values:
        return str(DisciplineForm(value).label)
    if name == "status" and value in DisciplineStatus.values:
        return str(DisciplineStatus(value).label)
    if name in ("decided_on", "effective_until"):
        return shown(datetime.date.fromisoformat(value))
    if name == "records":
        return ", ".join(value)
    return str(value)


def decision_history(decision: DisciplineDecision) -> list[HistoryEntry]:
    """Each change, oldest first, with its fields as the page shows them (two queries)."""
    changes = list(decision.changes.select_related("actor").order_by("at", "pk"))
    codes = {
        code for change in changes for code in change.changes.get("staff", []) if code is not None
    }
    names = dict(Staff.objects.filter(code__in=codes).values_list("code", "full_name"))
    return [
        HistoryEntry(
            change=change,
            action=CHANGE_ACTIONS.get(change.action, change.action),
            changes=[
                ShownChange(
                    field_label(DisciplineDecision, name),
                    _shown(name, change.changes[name][0], names),
                    _shown(name, change.changes[name][1], names),
                )
                for name in AUDITED_FIELDS
                if name in change.changes
            ],
        )
        for change in changes
    ]
