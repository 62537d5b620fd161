import datetime

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When

from personnel.models import Posting, Staff, Unit


def unit_list() -> QuerySet[Unit]:
    return Unit.objects.select_related("parent").order_by("code")


def postings_covering(day: datetime.date) -> Q:
    """Postings that include `day` (both ends included, empty ends open)."""
    return (Q(starts_on__isnull=True) | Q(starts_on__lte=day)) & (
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    )


def posting_on(
    *, staff: Staff, day: datetime.date, fallback_to_earliest: bool = False
) -> Posting | None:
    """The posting of `staff` on `day`, in one query.

    With fallback_to_earliest, a day no posting covers gives the person's earliest known
    posting (EXCHANGE.md: such a record takes the person's earliest known unit).
    """
    postings = Posting.objects.filter(staff=staff).select_related("unit")
    if not fallback_to_earliest:
        return postings.filter(postings_covering(day)).order_by("-starts_on").first()
    return (
        postings.annotate(
            covering=Case(
                When(postings_covering(day), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("covering", F("starts_on").asc(nulls_first=True))
        .first()
    )


def unit_on(*, staff: Staff, day: datetime.date, fallback_to_earliest: bool = False) -> Unit | None:
    posting = posting_on(staff=staff, day=day, fallback_to_earliest=fallback_to_earliest)
    return posting.unit if posting else None


def staff_posted_to(*, unit: Unit, day: datetime.date) -> QuerySet[Staff]:
    """Everyone posted to `unit` on `day`, by name."""
    return Staff.objects.filter(
        Exists(Posting.objects.filter(postings_covering(day), staff=OuterRef("pk"), unit=unit))
    ).order_by("full_name", "code")
