"""Reads of the emulation lists: the council's pages, the exports and the commands."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from emulation.models import (
    LOCAL_ZONE,
    Nomination,
    Period,
    RevocationCase,
    RevocationStatus,
    Title,
    VerdictReason,
    VerdictStatus,
    VerdictTally,
)
from inspections.models import DisciplineStatus
from personnel.models import Unit

PAGE_SIZE = 50


def period_list() -> QuerySet[Period]:
    return Period.objects.order_by("-starts_on", "code")


def period_by_code(*, code: str) -> Period | None:
    return Period.objects.filter(code=code).first()


def _records_first(prefix: str) -> Case:
    """An ordering key: a reason naming a record (0) before one naming a decision (1)."""
    return Case(
        When(**{f"{prefix}decision__isnull": True}, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def _reasons_prefetch() -> Prefetch:
    # Violation records first, then discipline decisions, each oldest first.
    return Prefetch(
        "verdict__reasons",
        queryset=VerdictReason.objects.select_related("record", "decision").order_by(
            _records_first(""),
            "record__occurred_at",
            "record__pk",
            "decision__decided_on",
            "decision__pk",
        ),
    )


def nomination_list(
    *,
    period: Period,
    unit: Unit | None = None,
    title: Title | None = None,
    status: str | None = None,
) -> QuerySet[Nomination]:
    """The period's nominations with their verdicts, by staff code then title code."""
    nominations = Nomination.objects.filter(period=period)
    if unit is not None:
        nominations = nominations.filter(unit=unit)
    if title is not None:
        nominations = nominations.filter(title=title)
    if status:
        nominations = nominations.filter(verdict__status=status)
    return (
        nominations.select_related("staff", "title", "unit", "verdict")
        .prefetch_related(_reasons_prefetch())
        .order_by("staff__code", "title__code", "pk")
    )


def verdict_counts(
    *, period: Period, unit: Unit | None = None, title: Title | None = None
) -> dict[str, int]:
    """Eligible, excluded and pending among the period's nominations (from one unit, for one
    title), in one query over the counts the rule service keeps: a few rows per unit, however
    many nominations the period holds.
    """
    tallies = VerdictTally.objects.filter(period=period)
    if unit is not None:
        tallies = tallies.filter(unit=unit)
    if title is not None:
        tallies = tallies.filter(title=title)
    return tallies.aggregate(
        **{status: Coalesce(Sum(status), 0) for status in VerdictStatus.values}
    )


def nominating_units(*, period: Period) -> QuerySet[Unit]:
    """The units that nominated anyone in the period, by code (probes of the counts' rows)."""
    return Unit.objects.filter(
        Exists(VerdictTally.objects.filter(period=period, unit=OuterRef("pk")))
    ).order_by("code")


@dataclass(frozen=True)
class Page:
    rows: list[Nomination]
    next_after: int | None
    has_previous: bool


def nomination_page(*, nominations: QuerySet[Nomination], after: int | None) -> Page:
    """Keyset pagination on (staff code, title code, pk): every page costs the same.

    `after` is the pk of the last row of the previous page (one query to read its key).
    """
    if after is not None:
        key = (
            nominations.filter(pk=after)
            .values_list("staff__code", "title__code", "pk")
            .order_by()
            .first()
        )
        if key is not None:
            staff_code, title_code, pk = key
            nominations = nominations.filter(
                Q(staff__code__gt=staff_code)
                | Q(staff__code=staff_code, title__code__gt=title_code)
                | Q(staff__code=staff_code, title__code=title_code, pk__gt=pk)
            )
    rows = list(nominations[: PAGE_SIZE + 1])
    next_after = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    return Page(rows=rows[:PAGE_SIZE], next_after=next_after, has_previous=after is not None)


def open_revocation_cases(*, period: Period) -> QuerySet[RevocationCase]:
    return (
        RevocationCase.objects.filter(nomination__period=period, status=RevocationStatus.OPEN)
        .select_related(
            "nomination__staff", "nomination__title", "nomination__unit", "record", "decision"
        )
        .order_by("opened_at", "pk")
    )


def deciding_reasons(nomination: Nomination) -> list[VerdictReason]:
    """The records and decisions behind the verdict, in the contract's order (prefetched)."""
    verdict = getattr(nomination, "verdict", None)
    if verdict is None:
        return []
    return list(verdict.reasons.all())


def deciding_records(nomination: Nomination) -> list:
    """The violation records behind the verdict, oldest first (prefetched)."""
    return [reason.record for reason in deciding_reasons(nomination) if reason.record_id]


def deciding_decisions(nomination: Nomination) -> list:
    """The discipline decisions behind the verdict, oldest first (prefetched)."""
    return [reason.decision for reason in deciding_reasons(nomination) if reason.decision_id]


