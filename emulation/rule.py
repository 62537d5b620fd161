"""The award rule itself (EXCHANGE.md, "The rule in full"), on facts already read.

Pure functions, no database: emulation.services reads the facts of many nominations in a few
statements, asks these functions for each verdict and writes only what changed. Both
databases therefore run the same rule code, and the tests can call it directly.

A criterion is checked only where its data is given; one without data is listed as
unchecked, never passed silently.
"""

import calendar
import datetime
import functools
from dataclasses import dataclass, field

from emulation.models import Policy, Rating, ReasonKind, VerdictStatus
from inspections.models import DisciplineForm, DisciplineStatus, RecordStatus

LAO_DONG_TIEN_TIEN = "lao_dong_tien_tien"
CHIEN_SI_THI_DUA_CO_SO = "chien_si_thi_dua_co_so"
TAP_THE_LAO_DONG_TIEN_TIEN = "tap_the_lao_dong_tien_tien"
TAP_THE_LAO_DONG_XUAT_SAC = "tap_the_lao_dong_xuat_sac"

ELIGIBLE = str(VerdictStatus.ELIGIBLE)
KIND_ORDER = {kind: index for index, kind in enumerate(ReasonKind.values)}
UNCHECKED_ORDER = ("rating", "tenure", "merit")
# Law 06/2022/QH15 art. 24, 25: Lao động tiên tiến needs tasks completed well or better.
GOOD_RATINGS = (Rating.XUAT_SAC, Rating.TOT)
# A collective title needs no member disciplined from cảnh cáo up (Law 06/2022/QH15 art. 27,
# 28); the forms are listed mildest first.
FORMS_BARRING_COLLECTIVE = DisciplineForm.values[DisciplineForm.values.index("canh_cao") :]


@dataclass(frozen=True, slots=True)
class Record:
    pk: int
    status: str
    occurred_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision that counts in the period: decided with its effect overlapping the period,
    or under review."""

    pk: int
    status: str
    form: str
    decided_on: datetime.date | None
    staff_code: str = ""


@dataclass(frozen=True, slots=True)
class Reason:
    kind: str
    excludes: bool  # False: it makes the verdict pending
    oldest_first: tuple = ()
    record: int | None = None
    decision: int | None = None
    data: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Judgement:
    status: str
    reasons: tuple[Reason, ...]
    unchecked: tuple[str, ...]


@dataclass(slots=True)
class Conduct:
    """What the rule reads of one person's conduct: records in the period's window (submitted
    or confirmed) and the decisions that count in it. Most people have neither: None."""

    records: list[Record] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)


@dataclass(slots=True)
class Members:
    """What the rule reads of a nominated unit's members on the period's last day."""

    count: int = 0
    # Verdicts of the members' nominations: {title code: [status, …]}.
    verdicts: dict[str, list[str]] = field(default_factory=dict)
    # Decided decisions of the members overlapping the period.
    decisions: list[Decision] = field(default_factory=list)

    def holding(self, title: str, status: str) -> int:
        return sum(1 for held in self.verdicts.get(title, ()) if held == status)


@functools.cache  # one period's cutoff, asked once per Lao động tiên tiến nomination
def tenure_cutoff(ends_on: datetime.date, months: int) -> datetime.date:
    """The last day of recruitment that gives `months` calendar months of service by
    `ends_on` (2019-06-30 for 6 months and a period ending 2019-12-31)."""
    month_index = ends_on.year * 12 + ends_on.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(ends_on.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day)


@functools.cache
def _eligible(unchecked: frozenset[str]) -> Judgement:
    """Most verdicts: eligible, no reason, a few possible sets of unchecked criteria (one
    shared, immutable judgement for each)."""
    listed = tuple(name for name in UNCHECKED_ORDER if name in unchecked)
    return Judgement(status=ELIGIBLE, reasons=(), unchecked=listed)


def _conclude(reasons: list[Reason], unchecked: set[str]) -> Judgement:
    if not reasons:
        return _eligible(frozenset(unchecked))
    listed = tuple(name for name in UNCHECKED_ORDER if name in unchecked)
    excluding = [reason for reason in reasons if reason.excludes]
    pending = [reason for reason in reasons if not reason.excludes]
    if excluding:
        status, deciding = VerdictStatus.EXCLUDED, excluding
    elif pending:
        status, deciding = VerdictStatus.PENDING, pending
    else:
        status, deciding = VerdictStatus.ELIGIBLE, []
    deciding.sort(key=lambda reason: (KIND_ORDER[reason.kind], reason.oldest_first))
    return Judgement(status=str(status), reasons=tuple(deciding), unchecked=listed)


def _decision_order(decision: Decision) -> tuple:
    return (decision.decided_on or datetime.date.max, decision.pk)


def _conduct(conduct: Conduct, *, policy: str) -> list[Reason]:
    """Records (under the policy `violations`) and discipline."""
    reasons = []
    if policy == Policy.VIOLATIONS:
        for record in conduct.records:
            if record.status in (RecordStatus.CONFIRMED, RecordStatus.SUBMITTED):
                reasons.append(
                    Reason(
                        ReasonKind.VIOLATION,
                        excludes=record.status == RecordStatus.CONFIRMED,
                        oldest_first=(record.occurred_at, record.pk),
                        record=record.pk,
                    )
                )
    for decision in conduct.decisions:
        # Decree 98/2023/NĐ-CP art. 4: achievements count only after the discipline ends, and
        # no award while a procedure is open.
        if decision.status in (DisciplineStatus.DECIDED, DisciplineStatus.UNDER_REVIEW):
            reasons.append(
                Reason(
                    ReasonKind.DISCIPLINE,
                    excludes=decision.status == DisciplineStatus.DECIDED,
                    oldest_first=_decision_order(decision),
                    decision=decision.pk,
                )
            )
    return reasons


def judge_individual(
    *,
    title: str,
    hired_on: datetime.date | None,
    conduct: Conduct | None,
    rating: str,
    initiative: str,
    policy: str,
    ends_on: datetime.date,
    min_months: int,
    lao_dong_tien_tien: str | None = None,
) -> Judgement:
    """The verdict on a person's nomination for `title`.

    `hired_on`: the person's recruitment date, None when unknown; `conduct`: their records and
    decisions, None when they have neither. `lao_dong_tien_tien`: the status of the same
    person's Lao động tiên tiến nomination in the period, None when there is none (read only
    for Chiến sĩ thi đua cơ sở).
    """
    # The tenure as the criterion reads it: None without a recruitment date, the date when too
    # recent, False when long enough (or not asked).
    tenure = False
    if title == LAO_DONG_TIEN_TIEN:
        if hired_on is None:
            tenure = None
        elif hired_on > tenure_cutoff(ends_on, min_months):
            tenure = hired_on
    facts = (title, rating, bool(initiative.strip()), tenure, min_months, lao_dong_tien_tien)
    found = _conduct(conduct, policy=policy) if conduct is not None else None
    if not found:
        return _judge_on_criteria(*facts)
    reasons, unchecked = _criteria(*facts)
    return _conclude(found + reasons, unchecked)


def _criteria(
    title: str,
    rating: str,
    has_initiative: bool,
    tenure: datetime.date | bool | None,
    min_months: int,
    lao_dong_tien_tien: str | None,
) -> tuple[list[Reason], set[str]]:
    """The title's own criteria (judge_individual's `tenure`): reasons and unchecked ones."""
    reasons, unchecked = [], set()
    if title == LAO_DONG_TIEN_TIEN:
        if not rating:
            unchecked.add("rating")
        elif rating not in GOOD_RATINGS:
            reasons.append(Reason(ReasonKind.RATING, excludes=True, data={"rating": rating}))
        if tenure is None:
            unchecked.add("tenure")
        elif tenure:
            data = {"hired_on": tenure.isoformat(), "min_months": min_months}
            reasons.append(Reason(ReasonKind.TENURE, excludes=True, data=data))
    elif title == CHIEN_SI_THI_DUA_CO_SO:
        # Law 06/2022/QH15 art. 23: Lao động tiên tiến first, and an initiative (or an
        # excellent year).
        held = lao_dong_tien_tien or "missing"
        if held != VerdictStatus.ELIGIBLE:
            data = {"title": LAO_DONG_TIEN_TIEN, "status": held}
            reasons.append(
                Reason(ReasonKind.REQUIRES_TITLE, excludes=held != VerdictStatus.PENDING, data=data)
            )
        if rating != Rating.XUAT_SAC and not has_initiative:
            if rating:
                reasons.append(Reason(ReasonKind.MERIT, excludes=True))
            else:
                unchecked.add("merit")
    return reasons, unchecked


@functools.lru_cache(maxsize=65_536)
def _judge_on_criteria(*facts) -> Judgement:
    """The verdict of a person with no record and no decision in the period: it follows from
    the title's criteria alone, which most people share (one immutable judgement for each)."""
    return _conclude(*_criteria(*facts))


