"""Reads of the inspections app, each filtered by who is asking.

Secrecy of surprise rounds: a round and its planned units are visible to its team, the
reviewers and administrators; a unit head sees a round only for their own unit, and only
once the team's visit to that unit has started.
"""

import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from inspections import hooks
from inspections.models import (
    UNSENT_STATUSES,
    AuditEntry,
    ChecklistItem,
    ChecklistTemplate,
    Evidence,
    InspectionRound,
    RecordStatus,
    ViolationRecord,
    Visit,
)
from personnel.models import Role, User
from personnel.selectors import staff_count_posted_to, staff_ids_posted_to


def legal_basis_missing(inspection_round: InspectionRound) -> bool:
    """True when the round lacks the number or the date of the decision setting up its team:
    its minutes cannot cite their legal basis, and are not signed."""
    return not inspection_round.team_decision_number.strip() or (
        inspection_round.team_decision_date is None
    )


def sees_everything(user: User) -> bool:
    return user.is_superuser or user.has_role(Role.REVIEWER)


def _started_visits(user: User):
    return Visit.objects.filter(
        round=OuterRef("pk"), unit_id=user.unit_id, started_at__lte=timezone.now()
    )


def rounds_for(user: User) -> QuerySet[InspectionRound]:
    rounds = InspectionRound.objects.select_related("lead").order_by("-starts_on", "code")
    if sees_everything(user):
        return rounds
    visible = Q(pk__in=[])
    if user.has_role(Role.INSPECTOR):
        visible |= Q(
            pk__in=InspectionRound.objects.filter(Q(lead=user) | Q(members=user)).values("pk")
        )
    if user.has_role(Role.UNIT_HEAD) and user.unit_id is not None:
        visible |= Q(Exists(_started_visits(user)))
    return rounds.filter(visible)


def is_team_member(*, user: User, inspection_round: InspectionRound) -> bool:
    return (
        inspection_round.lead_id == user.pk or inspection_round.members.filter(pk=user.pk).exists()
    )


def writes_on_round(*, user: User, inspection_round: InspectionRound) -> bool:
    """An inspector of the round's team: rounds_for lists the round to them, they see each of
    its visits (sees_whole_round) and may write on them."""
    return user.has_role(Role.INSPECTOR) and is_team_member(
        user=user, inspection_round=inspection_round
    )


def team_of(inspection_round: InspectionRound) -> QuerySet[User]:
    return (
        User.objects.filter(Q(pk=inspection_round.lead_id) | Q(rounds_joined=inspection_round))
        .distinct()
        .order_by("last_name", "first_name")
    )


def sees_whole_round(*, user: User, inspection_round: InspectionRound) -> bool:
    """The team, reviewers and administrators see every planned unit and visit."""
    return sees_everything(user) or is_team_member(user=user, inspection_round=inspection_round)


def visits_of(*, user: User, inspection_round: InspectionRound) -> QuerySet[Visit]:
    visits = inspection_round.visits.select_related("unit").order_by("-started_at")
    if sees_whole_round(user=user, inspection_round=inspection_round):
        return visits
    return visits.filter(unit_id=user.unit_id, started_at__lte=timezone.now())


def _team_rounds(user: User) -> QuerySet[InspectionRound]:
    return InspectionRound.objects.filter(Q(lead=user) | Q(members=user))


def todays_visits(*, user: User, today: datetime.date) -> QuerySet[Visit]:
    """The visits of `user`'s teams started today, or still under way in a round that runs
    today: the inspector's work of the day, without the older rounds'."""
    under_way = Q(finished_at__isnull=True, round__starts_on__lte=today, round__ends_on__gte=today)
    return (
        Visit.objects.filter(round__in=_team_rounds(user).values("pk"))
        .filter(Q(started_at__date=today) | under_way)
        .select_related("unit", "round")
        .order_by("-started_at")
    )