def decision_reason_text(decision) -> str:
    """A discipline decision as the council's list states it, with its legal basis."""
    if decision.status == DisciplineStatus.DECIDED:
        return gettext(
            "Disciplined with %(form)s (decision %(number)s of %(day)s) in effect in the "
            "period, Decree 98/2023/NĐ-CP, article 4"
        ) % {
            "form": decision.get_form_display().lower(),
            "number": decision.number,
            "day": decision.decided_on.strftime("%d/%m/%Y"),
        }
    return gettext(
        "Discipline procedure open (%(number)s): deferred, Decree 98/2023/NĐ-CP, article 4"
    ) % {"number": decision.number}


def _reason_object(reason: VerdictReason) -> dict:
    """One reason of EXCHANGE.md's `eligibility --format json`."""
    if reason.record_id:
        record = reason.record
        return {
            "kind": "violation",
            "record_no": record.number or "",
            "type": record.type,
            "occurred_on": record.occurred_at.astimezone(LOCAL_ZONE).date().isoformat(),
            "status": record.status,
        }
    decision = reason.decision
    return {
        "kind": "discipline",
        "decision_no": decision.number,
        "form": decision.form,
        "status": decision.status,
        "decided_on": decision.decided_on.isoformat() if decision.decided_on else None,
    }


def eligibility_report(*, period: Period) -> dict:
    """The rule's verdict for every nomination, as EXCHANGE.md's `eligibility` documents it."""
    nominations = []
    for nomination in nomination_list(period=period):
        verdict = getattr(nomination, "verdict", None)
        nominations.append(
            {
                "staff_code": nomination.staff.code,
                "full_name": nomination.staff.full_name,
                "agency_code": nomination.unit.code,
                "title": nomination.title.code,
                "status": verdict.status if verdict else VerdictStatus.ELIGIBLE.value,
                "reasons": [_reason_object(reason) for reason in deciding_reasons(nomination)],
            }
        )
    return {
        "period": period.code,
        "start": period.starts_on.isoformat(),
        "end": period.ends_on.isoformat(),
        "nominations": nominations,
    }


ELIGIBILITY_CSV_COLUMNS = [
    "staff_code",
    "full_name",
    "agency_code",
    "title",
    "status",
    "record_nos",
]
# Rows fetched from the server-side cursor at a time: the memory of an export is bounded by
# this, whatever the number of nominations.
ELIGIBILITY_CHUNK = 2_000


def eligibility_rows(*, period: Period) -> Iterator[list[str]]:
    """The period's verdicts as the rows of EXCHANGE.md's `eligibility --format csv`, streamed.

    One query through a server-side cursor: every nomination beside each of its deciding
    records (an outer join, so one row per record and one for a nomination without any), in
    the list's order; consecutive rows of a nomination are folded into one here.
    """
    rows = (
        Nomination.objects.filter(period=period)
        .order_by(
            "staff__code",
            "title__code",
            "pk",
            _records_first("verdict__reasons__"),
            "verdict__reasons__record__occurred_at",
            "verdict__reasons__record__pk",
            "verdict__reasons__decision__decided_on",
            "verdict__reasons__decision__pk",
        )
        .values_list(
            "pk",
            "staff__code",
            "staff__full_name",
            "unit__code",
            "title__code",
            "verdict__status",
            "verdict__reasons__pk",
            "verdict__reasons__record__number",
            "verdict__reasons__decision__number",
        )
    )
    current, numbers = None, []
    for (
        pk,
        staff_code,
        full_name,
        unit_code,
        title,
        status,
        reason,
        record_number,
        decision_number,
    ) in rows.iterator(chunk_size=ELIGIBILITY_CHUNK):
        if current is None or current[0] != pk:
            if current is not None:
                yield [*current[1:], "; ".join(numbers)]
            status = status or VerdictStatus.ELIGIBLE.value
            current = (pk, staff_code, full_name, unit_code, title, status)
            numbers = []
        if reason is not None:
            numbers.append(record_number or decision_number or "")
    if current is not None:
        yield [*current[1:], "; ".join(numbers)]


def unit_nominations(*, unit: Unit) -> QuerySet[Nomination]:
    """A unit head's view: the nominations their unit submitted, newest period first."""
    return (
        Nomination.objects.filter(unit=unit)
        .select_related("staff", "title", "period", "verdict")
        .prefetch_related(_reasons_prefetch())
        .order_by("-period__starts_on", "staff__code", "title__code")
    )


def cited_record_ids() -> tuple[QuerySet, ...]:
    """The records the council's lists cite: a verdict's reason or a revocation case."""
    return VerdictReason.objects.values("record"), RevocationCase.objects.values("record")
