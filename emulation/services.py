"""The award rule's service and the emulation workflow: the one place that writes verdicts.

The rule itself (EXCHANGE.md, "The rule in full") is emulation.rule, pure functions. This
module reads the facts it needs set-based (the nominations, the people's recruitment, their
records in the period and the discipline decisions that count in it, the collectives' members
and their verdicts), asks the rule for each verdict, and writes only the verdicts and reasons
that changed, so running it again changes nothing. Both databases run the same code.

A fixed number of statements whatever the number of nominations (batched writes aside). An
approved period is frozen: a record confirmed or a decision taken later inside it opens a
revocation case instead (Law 06/2022/QH15, chapter VII).
"""

import bisect
import datetime
import itertools
import json
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    Exists,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import page_cache
from core.db import (
    BATCH_SIZE,
    COPY_NULL,
    bulk_insert,
    copy_text,
    copy_texts_writer,
    insert_lines,
    insert_select,
    values_in,
)
from core.errors import DomainError
from core.refusals import refusals_noted
from emulation import rule
from emulation.models import (
    CASE_OUTCOMES,
    LOCAL_ZONE,
    CaseKind,
    CouncilMeeting,
    Nomination,
    Period,
    PeriodAction,
    PeriodEvent,
    PeriodStatus,
    Policy,
    Rating,
    RevocationCase,
    RevocationStatus,
    Title,
    TitleKind,
    Verdict,
    VerdictReason,
    VerdictStatus,
    VerdictTally,
    list_group_of,
)
from inspections.models import (
    DisciplineDecision,
    DisciplineStatus,
    RecordStatus,
    ViolationRecord,
)
from personnel.models import Posting, Role, Staff, Unit, User
from personnel.selectors import postings_covering, unit_on

PERIOD_ENDS_BEFORE_START = _("The period's last day is before its first day.")
PERIOD_CODE_TAKEN = _("An emulation period with this code already exists.")
PERIOD_CODE_MISSING = _("Give the period a code.")
UNKNOWN_PERIOD = _("There is no emulation period with this code.")
UNKNOWN_STAFF = _("There is no staff member with this code.")
UNKNOWN_TITLE = _("There is no emulation title with this code.")
TITLE_NOT_INDIVIDUAL = _("This is a collective title; it cannot be given to a person.")
TITLE_NOT_COLLECTIVE = _("This title is given to a person: give the staff member.")
COLLECTIVE_WITHOUT_UNIT = _("A collective title needs the unit nominated.")
COLLECTIVE_DUPLICATE = _("This unit is already nominated for this title in this period.")
UNKNOWN_RATING = _("Unknown rating; the ratings are: %(ratings)s.")
STAFF_OUTSIDE_UNIT = _("This person is not posted to your unit.")
STAFF_WITHOUT_UNIT = _("This person has no known unit; give the nominating unit.")
NOMINATION_DUPLICATE = _("This person is already nominated for this title in this period.")
PERIOD_APPROVED = _("The period's list is approved and frozen; it takes no more nominations.")
PERIOD_CLOSED = _(
    "The period no longer takes nominations: its list is with the council. Nominations are "
    "taken only while the period collects them."
)
REVIEW_NOT_OPEN = _(
    "The list can go to the council from %(day)s, the period's review-opening day, not before."
)
PERIOD_NOT_COLLECTING = _("Only a period that is collecting nominations can go to the council.")
PERIOD_NOT_IN_REVIEW = _("Only a period under council review can be approved.")
PERIOD_NOT_IN_REVIEW_TO_RETURN = _("Only a list with the council can be returned to collection.")
RETURN_REASON_MISSING = _("Give the reason for returning the list to collection.")
UNKNOWN_POLICY = _("Unknown policy: choose one of %(choices)s.")
MIN_MONTHS_NEGATIVE = _("The minimum months of service cannot be negative.")
SHARE_OUT_OF_RANGE = _("The share for a collective title must be from 1 to 100 percent.")
CAP_OUT_OF_RANGE = _("The cap on Chiến sĩ thi đua cơ sở must be from 1 to 100 percent.")
SETTINGS_NOT_COLLECTING = _("The rule's settings can change only while the period collects.")
REVIEW_DAY_OUTSIDE = _("The review-opening day must lie within the period.")
REVOCATION_NOT_OPEN = _("This case is already decided.")
REVOCATION_REASON_MISSING = _("Give the reason for closing the case.")
REVOCATION_UNKNOWN_OUTCOME = _("Choose the council's decision on the case.")
SECRETARY_NOT_COUNCIL = _("The council's secretary must be a member of the award council.")
MEETING_NOT_SECRETARY = _(
    "Only the period's council secretary (or an administrator) may record the council's meeting."
)
MEETING_LIST_NOT_SENT = _(
    "The list has not gone to the council yet: there is no meeting on it to record."
)
MEETING_BEFORE_LIST = _(
    "The meeting cannot be held before the list went to the council on %(day)s."
)
MEETING_NEGATIVE_COUNT = _("Members and votes are counted from zero up: no negative numbers.")
MEETING_NOBODY_PRESENT = _("A meeting needs at least one member present.")
MEETING_VOTES_NOT_PRESENT = _(
    "The votes (%(votes)s in favour, against and abstaining) do not add up to the %(present)s "
    "members present."
)
MEETING_DETAILS_MISSING = _("Give the meeting's place and who chaired it.")


# --- The rule, over facts read set-based ------------------------------------------------------


