"""The eligibility rule and the emulation workflow: the one place that writes verdicts.

The rule (DOMAIN.md, EXCHANGE.md "The rule in full"): a nomination is **excluded** when its
person has a decided discipline decision in effect on a day of the period (Decree 98/2023/NĐ-CP
art. 4), or, under the period's policy `violations`, a confirmed violation record whose local
date lies in the period, whichever unit it was made in; **pending** when a discipline procedure
is open or, under `violations`, a record is submitted and not yet reviewed (art. 4: no award
while a review is open); **eligible** otherwise. Draft, dismissed and overturned records and
annulled decisions never count.

Every evaluation is set-based: a fixed handful of statements whatever the number of
nominations, and it touches only rows whose verdict or reasons changed, so running it again
changes nothing. An approved period is frozen: a record confirmed later inside it opens a
revocation case instead (Law 06/2022/QH15, chapter VII).
"""

import bisect
import datetime

from django.db import IntegrityError, models, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.db import insert_select
from core.errors import DomainError
from emulation.models import (
    LOCAL_ZONE,
    Nomination,
    Period,
    PeriodStatus,
    Policy,
    ReasonRule,
    RevocationCase,
    RevocationStatus,
    Title,
    TitleKind,
    Verdict,
    VerdictReason,
    VerdictStatus,
    VerdictTally,
)
from inspections.models import (
    DisciplineDecision,
    DisciplineStatus,
    RecordStatus,
    ViolationRecord,
)
from personnel.models import Staff, Unit, User
from personnel.selectors import unit_on

PERIOD_ENDS_BEFORE_START = _("The period's last day is before its first day.")
PERIOD_CODE_TAKEN = _("An emulation period with this code already exists.")
PERIOD_CODE_MISSING = _("Give the period a code.")
UNKNOWN_PERIOD = _("There is no emulation period with this code.")
UNKNOWN_STAFF = _("There is no staff member with this code.")
UNKNOWN_TITLE = _("There is no emulation title with this code.")
TITLE_NOT_INDIVIDUAL = _("This is a collective title; it cannot be given to a person.")
STAFF_OUTSIDE_UNIT = _("This person is not posted to your unit.")
STAFF_WITHOUT_UNIT = _("This person has no known unit; give the nominating unit.")
NOMINATION_DUPLICATE = _("This person is already nominated for this title in this period.")
PERIOD_APPROVED = _("The period's list is approved and frozen; it takes no more nominations.")
PERIOD_NOT_COLLECTING = _("Only a period that is collecting nominations can go to the council.")
PERIOD_NOT_IN_REVIEW = _("Only a period under council review can be approved.")
PERIOD_HAS_PENDING = _(
    "The list cannot be approved while nominations await the review of a violation record: "
    "%(names)s."
)
PENDING_NAMES_SHOWN = 20
UNKNOWN_POLICY = _("Unknown policy: choose one of %(choices)s.")
MIN_MONTHS_NEGATIVE = _("The minimum months of service cannot be negative.")
SHARE_OUT_OF_RANGE = _("The share for a collective title must be from 1 to 100 percent.")
CAP_OUT_OF_RANGE = _("The cap on Chiến sĩ thi đua cơ sở must be from 1 to 100 percent.")
SETTINGS_NOT_COLLECTING = _("The rule's settings can change only while the period collects.")
REVOCATION_NOT_OPEN = _("This revocation case is already resolved.")
REVOCATION_REASON_MISSING = _("Give the reason for closing the case.")
REVOCATION_UNKNOWN_OUTCOME = _("Choose whether to revoke the title or close the case.")


# --- The rule, set-based -------------------------------------------------------------------


def _records_in(
    *, status: str, start: datetime.datetime, end: datetime.datetime
) -> QuerySet[ViolationRecord]:
    """The person's records of `status` in [start, end), for an outer Nomination query."""
    return ViolationRecord.objects.filter(
        staff=OuterRef("staff"), status=status, occurred_at__gte=start, occurred_at__lt=end
    )