def judge_collective(*, title: str, members: Members, share: int) -> Judgement:
    """The verdict on a unit's nomination for a collective title (Law 06/2022/QH15 art. 27,
    28): a share of members with Lao động tiên tiến, no member disciplined from cảnh cáo up,
    and for Tập thể lao động xuất sắc a member with Chiến sĩ thi đua cơ sở."""
    reasons = []
    eligible = members.holding(LAO_DONG_TIEN_TIEN, VerdictStatus.ELIGIBLE)
    pending = members.holding(LAO_DONG_TIEN_TIEN, VerdictStatus.PENDING)

    def reaches(holders: int) -> bool:
        return members.count > 0 and holders * 100 >= share * members.count

    if not reaches(eligible):
        data = {"members": members.count, "holders": eligible, "required_percent": share}
        reasons.append(
            Reason(ReasonKind.COLLECTIVE_SHARE, excludes=not reaches(eligible + pending), data=data)
        )
    for decision in members.decisions:
        if decision.status == DisciplineStatus.DECIDED and decision.form in (
            FORMS_BARRING_COLLECTIVE
        ):
            reasons.append(
                Reason(
                    ReasonKind.MEMBER_DISCIPLINED,
                    excludes=True,
                    oldest_first=(*_decision_order(decision), decision.staff_code),
                    decision=decision.pk,
                )
            )
    if title == TAP_THE_LAO_DONG_XUAT_SAC and not members.holding(
        CHIEN_SI_THI_DUA_CO_SO, VerdictStatus.ELIGIBLE
    ):
        has_pending = members.holding(CHIEN_SI_THI_DUA_CO_SO, VerdictStatus.PENDING) > 0
        reasons.append(Reason(ReasonKind.NO_CSTDCS_MEMBER, excludes=not has_pending))
    return _conclude(reasons, set())