def _in_effect(period: Period, *, decided_on: str, effective_until: str) -> Q:
    """The overlap rule: a decision's effect (`decided_on` … `effective_until`, both days
    included) touches a day of the period. The arguments name the two dates' lookups."""
    return Q(**{f"{decided_on}__lte": period.ends_on, f"{effective_until}__gte": period.starts_on})


def _counting_decisions(period: Period) -> QuerySet[DisciplineDecision]:
    """Every decision that counts in `period`: decided and in effect in it, or under review."""
    return DisciplineDecision.objects.filter(
        Q(status=DisciplineStatus.DECIDED)
        & _in_effect(period, decided_on="decided_on", effective_until="effective_until")
        | Q(status=DisciplineStatus.UNDER_REVIEW)
    )


def _read_conduct(period: Period, staff_ids: set[int] | None) -> dict[int, rule.Conduct]:
    """The conduct of the people with any (of `staff_ids`, or all): their records in the
    period's window (under the policy `violations`) and the discipline decisions that count in
    it, by staff id; two statements."""
    start, end = period.window()
    records = ViolationRecord.objects.filter(
        status__in=[RecordStatus.CONFIRMED, RecordStatus.SUBMITTED],
        occurred_at__gte=start,
        occurred_at__lt=end,
    )
    decisions = _counting_decisions(period)
    if staff_ids is not None:
        records = records.filter(staff_id__in=staff_ids)
        decisions = decisions.filter(staff_id__in=staff_ids)
    conduct: dict[int, rule.Conduct] = {}
    if period.policy == Policy.VIOLATIONS:
        for pk, staff_id, status, occurred_at in records.values_list(
            "pk", "staff_id", "status", "occurred_at"
        ):
            conduct.setdefault(staff_id, rule.Conduct()).records.append(
                rule.Record(pk, status, occurred_at)
            )
    for pk, staff_id, status, form, decided_on in decisions.values_list(
        "pk", "staff_id", "status", "form", "decided_on"
    ):
        conduct.setdefault(staff_id, rule.Conduct()).decisions.append(
            rule.Decision(pk, status, form, decided_on)
        )
    return conduct


class Place(NamedTuple):
    """Where a nomination stands in the council's list, besides its verdict's group: written
    with the verdict (Verdict.period and the fields after it)."""

    unit: int
    title: int
    collective: bool
    code: str  # the staff member's, or the unit's for a collective
    title_code: str


Judged = dict[int, tuple[rule.Judgement, Place]]


# The people's verdicts on Lao động tiên tiến and Chiến sĩ thi đua cơ sở, {title: {staff id:
# status}}: what a collective reads of its members' verdicts (a person holds one nomination a
# title and period).
TitlesHeld = dict[str, dict[int, str]]
MEMBER_TITLES = (rule.LAO_DONG_TIEN_TIEN, rule.CHIEN_SI_THI_DUA_CO_SO)


def _judge_people(
    period: Period, staff_ids: set[int] | None, titles_held: TitlesHeld | None = None
) -> Judged:
    """The verdict on each individual nomination in scope (all when `staff_ids` is None), with
    its place in the list, by nomination id: three statements. `titles_held`, when given, is
    filled with the people's MEMBER_TITLES verdicts for the collectives judged next."""
    nominations = Nomination.objects.filter(period=period, staff__isnull=False)
    if staff_ids is not None:
        nominations = nominations.filter(staff_id__in=staff_ids)
    first, then = [], []  # Lao động tiên tiến before the titles that require it
    for row in nominations.values_list(
        "pk",
        "staff_id",
        "title__code",
        "rating",
        "initiative",
        "staff__hired_on",
        "unit_id",
        "title_id",
        "staff__code",
    ):
        (then if row[2] == rule.CHIEN_SI_THI_DUA_CO_SO else first).append(row)
    if not first and not then:
        return {}
    conduct = _read_conduct(period, staff_ids)
    held: dict[int, str] = {}
    if titles_held is not None:
        titles_held.update({rule.LAO_DONG_TIEN_TIEN: held, rule.CHIEN_SI_THI_DUA_CO_SO: {}})
    judge, judged = rule.judge_individual, {}
    policy, ends_on, min_months = period.policy, period.ends_on, period.min_months
    for rows in (first, then):
        for pk, staff_id, title, rating, initiative, hired_on, unit_id, title_id, code in rows:
            judgement = judge(
                title=title,
                hired_on=hired_on,
                conduct=conduct.get(staff_id),
                rating=rating,
                initiative=initiative,
                policy=policy,
                ends_on=ends_on,
                min_months=min_months,
                lao_dong_tien_tien=held.get(staff_id),
            )
            if title == rule.LAO_DONG_TIEN_TIEN:
                held[staff_id] = judgement.status
            elif titles_held is not None and title == rule.CHIEN_SI_THI_DUA_CO_SO:
                titles_held[title][staff_id] = judgement.status
            judged[pk] = (judgement, Place(unit_id, title_id, False, code, title))
    return judged