def _in_effect(period: Period, *, decided_on: str, effective_until: str) -> Q:
    """The overlap rule: a decision's effect (`decided_on` … `effective_until`, both days
    included) touches a day of the period. The arguments name the two dates' lookups."""
    return Q(**{f"{decided_on}__lte": period.ends_on, f"{effective_until}__gte": period.starts_on})


def _decisions(*, status: str, period: Period) -> QuerySet[DisciplineDecision]:
    """The person's discipline decisions of `status` that count in `period`, for an outer
    Nomination query: a decided one whose effect overlaps the period, any open procedure."""
    decisions = DisciplineDecision.objects.filter(staff=OuterRef("staff"), status=status)
    if status == DisciplineStatus.DECIDED:
        decisions = decisions.filter(
            _in_effect(period, decided_on="decided_on", effective_until="effective_until")
        )
    return decisions


def _status_of_nomination(*, period: Period) -> Case:
    """The rule as one SQL expression over a Nomination row.

    Excluded: discipline in effect in the period (Decree 98/2023/NĐ-CP art. 4), or, where the
    period's policy counts them, a confirmed violation record in it. Pending: a discipline
    procedure open, or a record awaiting review.
    """
    start, end = period.window()
    counts_records = period.policy == Policy.VIOLATIONS
    excluded = [Exists(_decisions(status=DisciplineStatus.DECIDED, period=period))]
    pending = [Exists(_decisions(status=DisciplineStatus.UNDER_REVIEW, period=period))]
    if counts_records:
        excluded.append(Exists(_records_in(status=RecordStatus.CONFIRMED, start=start, end=end)))
        pending.append(Exists(_records_in(status=RecordStatus.SUBMITTED, start=start, end=end)))
    return Case(
        *(When(condition, then=Value(VerdictStatus.EXCLUDED)) for condition in excluded),
        *(When(condition, then=Value(VerdictStatus.PENDING)) for condition in pending),
        default=Value(VerdictStatus.ELIGIBLE),
        output_field=models.CharField(),
    )


