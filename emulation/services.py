"""The eligibility rule and the emulation workflow: the one place that writes verdicts.

The rule (DOMAIN.md): a nomination is **excluded** when its person has at least one
confirmed violation record whose local date lies in the period, whichever unit it was made in;
**pending** when none is confirmed but at least one is submitted and not yet reviewed (Decree
98/2023/NĐ-CP art. 4: no award while a review is open); **eligible** otherwise. Draft,
dismissed and overturned records never count.

Every evaluation is set-based: a fixed handful of statements whatever the number of
nominations, and it touches only rows whose verdict or reasons changed, so running it again
changes nothing. An approved period is frozen: a record confirmed later inside it opens a
revocation case instead (Law 06/2022/QH15, chapter VII).
"""

import bisect
import datetime

from django.db import IntegrityError, connection, models, transaction
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
from inspections.models import RecordStatus, ViolationRecord
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


def _status_of_nomination(*, start: datetime.datetime, end: datetime.datetime) -> Case:
    """The rule as one SQL expression over a Nomination row."""
    return Case(
        When(
            Exists(_records_in(status=RecordStatus.CONFIRMED, start=start, end=end)),
            then=Value(VerdictStatus.EXCLUDED),
        ),
        When(
            Exists(_records_in(status=RecordStatus.SUBMITTED, start=start, end=end)),
            then=Value(VerdictStatus.PENDING),
        ),
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
    computed = _status_of_nomination(start=start, end=end)
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

    in_window = Q(record__occurred_at__gte=start, record__occurred_at__lt=end)
    deciding = Q(
        verdict__status=VerdictStatus.EXCLUDED,
        record__status=RecordStatus.CONFIRMED,
        rule=ReasonRule.CONFIRMED_VIOLATION,
    ) | Q(
        verdict__status=VerdictStatus.PENDING,
        record__status=RecordStatus.SUBMITTED,
        rule=ReasonRule.REVIEW_OPEN,
    )
    VerdictReason.objects.filter(**of_reason).exclude(in_window & deciding).delete()

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
    insert_select(VerdictReason, ["verdict", "record", "rule"], new_reasons)
    _recount(period=period, only=only)


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
    """One statement: for each nomination the frozen list found eligible that now has a
    confirmed record in the period, open a case naming its earliest such record, unless a case
    is already open or the title already revoked. A closed case does not hide a later record.
    """
    start, end = period.window()
    nominations = Nomination.objects.filter(period=period, **(only or {}))
    earliest_new_record = Subquery(
        _records_in(status=RecordStatus.CONFIRMED, start=start, end=end)
        .filter(
            ~Exists(
                RevocationCase.objects.filter(
                    nomination=OuterRef(OuterRef("pk")), record=OuterRef("pk")
                )
            )
        )
        .order_by("occurred_at", "pk")
        .values("pk")[:1]
    )
    insert_select(
        RevocationCase,
        ["nomination", "record", "opened_at", "status", "reason"],
        nominations.filter(verdict__status=VerdictStatus.ELIGIBLE)
        .filter(
            ~Exists(
                RevocationCase.objects.filter(
                    nomination=OuterRef("pk"),
                    status__in=[RevocationStatus.OPEN, RevocationStatus.REVOKED],
                )
            )
        )
        .annotate(new_record=earliest_new_record)
        .filter(new_record__isnull=False)
        .values(
            "pk",
            "new_record",
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


# The person's re-evaluation in one statement (PostgreSQL): lock the periods they are
# nominated in, upsert the verdicts of those still open, delete the reasons that no longer
# decide, upsert the deciding ones, and name the approved periods (they keep their verdicts
# and may open revocation cases). The statements of a WITH all see the table as it was before
# it, so the verdicts are read back from the upsert's RETURNING beside those left unchanged.
# A second statement, sent with the first in one round trip (psycopg's client-side binding
# cursor takes several), recounts the council list's counts of the person's units as _recount
# does: it must see the verdicts the first one wrote. Same rule as _status_of_nomination,
# _evaluate and _recount, which tests/test_emulation_property.py checks against a reference.
PERSON_STATEMENT = """
WITH periods AS (
    SELECT p.id, p.status,
           (p.starts_on::timestamp AT TIME ZONE %(zone)s) AS window_start,
           ((p.ends_on + 1)::timestamp AT TIME ZONE %(zone)s) AS window_end
    FROM emulation_period p
    WHERE EXISTS (SELECT 1 FROM emulation_nomination n
                  WHERE n.period_id = p.id AND n.staff_id = %(staff)s)
    ORDER BY p.id
    FOR UPDATE
), computed AS (
    SELECT n.id AS nomination_id, p.window_start, p.window_end,
           CASE WHEN EXISTS (SELECT 1 FROM inspections_violationrecord r
                             WHERE r.staff_id = n.staff_id AND r.status = %(confirmed)s
                               AND r.occurred_at >= p.window_start
                               AND r.occurred_at < p.window_end) THEN %(excluded)s
                WHEN EXISTS (SELECT 1 FROM inspections_violationrecord r
                             WHERE r.staff_id = n.staff_id AND r.status = %(submitted)s
                               AND r.occurred_at >= p.window_start
                               AND r.occurred_at < p.window_end) THEN %(pending)s
                ELSE %(eligible)s END AS status
    FROM emulation_nomination n JOIN periods p ON p.id = n.period_id
    WHERE n.staff_id = %(staff)s AND p.status <> %(approved)s
), upserted AS (
    INSERT INTO emulation_verdict (nomination_id, status, evaluated_at)
    SELECT nomination_id, status, %(now)s FROM computed
    ON CONFLICT (nomination_id) DO UPDATE
        SET status = EXCLUDED.status, evaluated_at = EXCLUDED.evaluated_at
        WHERE emulation_verdict.status <> EXCLUDED.status
    RETURNING id, nomination_id, status
), verdicts AS (
    SELECT id, nomination_id, status FROM upserted
    UNION ALL
    SELECT v.id, v.nomination_id, v.status
    FROM emulation_verdict v JOIN computed c
         ON c.nomination_id = v.nomination_id AND c.status = v.status
), deciding AS (
    SELECT v.id AS verdict_id, r.id AS record_id,
           CASE WHEN v.status = %(excluded)s THEN %(confirmed_rule)s
                ELSE %(review_rule)s END AS rule
    FROM verdicts v
    JOIN computed c ON c.nomination_id = v.nomination_id
    JOIN inspections_violationrecord r
         ON r.staff_id = %(staff)s
        AND r.occurred_at >= c.window_start AND r.occurred_at < c.window_end
        AND ((v.status = %(excluded)s AND r.status = %(confirmed)s)
             OR (v.status = %(pending)s AND r.status = %(submitted)s))
), removed AS (
    DELETE FROM emulation_verdictreason reason
    USING emulation_verdict v, computed c
    WHERE reason.verdict_id = v.id AND v.nomination_id = c.nomination_id
      AND NOT EXISTS (SELECT 1 FROM deciding d
                      WHERE d.verdict_id = reason.verdict_id AND d.record_id = reason.record_id)
    RETURNING reason.id
), added AS (
    INSERT INTO emulation_verdictreason (verdict_id, record_id, rule)
    SELECT verdict_id, record_id, rule FROM deciding
    ON CONFLICT (verdict_id, record_id) DO UPDATE SET rule = EXCLUDED.rule
        WHERE emulation_verdictreason.rule <> EXCLUDED.rule
    RETURNING id
)
SELECT id FROM periods WHERE status = %(approved)s;

INSERT INTO emulation_verdicttally (period_id, unit_id, title_id, eligible, excluded, pending)
SELECT n.period_id, n.unit_id, n.title_id,
       count(*) FILTER (WHERE v.status = %(eligible)s),
       count(*) FILTER (WHERE v.status = %(excluded)s),
       count(*) FILTER (WHERE v.status = %(pending)s)
FROM emulation_nomination n LEFT JOIN emulation_verdict v ON v.nomination_id = n.id
WHERE (n.period_id, n.unit_id) IN (
    SELECT m.period_id, m.unit_id
    FROM emulation_nomination m JOIN emulation_period p ON p.id = m.period_id
    WHERE m.staff_id = %(staff)s AND p.status <> %(approved)s)
GROUP BY n.period_id, n.unit_id, n.title_id
ON CONFLICT (period_id, unit_id, title_id) DO UPDATE
    SET eligible = EXCLUDED.eligible, excluded = EXCLUDED.excluded, pending = EXCLUDED.pending
"""


@transaction.atomic
def evaluate_person(*, staff: Staff) -> None:
    """Re-evaluate the verdicts of `staff`'s nominations after a record changed.

    The inspections workflow calls this after every transition that changes whether a
    record counts (confirmed, dismissed, overturned). Periods still open get fresh verdicts;
    approved ones keep theirs and may open revocation cases.

    Queries on PostgreSQL: one round trip (PERSON_STATEMENT), and one more per approved period
    the person is nominated in. Elsewhere: lock the periods, then up to eight per period.
    """
    if connection.vendor != "postgresql":
        periods = Period.objects.select_for_update().filter(
            Exists(Nomination.objects.filter(period=OuterRef("pk"), staff=staff))
        )
        for period in periods:
            _evaluate_in(period=period, only={"staff": staff})
        return
    with connection.cursor() as cursor:
        cursor.execute(
            PERSON_STATEMENT,
            {
                "staff": staff.pk,
                "zone": str(LOCAL_ZONE),
                "now": timezone.now(),
                "confirmed": RecordStatus.CONFIRMED.value,
                "submitted": RecordStatus.SUBMITTED.value,
                "excluded": VerdictStatus.EXCLUDED.value,
                "pending": VerdictStatus.PENDING.value,
                "eligible": VerdictStatus.ELIGIBLE.value,
                "approved": PeriodStatus.APPROVED.value,
                "confirmed_rule": ReasonRule.CONFIRMED_VIOLATION.value,
                "review_rule": ReasonRule.REVIEW_OPEN.value,
            },
        )
        approved = [period_id for (period_id,) in cursor.fetchall()]
    for period in Period.objects.filter(pk__in=approved) if approved else []:
        _open_revocation_cases(period=period, only={"staff": staff})


# --- Periods ---------------------------------------------------------------------------------


def period_create(
    *, code: str, starts_on: datetime.date, ends_on: datetime.date, name: str = ""
) -> Period:
    code = code.strip()
    if not code:
        raise DomainError(PERIOD_CODE_MISSING)
    if ends_on < starts_on:
        raise DomainError(PERIOD_ENDS_BEFORE_START)
    if Period.objects.filter(code=code).exists():
        raise DomainError(PERIOD_CODE_TAKEN)
    try:
        with transaction.atomic():
            return Period.objects.create(
                code=code, name=name.strip() or code, starts_on=starts_on, ends_on=ends_on
            )
    except IntegrityError:  # created meanwhile by someone else
        raise DomainError(PERIOD_CODE_TAKEN) from None


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