def _judge_collectives(
    period: Period,
    staff_ids: set[int] | None,
    unit_ids: set[int] | None,
    titles_held: TitlesHeld | None = None,
) -> Judged:
    """The verdict on each collective nomination in scope, with its place in the list: those
    of `unit_ids` and of the units the people `staff_ids` are members of (all when both are
    None). Reads the members' verdicts as stored, so the individual verdicts are written
    first, or from `titles_held` when the whole period's people were just judged."""
    nominations = Nomination.objects.filter(period=period, staff__isnull=True)
    if staff_ids is not None or unit_ids is not None:
        scope = Q(unit_id__in=unit_ids or [])
        if staff_ids:
            scope |= Q(
                unit__in=Posting.objects.filter(
                    postings_covering(period.ends_on), staff_id__in=staff_ids
                ).values("unit")
            )
        nominations = nominations.filter(scope)
    rows = list(nominations.values_list("pk", "unit_id", "title__code", "title_id", "unit__code"))
    if not rows:
        return {}
    units = {unit_id for _pk, unit_id, *_rest in rows}
    members = {unit_id: rule.Members() for unit_id in units}
    postings = Posting.objects.filter(postings_covering(period.ends_on), unit_id__in=units)
    unit_of = {}
    # Without the postings' default order, which would add the staff's code to the DISTINCT.
    for staff_id, unit_id in postings.values_list("staff_id", "unit_id").order_by().distinct():
        unit_of.setdefault(staff_id, []).append(unit_id)
        members[unit_id].count += 1
    member_ids = postings.values("staff_id")
    if titles_held is None:
        # A nomination without a verdict row is plainly eligible.
        held = Nomination.objects.filter(
            period=period, staff_id__in=member_ids, title__code__in=MEMBER_TITLES
        ).values_list("staff_id", "title__code", Coalesce("verdict__status", Value(rule.ELIGIBLE)))
    else:
        held = (
            (staff_id, title, status)
            for title, statuses in titles_held.items()
            for staff_id, status in statuses.items()
            if staff_id in unit_of
        )
    for staff_id, title, status in held:
        for unit_id in unit_of.get(staff_id, ()):
            members[unit_id].verdicts.setdefault(title, []).append(status)
    disciplined = (
        _counting_decisions(period)
        .filter(status=DisciplineStatus.DECIDED, staff_id__in=member_ids)
        .values_list("pk", "staff_id", "status", "form", "decided_on", "staff__code")
    )
    for pk, staff_id, status, form, decided_on, staff_code in disciplined:
        for unit_id in unit_of.get(staff_id, ()):
            members[unit_id].decisions.append(
                rule.Decision(pk, status, form, decided_on, staff_code=staff_code)
            )
    return {
        pk: (
            rule.judge_collective(
                title=title, members=members[unit_id], share=period.collective_share
            ),
            Place(unit_id, title_id, True, unit_code, title),
        )
        for pk, unit_id, title, title_id, unit_code in rows
    }


# Place's fields as Verdict's columns, and as the attributes a model instance takes.
PLACE_FIELDS = ["unit", "title", "collective", "list_code", "list_title"]
PLACE_ATTRIBUTES = ["unit_id", "title_id", "collective", "list_code", "list_title"]
# A new verdict's columns as _store writes them: what differs from row to row first, then what
# many rows share (the judgement's, the period's, the evaluation's time).
NEW_VERDICT_FIELDS = [
    "nomination",
    "unit",
    "title",
    "list_code",
    "list_title",
    "status",
    "unchecked",
    "list_group",
    "collective",
    "period",
    "evaluated_at",
]
REASON_FIELDS = ["verdict", "kind", "record", "decision", "data", "position"]


def _reason_rows(judgement: rule.Judgement) -> list[tuple]:
    return [
        (reason.kind, reason.record, reason.decision, reason.data) for reason in judgement.reasons
    ]


def _reason_lines(judgement: rule.Judgement) -> list[str]:
    """A judgement's reasons as lines of COPY's text format but for their verdict's id."""
    return [
        f"{kind}\t{COPY_NULL if record is None else record}"
        f"\t{COPY_NULL if decision is None else decision}"
        f"\t{copy_text(json.dumps(data, ensure_ascii=False))}\t{position}\n"
        for position, (kind, record, decision, data) in enumerate(_reason_rows(judgement))
    ]