def _evaluate(*, period: Period, only: dict | None = None) -> None:
    """Bring the verdicts and reasons of `period`'s nominations (those matching the lookups
    `only`, e.g. {"staff": staff}) up to date.

    Eight statements at most: update changed verdicts (one per status), insert missing ones,
    delete reasons that no longer decide, insert new deciding reasons, recount the verdicts.
    """
    start, end = period.window()
    now = timezone.now()
    computed = _status_of_nomination(period=period)
    # The scope as plain join conditions (an IN (subquery) led SQLite to a quadratic plan).
    scope = {"period": period, **(only or {})}
    nominations = Nomination.objects.filter(**scope)
    of_verdict = {f"nomination__{lookup}": value for lookup, value in scope.items()}
    of_reason = {f"verdict__{lookup}": value for lookup, value in of_verdict.items()}

    # Existing verdicts first, so that a first evaluation does not compute the rule again for
    # the verdicts it has just inserted (a third of its time at province scale).
    # One UPDATE per status, each driven by an uncorrelated IN (…). The rule stays one CASE
    # so that each EXISTS is a per-row probe of the (staff, status, occurred_at) index: as
    # separate EXISTS / NOT EXISTS conditions the planner may pick anti-joins that go
    # quadratic before the tables have statistics; a correlated SET subquery did too.
    with_status = nominations.alias(new_status=computed)
    for status in VerdictStatus.values:
        Verdict.objects.filter(
            nomination__in=with_status.filter(new_status=status).values("pk")
        ).exclude(status=status).update(status=status, evaluated_at=now)

    insert_select(
        Verdict,
        ["nomination", "status", "evaluated_at"],
        nominations.filter(~Exists(Verdict.objects.filter(nomination=OuterRef("pk")))).values(
            "pk", new_status=computed, now=Value(now, output_field=models.DateTimeField())
        ),
    )

    VerdictReason.objects.filter(**of_reason).exclude(_still_deciding(period=period)).delete()

    # Every person's record beside each verdict: one join, named once through annotations so
    # that the filters below all speak of the same record.
    record = "nomination__staff__records"
    new_reasons = (
        Verdict.objects.filter(**of_verdict)
        .annotate(
            record_pk=F(f"{record}__pk"),
            record_status=F(f"{record}__status"),
            record_at=F(f"{record}__occurred_at"),
        )
        .filter(
            Q(status=VerdictStatus.EXCLUDED, record_status=RecordStatus.CONFIRMED)
            | Q(status=VerdictStatus.PENDING, record_status=RecordStatus.SUBMITTED),
            record_at__gte=start,
            record_at__lt=end,
        )
        .filter(
            ~Exists(
                VerdictReason.objects.filter(verdict=OuterRef("pk"), record=OuterRef("record_pk"))
            )
        )
        .values(
            "pk",
            "record_pk",
            rule_code=Case(
                When(status=VerdictStatus.EXCLUDED, then=Value(ReasonRule.CONFIRMED_VIOLATION)),
                default=Value(ReasonRule.REVIEW_OPEN),
                output_field=models.CharField(),
            ),
        )
    )
    if period.policy == Policy.VIOLATIONS:
        insert_select(VerdictReason, ["verdict", "record", "rule"], new_reasons)
    decision = "nomination__staff__discipline_decisions"
    new_decision_reasons = (
        Verdict.objects.filter(**of_verdict)
        .annotate(
            decision_pk=F(f"{decision}__pk"),
            decision_status=F(f"{decision}__status"),
            decision_from=F(f"{decision}__decided_on"),
            decision_until=F(f"{decision}__effective_until"),
        )
        .filter(
            Q(status=VerdictStatus.EXCLUDED, decision_status=DisciplineStatus.DECIDED)
            & _in_effect(period, decided_on="decision_from", effective_until="decision_until")
            | Q(status=VerdictStatus.PENDING, decision_status=DisciplineStatus.UNDER_REVIEW)
        )
        .filter(
            ~Exists(
                VerdictReason.objects.filter(
                    verdict=OuterRef("pk"), decision=OuterRef("decision_pk")
                )
            )
        )
        .values(
            "pk",
            "decision_pk",
            rule_code=Case(
                When(status=VerdictStatus.EXCLUDED, then=Value(ReasonRule.DISCIPLINE_IN_EFFECT)),
                default=Value(ReasonRule.DISCIPLINE_OPEN),
                output_field=models.CharField(),
            ),
        )
    )
    insert_select(VerdictReason, ["verdict", "decision", "rule"], new_decision_reasons)
    _recount(period=period, only=only)


def _still_deciding(*, period: Period) -> Q:
    """The reasons (VerdictReason rows) that still decide their verdict's status."""
    start, end = period.window()
    in_effect = _in_effect(
        period, decided_on="decision__decided_on", effective_until="decision__effective_until"
    )
    deciding = Q(
        verdict__status=VerdictStatus.EXCLUDED,
        decision__status=DisciplineStatus.DECIDED,
        rule=ReasonRule.DISCIPLINE_IN_EFFECT,
    ) & in_effect | Q(
        verdict__status=VerdictStatus.PENDING,
        decision__status=DisciplineStatus.UNDER_REVIEW,
        rule=ReasonRule.DISCIPLINE_OPEN,
    )
    if period.policy == Policy.VIOLATIONS:
        in_window = Q(record__occurred_at__gte=start, record__occurred_at__lt=end)
        deciding |= in_window & (
            Q(
                verdict__status=VerdictStatus.EXCLUDED,
                record__status=RecordStatus.CONFIRMED,
                rule=ReasonRule.CONFIRMED_VIOLATION,
            )
            | Q(
                verdict__status=VerdictStatus.PENDING,
                record__status=RecordStatus.SUBMITTED,
                rule=ReasonRule.REVIEW_OPEN,
            )
        )
    return deciding


