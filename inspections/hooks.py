"""How the inspections workflow tells the floors above it that records changed.

A higher app (emulation) registers its handlers in its AppConfig.ready(). The workflow calls
them itself, inside its own transaction, so that a verdict never lags the record it rests on;
a failing handler rolls the record's change back with it.
"""

import datetime
from collections.abc import Callable, Iterable

from django.db.models import Q, QuerySet

PersonHandler = Callable[..., None]
DaysHandler = Callable[..., None]
CitedRecords = Callable[[], Iterable[QuerySet]]

_person_handlers: list[PersonHandler] = []
_days_handlers: list[DaysHandler] = []
_cited_records: list[CitedRecords] = []


def on_person_records_changed(handler: PersonHandler) -> None:
    """`handler(staff=...)` runs after a record of that person changed whether it counts."""
    if handler not in _person_handlers:
        _person_handlers.append(handler)


def on_records_imported(handler: DaysHandler) -> None:
    """`handler(days=[...], staff_ids=[...])` runs after an import wrote records of those
    people on those local days (both sorted)."""
    if handler not in _days_handlers:
        _days_handlers.append(handler)


def on_cited_records(provider: CitedRecords) -> None:
    """`provider()` gives querysets of the ids of records the award council reads (its lists
    cite them)."""
    if provider not in _cited_records:
        _cited_records.append(provider)


def person_records_changed(*, staff) -> None:
    for handler in _person_handlers:
        handler(staff=staff)


def records_imported(*, days: Iterable[datetime.date], staff_ids: Iterable[int]) -> None:
    days, staff_ids = sorted(set(days)), sorted(set(staff_ids))
    if not days:
        return
    for handler in _days_handlers:
        handler(days=days, staff_ids=staff_ids)


def cited_records() -> Q:
    """A filter on ViolationRecord: the records some higher app's documents cite."""
    cited = Q(pk__in=[])
    for provider in _cited_records:
        for record_ids in provider():
            cited |= Q(pk__in=record_ids)
    return cited