def _store(period: Period, judged: Judged, *, whole: bool) -> None:
    """Write the verdicts and reasons that differ from the stored ones, and only those:
    running the rule again without news changes nothing. Only the exceptions have a row
    (excluded, pending, or eligible with a criterion unchecked): a nomination plainly eligible
    has none, and a stored verdict that becomes plainly eligible is deleted. A new verdict is
    written with its place in the council's list in the same row; a stored one whose
    nomination moved (another unit, a new code) has its place written again.

    New rows are written as lines of COPY's text format, each from the parts it shares with
    others (the judgement's columns; a judgement's reasons): most verdicts share one of a few
    judgements."""
    if not judged:
        return
    now = timezone.now()
    # The whole period's rows in one read each, or those of the judged nominations in batches.
    scopes = (
        [{"period": period}]
        if whole
        else [{"nomination_id__in": batch} for batch in itertools.batched(judged, BATCH_SIZE)]
    )
    stored, stored_reasons = {}, {}
    for scope in scopes:
        for pk, nomination_id, status, unchecked, *place in Verdict.objects.filter(
            **scope
        ).values_list("pk", "nomination_id", "status", "unchecked", *PLACE_FIELDS):
            stored[nomination_id] = (pk, status, unchecked, Place(*place))
        reasons = VerdictReason.objects.filter(
            **{f"verdict__{lookup}": value for lookup, value in scope.items()}
        )
        for verdict_id, kind, record, decision, data in reasons.order_by(
            "verdict_id", "position"
        ).values_list("verdict_id", "kind", "record_id", "decision_id", "data"):
            stored_reasons.setdefault(verdict_id, []).append((kind, record, decision, data))

    # The judgements' shared columns, by the judgement's identity and collective or not.
    shared: dict[tuple[int, bool], str] = {}
    evaluated_at = now.isoformat()
    escape = copy_texts_writer(
        itertools.chain.from_iterable(
            (place.code, place.title_code) for _judgement, place in judged.values()
        )
    )
    new, with_reasons, changed, moved, reasons_changed = [], [], {}, [], []
    plainly_eligible = []  # stored verdicts that are no longer an exception: deleted
    for nomination_id, (judgement, place) in judged.items():
        old = stored.get(nomination_id)
        if not judgement.unchecked and judgement.status == rule.ELIGIBLE:
            # No row: "no verdict" reads as eligible with every criterion checked.
            if old is not None:
                plainly_eligible.append(old[0])
            continue
        if old is None:
            key = (id(judgement), place.collective)
            if (columns := shared.get(key)) is None:
                unchecked = ",".join(judgement.unchecked)
                group = list_group_of(status=judgement.status, unchecked=unchecked)
                columns = shared[key] = (
                    f"{judgement.status}\t{unchecked}\t{group}\t{'t' if place.collective else 'f'}"
                    f"\t{period.pk}\t{evaluated_at}\n"
                )
            new.append(
                f"{nomination_id}\t{place.unit}\t{place.title}\t{escape(place.code)}"
                f"\t{escape(place.title_code)}\t{columns}"
            )
            if judgement.reasons:
                with_reasons.append(nomination_id)
            continue
        unchecked = ",".join(judgement.unchecked)
        verdict_id, status, old_unchecked, old_place = old
        if (status, old_unchecked) != (judgement.status, unchecked):
            changed.setdefault((judgement.status, unchecked), []).append(verdict_id)
        if old_place != place:
            moved.append(Verdict(pk=verdict_id, **dict(zip(PLACE_ATTRIBUTES, place, strict=True))))
        if stored_reasons.get(verdict_id, []) != _reason_rows(judgement):
            reasons_changed.append(verdict_id)
    for (status, unchecked), verdict_ids in changed.items():
        group = list_group_of(status=status, unchecked=unchecked)
        for batch in itertools.batched(verdict_ids, BATCH_SIZE):
            Verdict.objects.filter(pk__in=batch).update(
                status=status, unchecked=unchecked, list_group=group, evaluated_at=now
            )
    Verdict.objects.bulk_update(moved, PLACE_FIELDS, batch_size=BATCH_SIZE)
    for batch in itertools.batched(plainly_eligible, BATCH_SIZE):
        Verdict.objects.filter(pk__in=batch).delete()
    for batch in itertools.batched(reasons_changed, BATCH_SIZE):
        VerdictReason.objects.filter(verdict_id__in=batch).delete()
    insert_lines(Verdict, NEW_VERDICT_FIELDS, new)
    # The reasons' verdict ids: the stored ones', and those just given to the new verdicts
    # with reasons (read back).
    verdict_of = {nomination_id: pk for nomination_id, (pk, *_rest) in stored.items()}
    if with_reasons:
        verdict_of.update(
            Verdict.objects.filter(
                values_in("nomination_id", with_reasons, sql_type="bigint")
            ).values_list("nomination_id", "pk")
        )
    rewrite = set(reasons_changed)
    rewrite.update(verdict_of[nomination_id] for nomination_id in with_reasons)
    lines_of: dict[int, list[str]] = {}  # a judgement's reasons, by its identity
    reason_lines = []
    for nomination_id, (judgement, _place) in judged.items():
        if not judgement.reasons or (verdict_id := verdict_of[nomination_id]) not in rewrite:
            continue
        if (lines := lines_of.get(id(judgement))) is None:
            lines = lines_of[id(judgement)] = _reason_lines(judgement)
        reason_lines.extend(f"{verdict_id}\t{line}" for line in lines)
    insert_lines(VerdictReason, REASON_FIELDS, reason_lines)


def _evaluate(
    *, period: Period, staff_ids: set[int] | None = None, unit_ids: set[int] | None = None
) -> None:
    """Bring the verdicts, reasons and counts of `period` up to date: every nomination, or
    those of the people `staff_ids` and the collectives of `unit_ids` and of those people's
    units. A fixed number of statements whatever the number of nominations (batched writes
    aside): the individuals first, since a collective reads its members' verdicts."""
    whole = staff_ids is None and unit_ids is None
    page_cache.changed(page_cache.period_version(period.pk))
    # The whole period's people are all judged here: the collectives take their members'
    # verdicts from memory instead of reading them back.
    titles_held = {} if whole else None
    people = _judge_people(period, None if whole else staff_ids or set(), titles_held)
    _store(period, people, whole=whole)
    collectives = _judge_collectives(period, staff_ids, unit_ids, titles_held)
    _store(period, collectives, whole=False)
    if whole:
        _count_afresh(period, itertools.chain(people.values(), collectives.values()))
    else:
        _recount(period=period, staff_ids=staff_ids, unit_ids=unit_ids)


def _count_afresh(period: Period, judged: Iterable[tuple[rule.Judgement, Place]]) -> None:
    """The council list's counts (VerdictTally) of a whole period from its judgements, every
    nomination's: two statements."""
    VerdictTally.objects.filter(period=period).delete()
    counts = Counter((place.unit, place.title, judgement.status) for judgement, place in judged)
    groups = dict.fromkeys((unit, title) for unit, title, _status in counts)
    insert_lines(
        VerdictTally,
        ["period", "unit", "title", *VerdictStatus.values],
        [
            f"{period.pk}\t{unit}\t{title}\t"
            + "\t".join(str(counts[unit, title, status]) for status in VerdictStatus.values)
            + "\n"
            for unit, title in groups
        ],
    )