def _recount(*, period: Period, only: dict | None = None) -> None:
    """Bring the council list's counts (VerdictTally) in step with the verdicts.

    A whole-period evaluation counts the period afresh (it has just read all of it anyway);
    an incremental one recounts only the units of the nominations it evaluated, through the
    (unit, period) index: one or two statements either way.
    """
    nominations = Nomination.objects.filter(period=period)
    if only:
        nominations = nominations.filter(
            unit__in=Nomination.objects.filter(period=period, **only).values("unit")
        )
    else:
        VerdictTally.objects.filter(period=period).delete()
    counts = nominations.values("period", "unit", "title").annotate(
        **{status: Count("pk", filter=Q(verdict__status=status)) for status in VerdictStatus.values}
    )
    insert_select(
        VerdictTally,
        ["period", "unit", "title", *VerdictStatus.values],
        counts,
        replace_on=["period", "unit", "title"],
    )


def _open_revocation_cases(*, period: Period, only: dict | None = None) -> None:
    """For each nomination the frozen list found eligible that now has discipline in effect in
    the period, or (where the policy counts records) a confirmed record in it, open a case
    naming the earliest such decision or record, unless a case is already open or the title
    already revoked. A closed case does not hide a later finding. One statement per kind.
    """
    start, end = period.window()
    nominations = (
        Nomination.objects.filter(period=period, **(only or {}))
        .filter(verdict__status=VerdictStatus.ELIGIBLE)
        .filter(
            ~Exists(
                RevocationCase.objects.filter(
                    nomination=OuterRef("pk"),
                    status__in=[RevocationStatus.OPEN, RevocationStatus.REVOKED],
                )
            )
        )
    )
    findings = {
        "decision": _decisions(status=DisciplineStatus.DECIDED, period=period).order_by(
            "decided_on", "pk"
        )
    }
    if period.policy == Policy.VIOLATIONS:
        findings["record"] = _records_in(
            status=RecordStatus.CONFIRMED, start=start, end=end
        ).order_by("occurred_at", "pk")
    for field, found in findings.items():
        earliest_new = Subquery(
            found.filter(
                ~Exists(
                    RevocationCase.objects.filter(
                        nomination=OuterRef(OuterRef("pk")), **{field: OuterRef("pk")}
                    )
                )
            ).values("pk")[:1]
        )
        insert_select(
            RevocationCase,
            ["nomination", field, "opened_at", "status", "reason"],
            nominations.annotate(new_finding=earliest_new)
            .filter(new_finding__isnull=False)
            .values(
                "pk",
                "new_finding",
                opened=Value(timezone.now(), output_field=models.DateTimeField()),
                case_status=Value(RevocationStatus.OPEN),
                no_reason=Value(""),
            ),
        )


def _evaluate_in(*, period: Period, only: dict | None = None) -> None:
    if period.is_approved:
        _open_revocation_cases(period=period, only=only)
    else:
        _evaluate(period=period, only=only)


def evaluate_periods_holding(*, days: list[datetime.date]) -> None:
    """Evaluate, once each and set-based, every period in which one of `days` (sorted) lies.

    Periods still open get fresh verdicts; approved ones keep their list and may open
    revocation cases. Registered with inspections.hooks for imported records.
    """
    if not days:
        return
    candidates = Period.objects.filter(starts_on__lte=days[-1], ends_on__gte=days[0]).order_by(
        "starts_on", "pk"
    )
    for period in candidates:
        first = bisect.bisect_left(days, period.starts_on)
        if first < len(days) and days[first] <= period.ends_on:
            evaluate_period(period=period)


@transaction.atomic
def evaluate_period(*, period: Period) -> None:
    """Evaluate every nomination of `period` in a fixed number of statements.

    Queries: lock the period row; then eight statements (or one for an approved period).
    """
    period = Period.objects.select_for_update().get(pk=period.pk)
    _evaluate_in(period=period)


