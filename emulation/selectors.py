"""Reads of the emulation lists: the council's pages, the exports and the commands."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    PositiveSmallIntegerField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from emulation.models import (
    LOCAL_ZONE,
    ListGroup,
    Nomination,
    Period,
    Rating,
    ReasonKind,
    RevocationCase,
    RevocationStatus,
    Title,
    Verdict,
    VerdictReason,
    VerdictStatus,
    VerdictTally,
)
from inspections.models import DisciplineForm, DisciplineStatus, RecordStatus
from personnel.models import Role, Unit, User

PAGE_SIZE = 50


def period_list() -> QuerySet[Period]:
    return Period.objects.order_by("-starts_on", "code")


def period_by_code(*, code: str) -> Period | None:
    return Period.objects.filter(code=code).first()


def _reasons_prefetch() -> Prefetch:
    # In the contract's order, which the rule service stores as each reason's position.
    return Prefetch(
        "verdict__reasons",
        queryset=VerdictReason.objects.select_related("record", "decision__staff").order_by(
            "position", "pk"
        ),
    )


# The council reads the exceptions first: excluded, pending, eligible but not fully checked,
# then eligible.
EXCEPTIONS_FIRST = Case(
    When(verdict__status=VerdictStatus.EXCLUDED, then=Value(0)),
    When(verdict__status=VerdictStatus.PENDING, then=Value(1)),
    When(~Q(verdict__unchecked=""), then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
NOT_FULLY_CHECKED = "not_fully_checked"
# Each status of the filter as the groups it covers: eligible includes not fully checked.
STATUS_GROUPS = {
    VerdictStatus.EXCLUDED: Q(verdict__list_group=ListGroup.EXCLUDED),
    VerdictStatus.PENDING: Q(verdict__list_group=ListGroup.PENDING),
    NOT_FULLY_CHECKED: Q(verdict__list_group=ListGroup.NOT_FULLY_CHECKED),
    VerdictStatus.ELIGIBLE: Q(verdict__list_group__gte=ListGroup.NOT_FULLY_CHECKED),
}


def nomination_list(
    *,
    period: Period,
    unit: Unit | None = None,
    title: Title | None = None,
    status: str | None = None,
) -> QuerySet[Nomination]:
    """The period's nominations with their verdicts in the contract's order: people by staff
    code then title code, then the collectives by unit code then title code.

    `status` is a verdict status or NOT_FULLY_CHECKED (eligible with a criterion unchecked); a
    nomination without a verdict row (plainly eligible, or not yet judged) stands with the
    eligible.
    """
    nominations = Nomination.objects.filter(period=period)
    if unit is not None:
        nominations = nominations.filter(unit=unit)
    if title is not None:
        nominations = nominations.filter(title=title)
    # By the stored group (EXCEPTIONS_FIRST).
    if status:
        group = STATUS_GROUPS[status]
        if status == VerdictStatus.ELIGIBLE:
            group |= Q(verdict__isnull=True)
        nominations = nominations.filter(group)
    return (
        nominations.select_related("staff", "title", "unit", "verdict")
        .prefetch_related(_reasons_prefetch())
        .order_by(F("staff__code").asc(nulls_last=True), "unit__code", "title__code", "pk")
    )


@dataclass(frozen=True)
class ListFilter:
    """The council page's filters, which its exports take too."""

    unit: Unit | None = None
    title: Title | None = None
    status: str = ""

    def query(self) -> dict[str, str]:
        given = {
            "unit": self.unit.code if self.unit else "",
            "title": self.title.code if self.title else "",
            "status": self.status,
        }
        return {key: value for key, value in given.items() if value}

    def nominations(self, period: Period) -> QuerySet[Nomination]:
        return nomination_list(period=period, unit=self.unit, title=self.title, status=self.status)


LIST_STATUSES = [*VerdictStatus.values, NOT_FULLY_CHECKED]