def _recount(
    *, period: Period, staff_ids: set[int] | None = None, unit_ids: set[int] | None = None
) -> None:
    """Bring the council list's counts (VerdictTally) in step with the verdicts of the units
    of the nominations just evaluated, through the (unit, period) index: one or two
    statements."""
    nominations = Nomination.objects.filter(period=period)
    # The units read first: an OR of two subqueries kept the planner off the (unit,
    # period) index, scanning the whole period.
    units = set(unit_ids or ())
    if staff_ids:
        units.update(
            Nomination.objects.filter(period=period, staff_id__in=staff_ids)
            .order_by()
            .values_list("unit_id", flat=True)
            .union(
                Posting.objects.filter(postings_covering(period.ends_on), staff_id__in=staff_ids)
                .order_by()
                .values_list("unit_id", flat=True)
            )
        )
    nominations = nominations.filter(unit_id__in=units)
    # A nomination without a verdict row is plainly eligible.
    status_of = {status: Q(verdict__status=status) for status in VerdictStatus.values}
    status_of[VerdictStatus.ELIGIBLE] |= Q(verdict__isnull=True)
    counts = nominations.values("period", "unit", "title").annotate(
        **{status: Count("pk", filter=where) for status, where in status_of.items()}
    )
    insert_select(
        VerdictTally,
        ["period", "unit", "title", *VerdictStatus.values],
        counts,
        replace_on=["period", "unit", "title"],
    )


def _findings(reasons) -> list[tuple[int | None, int | None]]:
    """The (record, decision) pairs among reasons, in their order."""
    return [
        (reason.record, reason.decision) for reason in reasons if reason.record or reason.decision
    ]


def _open_cases(*, period: Period, staff_ids: set[int] | None = None) -> None:
    """An approved list is frozen (Law 06/2022/QH15, chapter VII): where the rule now differs
    from it, open a case for the council, naming the record or decision concerned.

    - eligible then, excluded now: a revocation case, naming the earliest new finding;
    - excluded then, no longer: a reinstatement case, naming the record that had excluded;
    - deferred then (pending), decided now: a follow-up case (Decree 98/2023/NĐ-CP art. 4).

    No case while one of the same kind is open or was decided for the change; a case closed
    without change does not hide a later finding.
    """
    # The records and decisions the frozen list's reasons cite may have changed.
    page_cache.changed(page_cache.period_version(period.pk))
    judgements = {
        pk: judgement for pk, (judgement, _place) in _judge_people(period, staff_ids).items()
    }
    if not judgements:
        return
    scope = {"nomination__period": period}
    if staff_ids is not None:
        scope["nomination__staff_id__in"] = staff_ids
    # A nomination without a verdict row was approved plainly eligible.
    frozen = dict(Verdict.objects.filter(**scope).values_list("nomination_id", "status"))
    frozen_findings: dict[int, list] = {}
    for nomination_id, record, decision in (
        VerdictReason.objects.filter(**{f"verdict__{key}": value for key, value in scope.items()})
        .order_by("verdict_id", "position")
        .values_list("verdict__nomination_id", "record_id", "decision_id")
    ):
        if record or decision:
            frozen_findings.setdefault(nomination_id, []).append((record, decision))
    cases: dict[tuple[int, str], list] = {}
    for nomination_id, kind, record, decision, status in RevocationCase.objects.filter(
        **scope
    ).values_list("nomination_id", "kind", "record_id", "decision_id", "status"):
        cases.setdefault((nomination_id, kind), []).append((record, decision, status))

    now = timezone.now()
    new = []
    for nomination_id, judgement in judgements.items():
        then = frozen.get(nomination_id, VerdictStatus.ELIGIBLE)
        if then == VerdictStatus.ELIGIBLE and judgement.status == VerdictStatus.EXCLUDED:
            kind, findings = CaseKind.REVOCATION, _findings(judgement.reasons)
        elif then == VerdictStatus.EXCLUDED and judgement.status != VerdictStatus.EXCLUDED:
            kind, findings = CaseKind.REINSTATEMENT, frozen_findings.get(nomination_id, [])
        elif then == VerdictStatus.PENDING and judgement.status != VerdictStatus.PENDING:
            kind, findings = CaseKind.DEFERRED, frozen_findings.get(nomination_id, [])
        else:
            continue
        earlier = cases.get((nomination_id, kind), [])
        if any(status != RevocationStatus.CLOSED for *_finding, status in earlier):
            continue
        named = {(record, decision) for record, decision, _status in earlier}
        finding = next((found for found in findings if found not in named), None)
        if finding is not None:
            new.append((kind, nomination_id, *finding, now, RevocationStatus.OPEN, ""))
    bulk_insert(
        RevocationCase,
        ["kind", "nomination", "record", "decision", "opened_at", "status", "reason"],
        new,
    )


def _evaluate_in(
    *, period: Period, staff_ids: set[int] | None = None, unit_ids: set[int] | None = None
) -> None:
    """Evaluate the nominations of the people `staff_ids` and the collectives of `unit_ids`
    and of those people's units, or the whole period (both None). More than a batch of
    either, the whole period: one read of it all costs less than that many batches."""
    if max(len(staff_ids or ()), len(unit_ids or ())) > BATCH_SIZE:
        staff_ids = unit_ids = None
    if period.is_approved:
        if staff_ids is None and unit_ids is not None:
            return  # a frozen list opens cases for people only
        _open_cases(period=period, staff_ids=staff_ids)
    else:
        _evaluate(period=period, staff_ids=staff_ids, unit_ids=unit_ids)