def todays_rounds(*, user: User, today: datetime.date) -> QuerySet[InspectionRound]:
    """The rounds of `user`'s teams that run today, where a visit can be started."""
    return _team_rounds(user).filter(starts_on__lte=today, ends_on__gte=today).order_by("code")


def roll_call_progress(*, visit: Visit, day: datetime.date) -> tuple[int, int]:
    """(people marked, people posted to the unit on `day`): two counts."""
    return (
        visit.roll_call.filter(staff__in=staff_ids_posted_to(unit=visit.unit, day=day)).count(),
        staff_count_posted_to(unit=visit.unit, day=day),
    )


def active_checklist_items() -> list[ChecklistItem]:
    template = ChecklistTemplate.objects.filter(is_active=True).order_by("-pk").first()
    return list(template.items.all()) if template else []


def records_for(user: User) -> QuerySet[ViolationRecord]:
    """The records `user` may open: drafts only by their author; the council only those its
    lists cite."""
    records = ViolationRecord.objects.all()
    if user.is_superuser:
        return records
    visible = Q(author=user)
    if user.has_role(Role.REVIEWER):
        visible |= ~Q(status__in=UNSENT_STATUSES)
    if user.has_role(Role.INSPECTOR):
        team_rounds = InspectionRound.objects.filter(Q(lead=user) | Q(members=user)).values("pk")
        visible |= Q(visit__round__in=team_rounds) & ~Q(status__in=UNSENT_STATUSES)
    if user.has_role(Role.UNIT_HEAD) and user.unit_id is not None:
        visible |= Q(unit_id=user.unit_id) & ~Q(status__in=UNSENT_STATUSES)
    if user.has_role(Role.COUNCIL):
        # The council reads the minutes its lists cite (a verdict's reason, a revocation case),
        # and no other record.
        visible |= hooks.cited_records()
    return records.filter(visible)


UNIT_NEWS_DAYS = 30
UNIT_NEWS_SHOWN = 20


def unit_record_news(*, unit, since: datetime.datetime) -> tuple[int, list[ViolationRecord]]:
    """What a unit head is told: their unit's records submitted or decided since `since`,
    latest first (a count, and the first few)."""
    records = (
        ViolationRecord.objects.filter(unit=unit)
        .exclude(status__in=UNSENT_STATUSES)
        .filter(Q(submitted_at__gte=since) | Q(reviewed_at__gte=since))
    )
    shown = list(
        records.select_related("staff").order_by(
            Coalesce("reviewed_at", "submitted_at").desc(), "-pk"
        )[:UNIT_NEWS_SHOWN]
    )
    return records.count(), shown


def record_list(records: QuerySet[ViolationRecord]) -> QuerySet[ViolationRecord]:
    """What a list row shows, in a constant number of queries."""
    return (
        records.select_related("staff", "unit", "visit__round")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "id"))
        )
        .order_by("-occurred_at", "-pk")
    )


def review_queue(
    *,
    round_id: int | None = None,
    unit_id: int | None = None,
    type: str = "",
    day_from: datetime.date | None = None,
    day_to: datetime.date | None = None,
    status: str = RecordStatus.SUBMITTED,
) -> QuerySet[ViolationRecord]:
    records = ViolationRecord.objects.filter(status=status)
    if round_id:
        records = records.filter(visit__round_id=round_id)
    if unit_id:
        records = records.filter(unit_id=unit_id)
    if type:
        records = records.filter(type=type)
    if day_from:
        records = records.filter(occurred_at__date__gte=day_from)
    if day_to:
        records = records.filter(occurred_at__date__lte=day_to)
    return record_list(records)


def history_of(record: ViolationRecord) -> QuerySet[AuditEntry]:
    return record.audit_entries.select_related("actor").order_by("id")


def evidence_of(record: ViolationRecord) -> QuerySet[Evidence]:
    return record.evidence.order_by("uploaded_at", "id")