@transaction.atomic
def evaluate_person(*, staff: Staff) -> None:
    """Re-evaluate the verdicts of `staff`'s nominations after a record changed.

    The inspections workflow calls this after every transition that changes whether a
    record counts (confirmed, dismissed, overturned). Periods still open get fresh verdicts;
    approved ones keep theirs and may open revocation cases.

    Queries: lock the periods the person is nominated in, then up to ten per period (the same
    statements as a whole period's evaluation, narrowed to the person).
    """
    periods = Period.objects.select_for_update().filter(
        Exists(Nomination.objects.filter(period=OuterRef("pk"), staff=staff))
    )
    for period in periods:
        _evaluate_in(period=period, only={"staff": staff})


# --- Periods ---------------------------------------------------------------------------------


def _check_period_settings(
    *, policy: str, min_months: int, collective_share: int, cstdcs_cap: int | None
) -> None:
    if policy not in Policy.values:
        raise DomainError(UNKNOWN_POLICY, choices=", ".join(Policy.values))
    if min_months < 0:
        raise DomainError(MIN_MONTHS_NEGATIVE)
    if not 1 <= collective_share <= 100:
        raise DomainError(SHARE_OUT_OF_RANGE)
    if cstdcs_cap is not None and not 1 <= cstdcs_cap <= 100:
        raise DomainError(CAP_OUT_OF_RANGE)


def period_create(
    *,
    code: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    name: str = "",
    policy: str = Policy.VIOLATIONS,
    min_months: int = 6,
    collective_share: int = 70,
    cstdcs_cap: int | None = None,
) -> Period:
    code = code.strip()
    if not code:
        raise DomainError(PERIOD_CODE_MISSING)
    if ends_on < starts_on:
        raise DomainError(PERIOD_ENDS_BEFORE_START)
    settings = {
        "policy": policy,
        "min_months": min_months,
        "collective_share": collective_share,
        "cstdcs_cap": cstdcs_cap,
    }
    _check_period_settings(**settings)
    if Period.objects.filter(code=code).exists():
        raise DomainError(PERIOD_CODE_TAKEN)
    try:
        with transaction.atomic():
            return Period.objects.create(
                code=code,
                name=name.strip() or code,
                starts_on=starts_on,
                ends_on=ends_on,
                **settings,
            )
    except IntegrityError:  # created meanwhile by someone else
        raise DomainError(PERIOD_CODE_TAKEN) from None


@transaction.atomic
def period_settings_change(
    *,
    period: Period,
    policy: str,
    min_months: int,
    collective_share: int,
    cstdcs_cap: int | None = None,
) -> Period:
    """Change what the rule applies in a period still collecting, and evaluate it again."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != PeriodStatus.COLLECTING:
        raise DomainError(SETTINGS_NOT_COLLECTING)
    settings = {
        "policy": policy,
        "min_months": min_months,
        "collective_share": collective_share,
        "cstdcs_cap": cstdcs_cap,
    }
    _check_period_settings(**settings)
    changed = [name for name, value in settings.items() if getattr(period, name) != value]
    if changed:
        for name in changed:
            setattr(period, name, settings[name])
        period.save(update_fields=changed)
        _evaluate(period=period)
    return period


@transaction.atomic
def period_start_review(*, period: Period, user: User) -> Period:
    """Close the collection: the council starts reading the list."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != PeriodStatus.COLLECTING:
        raise DomainError(PERIOD_NOT_COLLECTING)
    period.status = PeriodStatus.COUNCIL_REVIEW
    period.save(update_fields=["status"])
    return period