@transaction.atomic(savepoint=False)
def evaluate_periods_holding(*, days: list[datetime.date], staff_ids: list[int]) -> None:
    """Evaluate, once each, the nominations of the people `staff_ids` (and their units'
    collectives) in every period in which one of `days` (sorted) lies: their imported records
    count there and nowhere else.

    Periods still open get fresh verdicts; approved ones keep their list and may open
    revocation cases. Registered with inspections.hooks for imported records.
    """
    if not days or not staff_ids:
        return
    candidates = (
        Period.objects.select_for_update()
        .filter(starts_on__lte=days[-1], ends_on__gte=days[0])
        .order_by("starts_on", "pk")
    )
    for period in candidates:
        first = bisect.bisect_left(days, period.starts_on)
        if first < len(days) and days[first] <= period.ends_on:
            _evaluate_in(period=period, staff_ids=set(staff_ids))


# The periods' locks need a transaction; the import and the transfer already hold theirs.
@transaction.atomic(savepoint=False)
def evaluate_after_staff_changes(*, staff_ids: list[int]) -> None:
    """Evaluate again the open periods whose verdicts these people's new recruitment dates or
    units may change: their own nominations, and the collectives of the units they were posted
    to before the period's end (a member joining or leaving). Registered with personnel.hooks
    for the staff import and transfers.

    Narrowed to those nominations as evaluate_person is, unless they are more than a batch
    (then the whole period, which reads it all once): an import of 100,000 new people touches
    the collectives of their units, not the period's 50,000 individuals.
    """
    people = values_in("staff_id", staff_ids, sql_type="bigint")
    open_periods = {
        period.pk: period
        for period in Period.objects.exclude(status=PeriodStatus.APPROVED).order_by(
            "starts_on", "pk"
        )
    }
    if not open_periods:
        return
    # Each unit they were posted to, with its earliest start (None: open back in time): a row
    # a unit, whatever the number of people.
    first_posted = {
        unit_id: None if undated else earliest
        for unit_id, earliest, undated in Posting.objects.filter(people)
        .order_by()
        .values("unit")
        .annotate(earliest=Min("starts_on"), undated=Count("pk", filter=Q(starts_on__isnull=True)))
        .values_list("unit", "earliest", "undated")
    }
    nominated: dict[int, set[int]] = {}
    for period_id, staff_id in (
        Nomination.objects.filter(people, period__in=open_periods)
        .order_by()
        .values_list("period_id", "staff_id")
    ):
        nominated.setdefault(period_id, set()).add(staff_id)
    units: dict[int, set[int]] = {}
    for period_id, unit_id in (
        Nomination.objects.filter(
            period__in=open_periods, staff__isnull=True, unit_id__in=list(first_posted)
        )
        .order_by()
        .values_list("period_id", "unit_id")
    ):
        earliest = first_posted[unit_id]
        if earliest is None or earliest <= open_periods[period_id].ends_on:
            units.setdefault(period_id, set()).add(unit_id)
    affected = sorted(set(nominated) | set(units), key=list(open_periods).index)
    for period in (
        Period.objects.select_for_update().filter(pk__in=affected).order_by("starts_on", "pk")
    ):
        _evaluate_in(
            period=period,
            staff_ids=nominated.get(period.pk, set()),
            unit_ids=units.get(period.pk, set()),
        )


@transaction.atomic
def evaluate_period(*, period: Period) -> None:
    """Evaluate every nomination of `period` in a fixed number of statements.

    Queries: lock the period row; then eight statements (or one for an approved period).
    """
    period = Period.objects.select_for_update().get(pk=period.pk)
    _evaluate_in(period=period)


def evaluate_nominations(
    *, period: Period, staff_ids: set[int], unit_ids: set[int], left_units: set[int]
) -> None:
    """Evaluate the nominations just written: those of the people `staff_ids`, the collectives
    of `unit_ids` and of those people's units, and the counts of `unit_ids` and of
    `left_units`, the units some of them were moved out of. `period` is locked by the
    caller."""
    if left_units:
        # Counted again below from the nominations still there; a unit left with none of a
        # title would otherwise keep its old count.
        VerdictTally.objects.filter(period=period, unit_id__in=left_units).delete()
    _evaluate_in(period=period, staff_ids=staff_ids, unit_ids=unit_ids | left_units)


@transaction.atomic
def evaluate_person(*, staff: Staff) -> None:
    """Re-evaluate the verdicts of `staff`'s nominations, and of the collectives of their
    units, after a record or a discipline decision of theirs changed.

    The inspections workflow calls this after every transition that changes whether a
    record or a decision counts. Periods still open get fresh verdicts; approved ones keep
    theirs and may open revocation cases.

    Queries: lock the periods concerned, then the statements of a whole period's evaluation,
    narrowed to the person and their units.
    """
    periods = Period.objects.select_for_update().filter(
        Exists(Nomination.objects.filter(period=OuterRef("pk"), staff=staff))
        | Exists(
            Nomination.objects.filter(
                period=OuterRef("pk"), staff__isnull=True, unit__postings__staff=staff
            )
        )
    )
    for period in periods:
        _evaluate_in(period=period, staff_ids={staff.pk})


# --- Periods ---------------------------------------------------------------------------------