def list_filter(*, period: Period, unit_code: str = "", title_code: str = "", status: str = ""):
    """The filters as given in a query string; an unknown value filters nothing."""
    unit = (
        Unit.objects.filter(code=unit_code, nominations__period=period).distinct().first()
        if unit_code
        else None
    )
    title = Title.objects.filter(code=title_code).first() if title_code else None
    return ListFilter(unit=unit, title=title, status=status if status in LIST_STATUSES else "")


def group_of(*, status: str | None, unchecked: str) -> str:
    """Which part of the council's list a verdict's status and unchecked criteria put its
    nomination in (EXCEPTIONS_FIRST); a nomination not yet judged is with the eligible."""
    if status is None:
        return VerdictStatus.ELIGIBLE
    if status == VerdictStatus.ELIGIBLE and unchecked:
        return NOT_FULLY_CHECKED
    return status


def list_group(nomination: Nomination) -> str:
    """Which part of the council's list a nomination is in (EXCEPTIONS_FIRST)."""
    verdict = nomination.effective_verdict
    return group_of(status=verdict.status, unchecked=verdict.unchecked)


def cap_warnings(*, period: Period) -> list[dict]:
    """Units nominating more people for Chiến sĩ thi đua cơ sở than the period's cap allows:
    a percentage of their eligible Lao động tiên tiến. It only warns the council."""
    if period.cstdcs_cap is None:
        return []
    tallies = VerdictTally.objects.filter(
        period=period, title__code__in=["lao_dong_tien_tien", "chien_si_thi_dua_co_so"]
    ).values_list("unit_id", "title__code", "eligible", "excluded", "pending")
    by_unit: dict[int, dict[str, int]] = {}
    for unit_id, title, eligible, excluded, pending in tallies:
        counts = by_unit.setdefault(unit_id, {"holders": 0, "nominated": 0})
        if title == "lao_dong_tien_tien":
            counts["holders"] += eligible
        else:
            counts["nominated"] += eligible + excluded + pending
    over = {
        unit_id: counts | {"cap": counts["holders"] * period.cstdcs_cap // 100}
        for unit_id, counts in by_unit.items()
        if counts["nominated"] > counts["holders"] * period.cstdcs_cap // 100
    }
    units = Unit.objects.in_bulk(list(over))
    return sorted(
        ({"unit": units[unit_id], **counts} for unit_id, counts in over.items()),
        key=lambda warning: warning["unit"].code,
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
class ListRow:
    """A row of the council's page as plain values: model instances of the nomination, its
    person, unit, title and verdict would cost more than the rest of the page."""

    pk: int
    staff_code: str | None
    full_name: str | None
    unit_code: str
    unit_name: str
    title_name: str
    rating: str
    status: str | None
    unchecked: str
    reasons: list["ListReason"]

    @property
    def group(self) -> str:
        """Which part of the list the row is in (EXCEPTIONS_FIRST), as list_group says."""
        return group_of(status=self.status, unchecked=self.unchecked)


@dataclass(frozen=True)
class Page:
    rows: list[ListRow]
    next_after: int | None
    has_previous: bool


ROW_FIELDS = (
    "pk",
    "staff__code",
    "staff__full_name",
    "unit__code",
    "unit__name",
    "title__name",
    "rating",
)
# The verdict's columns of a row: the exceptions' own, none for the plainly eligible.
VERDICT_FIELDS = ("verdict__status", "verdict__unchecked", "verdict__id")
NO_VERDICT = (
    Value(None, output_field=CharField()),
    Value(None, output_field=CharField()),
    Value(None, output_field=BigIntegerField()),
)
VERDICT_NAMES = ("row_status", "row_unchecked", "row_verdict")


@dataclass(frozen=True, slots=True)
class ListRecord:
    """What a row shows of a violation record behind its verdict."""

    pk: int
    number: str
    status: str
    occurred_at: datetime.datetime
    type: str


@dataclass(frozen=True, slots=True)
class ListPerson:
    full_name: str
    code: str


@dataclass(frozen=True, slots=True)
class ListDecision:
    """What a row shows of a discipline decision behind its verdict."""

    pk: int
    status: str
    form: str
    number: str
    decided_on: datetime.date | None
    staff: ListPerson

    def get_form_display(self) -> str:
        return str(DISCIPLINE_FORM_LABELS.get(self.form, self.form))


@dataclass(frozen=True, slots=True)
class ListReason:
    """A reason of a row's verdict as plain values, read as reason_text and the row's links
    read a VerdictReason: three model instances a reason cost more than the page's rows."""

    verdict_id: int
    kind: str
    data: dict
    record_id: int | None
    record: ListRecord | None
    decision_id: int | None
    decision: ListDecision | None


DISCIPLINE_FORM_LABELS = dict(DisciplineForm.choices)
REASON_FIELDS = (
    "verdict_id",
    "kind",
    "data",
    "record_id",
    "record__number",
    "record__status",
    "record__occurred_at",
    "record__type",
    "decision_id",
    "decision__status",
    "decision__form",
    "decision__number",
    "decision__decided_on",
    "decision__staff__full_name",
    "decision__staff__code",
)


def _reasons_by_verdict(verdict_ids: list[int]) -> dict[int, list[ListReason]]:
    """The reasons of these verdicts in the contract's order, in one query."""
    reasons: dict[int, list[ListReason]] = {}
    if verdict_ids:
        for (
            verdict_id,
            kind,
            data,
            record_id,
            *record,
            decision_id,
            status,
            form,
            number,
            decided_on,
            full_name,
            code,
        ) in (
            VerdictReason.objects.filter(verdict_id__in=verdict_ids)
            .order_by("verdict_id", "position", "pk")
            .values_list(*REASON_FIELDS)
        ):
            reasons.setdefault(verdict_id, []).append(
                ListReason(
                    verdict_id=verdict_id,
                    kind=kind,
                    data=data,
                    record_id=record_id,
                    record=ListRecord(record_id, *record) if record_id is not None else None,
                    decision_id=decision_id,
                    decision=ListDecision(
                        decision_id,
                        status,
                        form,
                        number,
                        decided_on,
                        ListPerson(full_name, code),
                    )
                    if decision_id is not None
                    else None,
                )
            )
    return reasons


# A page's key, the exceptions' (Verdict's order indexes) and the plainly eligible's
# (Nomination's, after them): group, nominee's code, title's code, nomination. The exceptions'
# nomination is the id the verdict holds: the row comparison then names the index's own
# columns and PostgreSQL starts the scan at the key.
EXCEPTION_KEY = (
    "verdict__list_group",
    "verdict__list_code",
    "verdict__list_title",
    "verdict__nomination",
)
ELIGIBLE_KEY = ("list_code", "list_title", "pk")
KEY_NAMES = ("key_group", "key_code", "key_title", "key_nomination")


def nomination_page(
    *, period: Period, filters: ListFilter, after: int | None, collective: bool = False
) -> Page:
    """Keyset pagination, the exceptions first: people's nominations on (group, staff code,
    title code, pk), or the collectives on (group, unit code, title code, pk)
    (EXCEPTIONS_FIRST). The exceptions are read from their verdicts' order indexes (the group
    and codes stored with the verdict), then the plainly eligible, which have no verdict row,
    from the nomination's (its codes, group 3), in one query: a UNION ALL of the two, each
    reading at most a page from its index, so every page costs the same, the first as the
    last.

    `after` is the pk of the last row of the previous page (one query to read its key).
    """
    exceptions = Nomination.objects.filter(verdict__period=period, verdict__collective=collective)
    # NOT EXISTS rather than an outer join's NULL: PostgreSQL then plans an anti-join and
    # estimates it, reading the index in order until a page is found.
    eligible = Nomination.objects.filter(period=period, staff__isnull=collective).filter(
        ~Exists(Verdict.objects.filter(nomination=OuterRef("pk")))
    )
    if filters.unit is not None:
        exceptions = exceptions.filter(verdict__unit=filters.unit)
        eligible = eligible.filter(unit=filters.unit)
    if filters.title is not None:
        exceptions = exceptions.filter(verdict__title=filters.title)
        eligible = eligible.filter(title=filters.title)
    if filters.status:
        exceptions = exceptions.filter(STATUS_GROUPS[filters.status])
        if filters.status != VerdictStatus.ELIGIBLE:
            eligible = None
    if after is not None:
        last = (
            Nomination.objects.filter(pk=after).values_list(*EXCEPTION_KEY, *ELIGIBLE_KEY).first()
        )
        if last is not None and last[0] is not None:  # an exception
            exceptions = exceptions.filter(TupleGreaterThan(Tuple(*EXCEPTION_KEY), last[:4]))
        elif last is not None:  # plainly eligible: past every exception
            exceptions = None
            if eligible is not None:
                eligible = eligible.filter(TupleGreaterThan(Tuple(*ELIGIBLE_KEY), last[4:]))
    parts = []
    if exceptions is not None:
        parts.append(_keyed(exceptions, VERDICT_FIELDS, EXCEPTION_KEY))
    if eligible is not None:
        group = Value(ListGroup.ELIGIBLE, output_field=PositiveSmallIntegerField())
        parts.append(_keyed(eligible, NO_VERDICT, (group, *ELIGIBLE_KEY)))
    if len(parts) == 1:
        rows = parts[0]
    elif connection.features.supports_slicing_ordering_in_compound:
        rows = parts[0][: PAGE_SIZE + 1].union(
            *(part[: PAGE_SIZE + 1] for part in parts[1:]), all=True
        )
    else:  # SQLite takes no ORDER BY or LIMIT in a part of a UNION: there the parts are whole.
        rows = parts[0].order_by().union(*(part.order_by() for part in parts[1:]), all=True)
    values = list(rows.order_by(*KEY_NAMES)[: PAGE_SIZE + 1])
    next_after = values[PAGE_SIZE - 1][0] if len(values) > PAGE_SIZE else None
    values = values[:PAGE_SIZE]
    reasons = _reasons_by_verdict([row[-5] for row in values if row[-5] is not None])
    rows = [
        ListRow(
            *row[:-7],
            status=row[-7],
            unchecked=row[-6] or "",
            reasons=reasons.get(row[-5], []),
        )
        for row in values
    ]
    return Page(rows=rows, next_after=next_after, has_previous=after is not None)


def _keyed(nominations: QuerySet[Nomination], verdict: tuple, key: tuple) -> QuerySet:
    """A part of the page: the rows' values, their verdict's (VERDICT_NAMES) and their key
    (KEY_NAMES), in the key's order."""
    names = dict(zip(VERDICT_NAMES + KEY_NAMES, verdict + key, strict=True))
    return (
        nominations.annotate(
            **{name: F(path) if isinstance(path, str) else path for name, path in names.items()}
        )
        .order_by(*KEY_NAMES)
        .values_list(*ROW_FIELDS, *VERDICT_NAMES, *KEY_NAMES)
    )


def open_revocation_cases(*, period: Period) -> QuerySet[RevocationCase]:
    return (
        RevocationCase.objects.filter(nomination__period=period, status=RevocationStatus.OPEN)
        .select_related(
            "nomination__staff", "nomination__title", "nomination__unit", "record", "decision"
        )
        .order_by("opened_at", "pk")
    )


def deciding_reasons(nomination: Nomination) -> list[VerdictReason]:
    """Every reason behind the verdict (records, decisions, failed criteria), in the
    contract's order (prefetched); none without a verdict row (plainly eligible)."""
    verdict = getattr(nomination, "verdict", None)
    if verdict is None:
        return []
    return list(verdict.reasons.all())


def deciding_records(nomination: Nomination) -> list:
    """The violation records behind the verdict, oldest first (prefetched)."""
    return [reason.record for reason in deciding_reasons(nomination) if reason.record_id]


def _day(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def decision_reason_text(decision) -> str:
    """A discipline decision as the council's list states it, with its legal basis."""
    if decision.status == DisciplineStatus.DECIDED:
        return gettext(
            "Disciplined with %(form)s (decision %(number)s of %(day)s) in effect in the "
            "period, Decree 98/2023/NĐ-CP, article 4"
        ) % {
            "form": decision.get_form_display().lower(),
            "number": decision.number,
            "day": _day(decision.decided_on),
        }
    return gettext(
        "Discipline procedure open (%(number)s): deferred, Decree 98/2023/NĐ-CP, article 4"
    ) % {"number": decision.number}


def reason_text(reason: VerdictReason) -> str:
    """One reason in words, with its legal basis, in the active language."""
    data = reason.data
    match reason.kind:
        case ReasonKind.VIOLATION:
            record = reason.record
            text = (
                gettext("Violation record %(number)s of %(day)s confirmed in the period")
                if record.status == RecordStatus.CONFIRMED
                else gettext("Violation record %(number)s of %(day)s awaiting review: deferred")
            )
            return text % {
                "number": record.number or "—",
                "day": _day(record.occurred_at.astimezone(LOCAL_ZONE)),
            }
        case ReasonKind.DISCIPLINE:
            return decision_reason_text(reason.decision)
        case ReasonKind.RATING:
            return gettext(
                "Rated “%(rating)s”: Lao động tiên tiến needs tasks completed well or better, "
                "Law 06/2022/QH15, article 24"
            ) % {"rating": Rating(data["rating"]).label}
        case ReasonKind.TENURE:
            return gettext(
                "Recruited on %(day)s: less than %(months)s months of service in the period, "
                "Circular 01/2024/TT-BNV"
            ) % {
                "day": _day(datetime.date.fromisoformat(data["hired_on"])),
                "months": data["min_months"],
            }
        case ReasonKind.REQUIRES_TITLE:
            text = {
                "missing": gettext(
                    "Not nominated for Lao động tiên tiến in the period, Law 06/2022/QH15, "
                    "article 23"
                ),
                VerdictStatus.EXCLUDED: gettext(
                    "Not eligible for Lao động tiên tiến in the period, Law 06/2022/QH15, "
                    "article 23"
                ),
                VerdictStatus.PENDING: gettext(
                    "Lao động tiên tiến in the period is deferred, Law 06/2022/QH15, article 23"
                ),
            }
            return text[data["status"]]
        case ReasonKind.MERIT:
            return gettext(
                "Neither tasks completed excellently nor a recognised initiative, Law "
                "06/2022/QH15, article 23"
            )
        case ReasonKind.COLLECTIVE_SHARE:
            return gettext(
                "%(holders)s of %(members)s members eligible for Lao động tiên tiến, fewer "
                "than %(percent)s%%, Law 06/2022/QH15, articles 27 and 28"
            ) % {
                "holders": data["holders"],
                "members": data["members"],
                "percent": data["required_percent"],
            }
        case ReasonKind.MEMBER_DISCIPLINED:
            decision = reason.decision
            return gettext(
                "Member %(name)s (%(code)s) disciplined with %(form)s (decision %(number)s of "
                "%(day)s), Law 06/2022/QH15, articles 27 and 28"
            ) % {
                "name": decision.staff.full_name,
                "code": decision.staff.code,
                "form": decision.get_form_display().lower(),
                "number": decision.number,
                "day": _day(decision.decided_on),
            }
    return gettext("No member eligible for Chiến sĩ thi đua cơ sở, Law 06/2022/QH15, article 27")


def reason_texts(nomination: Nomination) -> list[str]:
    return [reason_text(reason) for reason in deciding_reasons(nomination)]


def unchecked_text(nomination: Nomination) -> str:
    """The criteria the rule could not check for want of data, in words; "" when none."""
    return unchecked_words(nomination.effective_verdict.unchecked)


def unchecked_words(unchecked: str) -> str:
    """A verdict's unchecked criteria (comma-separated) in words; "" when none."""
    if not unchecked:
        return ""
    names = {
        "rating": gettext("the rating"),
        "tenure": gettext("the date of recruitment"),
        "merit": gettext("an excellent rating or an initiative"),
    }
    return gettext("Not checked, no data: %(criteria)s") % {
        "criteria": ", ".join(names[name] for name in unchecked.split(","))
    }


def _reason_object(reason: VerdictReason) -> dict:
    """One reason of EXCHANGE.md's `eligibility --format json`."""
    if reason.kind == ReasonKind.VIOLATION:
        record = reason.record
        return {
            "kind": reason.kind,
            "record_no": record.number or "",
            "type": record.type,
            "occurred_on": record.occurred_at.astimezone(LOCAL_ZONE).date().isoformat(),
            "status": record.status,
        }
    decision = reason.decision
    if reason.kind == ReasonKind.DISCIPLINE:
        return {
            "kind": reason.kind,
            "decision_no": decision.number,
            "form": decision.form,
            "status": decision.status,
            "decided_on": decision.decided_on.isoformat() if decision.decided_on else None,
        }
    if reason.kind == ReasonKind.MEMBER_DISCIPLINED:
        return {
            "kind": reason.kind,
            "staff_code": decision.staff.code,
            "decision_no": decision.number,
            "form": decision.form,
        }
    return {"kind": reason.kind, **reason.data}


def eligibility_report(*, period: Period) -> dict:
    """The rule's verdict for every nomination, as EXCHANGE.md's `eligibility` documents it."""
    nominations = []
    for nomination in nomination_list(period=period):
        verdict = nomination.effective_verdict
        nominations.append(
            {
                "staff_code": nomination.nominee_code,
                "full_name": nomination.nominee_name,
                "agency_code": nomination.unit.code,
                "title": nomination.title.code,
                "status": str(verdict.status),
                "reasons": [_reason_object(reason) for reason in deciding_reasons(nomination)],
                "unchecked": verdict.unchecked_criteria,
                "rating": nomination.rating,
                "initiative": nomination.initiative,
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


ELIGIBLE = VerdictStatus.ELIGIBLE.value  # read once: the enum's attribute costs a call a row


def eligibility_rows(*, period: Period) -> Iterator[list[str]]:
    """The period's verdicts as the rows of EXCHANGE.md's `eligibility --format csv`, streamed.

    One query through a server-side cursor: every nomination beside each of its deciding
    records (an outer join, so one row per record and one for a nomination without any), in
    the list's order; consecutive rows of a nomination are folded into one here.
    """
    rows = (
        Nomination.objects.filter(period=period)
        .order_by(
            F("staff__code").asc(nulls_last=True),
            "unit__code",
            "title__code",
            "pk",
            "verdict__reasons__position",
            "verdict__reasons__pk",
        )
        .values_list(
            "pk",
            "staff__code",
            Coalesce("staff__full_name", "unit__name"),
            "unit__code",
            "title__code",
            "verdict__status",
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
        record_number,
        decision_number,
    ) in rows.iterator(chunk_size=ELIGIBILITY_CHUNK):
        if current is None or current[0] != pk:
            if current is not None:
                yield [*current[1:], "; ".join(numbers)]
            status = status or ELIGIBLE
            current = (pk, staff_code or "", full_name, unit_code, title, status)
            numbers = []
        if record_number is not None or decision_number is not None:
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


def awarded_nominations(*, period: Period) -> list[Nomination]:
    """The nominations an approved list awards: those it found eligible, less the titles the
    council revoked since, plus those it reinstated or granted (a deferred one whose review
    ended); people by staff code, then the collectives by unit code, each by title."""
    decided = dict(
        RevocationCase.objects.filter(nomination__period=period)
        .exclude(status__in=[RevocationStatus.OPEN, RevocationStatus.CLOSED])
        .order_by("resolved_at", "pk")
        .values_list("nomination_id", "status")
    )
    nominations = (
        Nomination.objects.filter(period=period)
        .filter(
            Q(verdict__status=VerdictStatus.ELIGIBLE)
            | Q(verdict__isnull=True)  # plainly eligible
            | Q(pk__in=list(decided))
        )
        .select_related("staff", "title", "unit")
        .order_by(F("staff__code").asc(nulls_last=True), "unit__code", "title__code", "pk")
    )
    return [
        nomination
        for nomination in nominations
        if decided.get(nomination.pk) != RevocationStatus.REVOKED
    ]


def council_members() -> QuerySet:
    """The active users holding the council's role, by name: who may be its secretary."""
    return (
        User.objects.filter(is_active=True, groups__name=Role.COUNCIL)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