@transaction.atomic
def period_approve(*, period: Period, user: User) -> Period:
    """Approve and freeze the list, refused while any nomination is pending (named)."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != PeriodStatus.COUNCIL_REVIEW:
        raise DomainError(PERIOD_NOT_IN_REVIEW)
    _evaluate(period=period)
    pending = (
        Nomination.objects.filter(period=period, verdict__status=VerdictStatus.PENDING)
        .order_by("staff__code", "title__code")
        .values_list("staff__full_name", "staff__code")
        .distinct()
    )
    # Name the first few people; the list page filtered on "pending" shows them all.
    pending = list(pending[: PENDING_NAMES_SHOWN + 1])
    if pending:
        names = ", ".join(f"{name} ({code})" for name, code in pending[:PENDING_NAMES_SHOWN])
        if len(pending) > PENDING_NAMES_SHOWN:
            names += ", …"
        raise DomainError(PERIOD_HAS_PENDING % {"names": names})
    period.status = PeriodStatus.APPROVED
    period.approved_by = user
    period.approved_at = timezone.now()
    period.save(update_fields=["status", "approved_by", "approved_at"])
    return period


# --- Nominations ---------------------------------------------------------------------------


@transaction.atomic
def nomination_create(
    *,
    period_code: str,
    staff_code: str,
    title_code: str,
    unit: Unit | None,
    submitted_by: User | None,
    unit_must_match: bool = True,
) -> Nomination:
    """Nominate a person for a title, and evaluate the nomination at once.

    `unit` is the nominating unit; with `unit_must_match` (a unit head) the person must be
    posted to it today. Without a unit, it is the person's unit today.
    """
    period = Period.objects.select_for_update().filter(code=period_code.strip()).first()
    if period is None:
        raise DomainError(UNKNOWN_PERIOD)
    if period.is_approved:
        raise DomainError(PERIOD_APPROVED)
    staff = Staff.objects.filter(code=staff_code.strip()).first()
    if staff is None:
        raise DomainError(UNKNOWN_STAFF)
    title = Title.objects.filter(code=title_code.strip()).first()
    if title is None:
        raise DomainError(UNKNOWN_TITLE)
    if title.kind != TitleKind.INDIVIDUAL:
        raise DomainError(TITLE_NOT_INDIVIDUAL)
    today = timezone.localdate(timezone=LOCAL_ZONE)
    if unit is None:
        unit = unit_on(staff=staff, day=today, fallback_to_earliest=True)
        if unit is None:
            raise DomainError(STAFF_WITHOUT_UNIT)
    elif unit_must_match:
        unit_today = unit_on(staff=staff, day=today)
        if unit_today is None or unit_today.pk != unit.pk:
            raise DomainError(STAFF_OUTSIDE_UNIT)
    if Nomination.objects.filter(period=period, staff=staff, title=title).exists():
        raise DomainError(NOMINATION_DUPLICATE)
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                period=period, staff=staff, title=title, unit=unit, submitted_by=submitted_by
            )
    except IntegrityError:
        raise DomainError(NOMINATION_DUPLICATE) from None
    _evaluate(period=period, only={"pk": nomination.pk})
    return nomination


# --- Revocation cases --------------------------------------------------------------------------


@transaction.atomic
def revocation_resolve(
    *, case: RevocationCase, outcome: str, reason: str, user: User
) -> RevocationCase:
    """Revoke the title, or close the case with a reason."""
    case = RevocationCase.objects.select_for_update().get(pk=case.pk)
    if case.status != RevocationStatus.OPEN:
        raise DomainError(REVOCATION_NOT_OPEN)
    if outcome not in (RevocationStatus.REVOKED, RevocationStatus.CLOSED):
        raise DomainError(REVOCATION_UNKNOWN_OUTCOME)
    reason = reason.strip()
    if outcome == RevocationStatus.CLOSED and not reason:
        raise DomainError(REVOCATION_REASON_MISSING)
    case.status = outcome
    case.reason = reason
    case.resolved_by = user
    case.resolved_at = timezone.now()
    case.save(update_fields=["status", "reason", "resolved_by", "resolved_at"])
    return case