def _check_period_settings(
    *,
    policy: str,
    min_months: int,
    collective_share: int,
    cstdcs_cap: int | None,
    review_opens_on: datetime.date | None = None,
    starts_on: datetime.date,
    ends_on: datetime.date,
) -> None:
    if policy not in Policy.values:
        raise DomainError(UNKNOWN_POLICY, choices=", ".join(Policy.values))
    if min_months < 0:
        raise DomainError(MIN_MONTHS_NEGATIVE)
    if not 1 <= collective_share <= 100:
        raise DomainError(SHARE_OUT_OF_RANGE)
    if cstdcs_cap is not None and not 1 <= cstdcs_cap <= 100:
        raise DomainError(CAP_OUT_OF_RANGE)
    if review_opens_on is not None and not starts_on <= review_opens_on <= ends_on:
        raise DomainError(REVIEW_DAY_OUTSIDE)


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
    review_opens_on: datetime.date | None = None,
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
        "review_opens_on": review_opens_on,
    }
    _check_period_settings(**settings, starts_on=starts_on, ends_on=ends_on)
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
    review_opens_on: datetime.date | None = None,
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
        "review_opens_on": review_opens_on,
    }
    _check_period_settings(**settings, starts_on=period.starts_on, ends_on=period.ends_on)
    changed = [name for name, value in settings.items() if getattr(period, name) != value]
    if changed:
        for name in changed:
            setattr(period, name, settings[name])
        period.save(update_fields=changed)
        if set(changed) - {"review_opens_on", "cstdcs_cap"}:
            _evaluate(period=period)
    return period


@refusals_noted("period.send_to_council", actor="user", subject="period")
@transaction.atomic
def period_start_review(*, period: Period, user: User) -> Period:
    """Close the collection: the council starts reading the list."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != PeriodStatus.COLLECTING:
        raise DomainError(PERIOD_NOT_COLLECTING)
    opens_on = period.review_opening_day
    if timezone.localdate(timezone=LOCAL_ZONE) < opens_on:
        raise DomainError(REVIEW_NOT_OPEN, day=opens_on.strftime("%d/%m/%Y"))
    period.status = PeriodStatus.COUNCIL_REVIEW
    period.save(update_fields=["status"])
    PeriodEvent.objects.create(
        period=period, action=PeriodAction.SENT_TO_COUNCIL, actor=user, at=timezone.now()
    )
    return period


@refusals_noted("period.return_to_collection", actor="user", subject="period")
@transaction.atomic
def period_return_to_collection(*, period: Period, user: User, reason: str) -> Period:
    """Take the list back from the council to collect again: with a reason, in the trail."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != PeriodStatus.COUNCIL_REVIEW:
        raise DomainError(PERIOD_NOT_IN_REVIEW_TO_RETURN)
    reason = reason.strip()
    if not reason:
        raise DomainError(RETURN_REASON_MISSING)
    period.status = PeriodStatus.COLLECTING
    period.save(update_fields=["status"])
    PeriodEvent.objects.create(
        period=period, action=PeriodAction.RETURNED, actor=user, at=timezone.now(), reason=reason
    )
    return period


@refusals_noted("period.approve", actor="user", subject="period")
@transaction.atomic
def period_approve(*, period: Period, user: User) -> Period:
    """Approve and freeze the list. A pending nomination does not hold the others back
    (Decree 98/2023/NĐ-CP art. 4 defers the person, not the list): it is approved as deferred,
    and becomes a case for the council when its review ends."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != PeriodStatus.COUNCIL_REVIEW:
        raise DomainError(PERIOD_NOT_IN_REVIEW)
    _evaluate(period=period)
    period.status = PeriodStatus.APPROVED
    period.approved_by = user
    period.approved_at = timezone.now()
    period.save(update_fields=["status", "approved_by", "approved_at"])
    PeriodEvent.objects.create(
        period=period, action=PeriodAction.APPROVED, actor=user, at=period.approved_at
    )
    return period


# --- The council's meeting ---------------------------------------------------------------


@refusals_noted("period.secretary", actor="user", subject="period")
@transaction.atomic
def period_secretary_set(*, period: Period, secretary: User | None, user: User) -> Period:
    """Name the council's secretary for the period (None: nobody yet)."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if secretary is not None and not secretary.has_role(Role.COUNCIL):
        raise DomainError(SECRETARY_NOT_COUNCIL)
    if period.secretary_id != (secretary.pk if secretary else None):
        period.secretary = secretary
        period.save(update_fields=["secretary"])
    return period


def records_meeting(*, period: Period, user: User) -> bool:
    """Whether `user` types the council's meeting on `period`: its secretary, or an
    administrator."""
    return user.is_superuser or (period.secretary_id is not None and period.secretary_id == user.pk)


def meeting_refusal(*, period: Period, user: User):
    """Why `user` may not record the council's meeting on `period` now; None when they may.
    The service, the period page and the meeting page all ask this."""
    if not records_meeting(period=period, user=user):
        return DomainError(MEETING_NOT_SECRETARY)
    if period.status == PeriodStatus.COLLECTING:
        return DomainError(MEETING_LIST_NOT_SENT)
    return None


@refusals_noted("period.meeting", actor="user", subject="period")
@transaction.atomic
def council_meeting_record(
    *,
    period: Period,
    user: User,
    held_at: datetime.datetime,
    place: str,
    chair: str,
    members_present: int,
    members_absent: int,
    votes_agree: int,
    votes_disagree: int,
    votes_abstain: int,
    opinions: str = "",
) -> CouncilMeeting:
    """Record (or correct) the minutes of the council's meeting on the period's list."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if refusal := meeting_refusal(period=period, user=user):
        raise refusal
    counts = [members_present, members_absent, votes_agree, votes_disagree, votes_abstain]
    if any(count < 0 for count in counts):
        raise DomainError(MEETING_NEGATIVE_COUNT)
    if members_present == 0:
        raise DomainError(MEETING_NOBODY_PRESENT)
    votes = votes_agree + votes_disagree + votes_abstain
    if votes != members_present:
        raise DomainError(MEETING_VOTES_NOT_PRESENT, votes=votes, present=members_present)
    place, chair = place.strip(), chair.strip()
    if not place or not chair:
        raise DomainError(MEETING_DETAILS_MISSING)
    # The day the list last went to the council: a meeting on it cannot be earlier.
    sent = period.events.filter(action=PeriodAction.SENT_TO_COUNCIL).order_by("-at").first()
    if sent is not None:
        sent_on = timezone.localtime(sent.at, LOCAL_ZONE).date()
        if timezone.localtime(held_at, LOCAL_ZONE).date() < sent_on:
            raise DomainError(MEETING_BEFORE_LIST, day=sent_on.strftime("%d/%m/%Y"))
    meeting, _created = CouncilMeeting.objects.update_or_create(
        period=period,
        defaults={
            "held_at": held_at,
            "place": place,
            "chair": chair,
            "members_present": members_present,
            "members_absent": members_absent,
            "votes_agree": votes_agree,
            "votes_disagree": votes_disagree,
            "votes_abstain": votes_abstain,
            "opinions": opinions.strip(),
            "recorded_by": user,
            "recorded_at": timezone.now(),
        },
    )
    return meeting


# --- Nominations ---------------------------------------------------------------------------


def nomination_refusal(period: Period):
    """Why `period` takes no nomination now; None while it collects. The form, the upload
    and the command all ask this."""
    if period.is_approved:
        return PERIOD_APPROVED
    if period.status != PeriodStatus.COLLECTING:
        return PERIOD_CLOSED
    return None


@refusals_noted("nomination.create", actor="submitted_by", subject="period_code")
@transaction.atomic
def nomination_create(
    *,
    period_code: str,
    title_code: str,
    unit: Unit | None,
    submitted_by: User | None,
    staff_code: str = "",
    rating: str = "",
    initiative: str = "",
    unit_must_match: bool = True,
) -> Nomination:
    """Nominate a person, or a unit for a collective title, and evaluate it at once.

    For a person, `unit` is the nominating unit; with `unit_must_match` (a unit head) the
    person must be posted to it today; without a unit, it is the person's unit today. For a
    collective title `unit` is the unit nominated and there is no person.
    """
    period = Period.objects.select_for_update().filter(code=period_code.strip()).first()
    if period is None:
        raise DomainError(UNKNOWN_PERIOD)
    if refusal := nomination_refusal(period):
        raise DomainError(refusal)
    title = Title.objects.filter(code=title_code.strip()).first()
    if title is None:
        raise DomainError(UNKNOWN_TITLE)
    rating = rating.strip()
    if rating and rating not in Rating.values:
        raise DomainError(UNKNOWN_RATING, ratings=", ".join(Rating.values))
    staff_code = staff_code.strip()
    if title.kind == TitleKind.COLLECTIVE:
        if staff_code:
            raise DomainError(TITLE_NOT_INDIVIDUAL)
        if unit is None:
            raise DomainError(COLLECTIVE_WITHOUT_UNIT)
        staff = None
    else:
        if not staff_code:
            raise DomainError(TITLE_NOT_COLLECTIVE)
        staff = Staff.objects.filter(code=staff_code).first()
        if staff is None:
            raise DomainError(UNKNOWN_STAFF)
        today = timezone.localdate(timezone=LOCAL_ZONE)
        if unit is None:
            unit = unit_on(staff=staff, day=today, fallback_to_earliest=True)
            if unit is None:
                raise DomainError(STAFF_WITHOUT_UNIT)
        elif unit_must_match:
            unit_today = unit_on(staff=staff, day=today)
            if unit_today is None or unit_today.pk != unit.pk:
                raise DomainError(STAFF_OUTSIDE_UNIT)
    duplicate = NOMINATION_DUPLICATE if staff else COLLECTIVE_DUPLICATE
    same = Nomination.objects.filter(period=period, title=title)
    same = same.filter(staff=staff) if staff else same.filter(staff=None, unit=unit)
    if same.exists():
        raise DomainError(duplicate)
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                period=period,
                staff=staff,
                title=title,
                unit=unit,
                submitted_by=submitted_by,
                rating=rating,
                initiative=initiative.strip(),
            )
    except IntegrityError:
        raise DomainError(duplicate) from None
    if staff:
        _evaluate(period=period, staff_ids={staff.pk})
    else:
        _evaluate(period=period, unit_ids={unit.pk})
    return nomination


# --- The council's cases ------------------------------------------------------------------------


@refusals_noted("case.decide", actor="user", subject="case")
@transaction.atomic
def revocation_resolve(
    *, case: RevocationCase, outcome: str, reason: str, user: User
) -> RevocationCase:
    """Decide a case: its kind's outcome (revoke, reinstate, grant), or close it with a
    reason."""
    case = RevocationCase.objects.select_for_update().get(pk=case.pk)
    if case.status != RevocationStatus.OPEN:
        raise DomainError(REVOCATION_NOT_OPEN)
    if outcome not in (CASE_OUTCOMES[case.kind], RevocationStatus.CLOSED):
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
