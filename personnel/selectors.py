import datetime
import itertools
from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from core.db import BATCH_SIZE, AmongRows, rows_in
from core.text import fold
from personnel.models import (
    ROLE_SEPARATOR,
    Posting,
    Regulation,
    Role,
    Staff,
    Unit,
    UnitName,
    User,
)


def unit_list() -> QuerySet[Unit]:
    return Unit.objects.select_related("parent").order_by("code")


# Lists of people are read in this order: by name, then code (names repeat, codes do not).
STAFF_BY_NAME = ("full_name", "code")


def postings_covering(day: datetime.date, *, through: str = "") -> Q:
    """Postings that include `day` (both ends included, empty ends open); with `through`
    ("postings__"), the same of a person's postings."""
    return (Q(**{f"{through}starts_on__isnull": True}) | Q(**{f"{through}starts_on__lte": day})) & (
        Q(**{f"{through}ends_on__isnull": True}) | Q(**{f"{through}ends_on__gte": day})
    )


def posting_covering(postings: list, day: datetime.date, *, fallback_to_earliest: bool = False):
    """The rule for a person's unit on a day, from their postings (Posting objects or rows
    with starts_on and ends_on) sorted by start, open start first.

    The latest-starting posting that covers `day`; with fallback_to_earliest, a day no posting
    covers gives the earliest known posting (EXCHANGE.md: such a record takes the person's
    earliest known unit).
    """
    covering = None
    for posting in postings:
        if (posting.starts_on is None or posting.starts_on <= day) and (
            posting.ends_on is None or day <= posting.ends_on
        ):
            covering = posting
    if covering is None and fallback_to_earliest and postings:
        return postings[0]
    return covering


def _by_start(posting) -> datetime.date:
    return posting.starts_on or datetime.date.min


def posting_on(
    *, staff: Staff, day: datetime.date, fallback_to_earliest: bool = False
) -> Posting | None:
    """The posting of `staff` on `day`, in one query (a person has a handful of postings)."""
    postings = sorted(Posting.objects.filter(staff=staff).select_related("unit"), key=_by_start)
    return posting_covering(postings, day, fallback_to_earliest=fallback_to_earliest)


def unit_on(*, staff: Staff, day: datetime.date, fallback_to_earliest: bool = False) -> Unit | None:
    posting = posting_on(staff=staff, day=day, fallback_to_earliest=fallback_to_earliest)
    return posting.unit if posting else None


class PostingHistory:
    """The postings of many people, read once, for the same rule in memory (the imports)."""

    def __init__(self, staff_ids: Iterable[int]):
        # Plain rows, not model instances: an import reads the postings of 100,000 people.
        self._postings: dict[int, list] = {}
        for batch in itertools.batched(staff_ids, BATCH_SIZE):
            for posting in Posting.objects.filter(staff_id__in=batch).values_list(
                "staff_id", "unit_id", "starts_on", "ends_on", named=True
            ):
                self._postings.setdefault(posting.staff_id, []).append(posting)
        for postings in self._postings.values():
            postings.sort(key=_by_start)

    def unit_id_on(self, staff_id: int, day: datetime.date) -> int | None:
        """As unit_on(fallback_to_earliest=True)."""
        posting = posting_covering(self._postings.get(staff_id, []), day, fallback_to_earliest=True)
        return posting.unit_id if posting else None


def _postings_to(*, unit: Unit, day: datetime.date) -> QuerySet[Posting]:
    return Posting.objects.filter(postings_covering(day), unit=unit).order_by()


def staff_ids_posted_to(*, unit: Unit, day: datetime.date) -> QuerySet:
    """The ids of the people with a posting to `unit` that covers `day` (a person may hold two),
    read from the postings' index alone: to check a person or a few (`pk__in=`). To list the
    unit's people, staff_posted_to."""
    return _postings_to(unit=unit, day=day).values("staff_id")


def is_posted_to(*, staff: Staff, unit: Unit, day: datetime.date) -> bool:
    """Whether `staff` has a posting to `unit` that covers `day`: one lookup in the index."""
    return _postings_to(unit=unit, day=day).filter(staff=staff).exists()


def posted_to(*, unit: Unit, day: datetime.date) -> AmongRows:
    """A filter of people for those posted to `unit` on `day`, for lists in another order or
    with other people: the unit's postings are read first, then its people by their ids, at a
    cost that follows the unit's size (see AmongRows). As a join, PostgreSQL would walk the
    staff's name index, looking each person up in the unit until a page is full: cheap while
    the unit is a large share of the staff, most of the staff read when it is a ward among
    millions. The unit's own list by name is staff_posted_to."""
    return rows_in("pk", staff_ids_posted_to(unit=unit, day=day))


def staff_posted_to(*, unit: Unit, day: datetime.date) -> QuerySet[Staff]:
    """Everyone posted to `unit` on `day`, by name.

    Read through the unit's postings in the order of their copy of the person's name and code
    (index posting_unit_name_dates, the dates checked in it), each person then looked up by
    id: a page stops after its last person, whatever the size of the unit or of the staff. A
    person with two postings there that day is listed once, at the earlier written one.
    """
    postings = "postings__"
    earlier_posting_of_the_same_person = _postings_to(unit=unit, day=day).filter(
        staff=OuterRef("pk"), pk__lt=OuterRef(f"{postings}pk")
    )
    return Staff.objects.filter(
        postings_covering(day, through=postings),
        ~Exists(earlier_posting_of_the_same_person),
        **{f"{postings}unit": unit},
    ).order_by(*(f"{postings}staff_{field}" for field in STAFF_BY_NAME))


def staff_count_posted_to(*, unit: Unit, day: datetime.date) -> int:
    """How many people staff_posted_to lists, counted from the postings' index alone."""
    return staff_ids_posted_to(unit=unit, day=day).distinct().count()


def staff_matching(*, query: str) -> Q:
    """The filter of staff_search: every word of `query`, folded, is in the person's search
    text."""
    return Q(*(Q(search_text__contains=word) for word in fold(query).split()))


def staff_search(*, query: str, current_unit: Unit | None = None, day: datetime.date) -> QuerySet:
    """Staff matching every word of `query`, folded; people of `current_unit` first.

    A word matches the folded name ('hung' finds Hùng and Hưng), the name's initials ('nvh')
    or a part of the badge number. Where the typed words carry diacritics, exact spellings
    come before the other foldings ('hùng' lists Hùng before Hưng).
    """
    people = staff_with_current_unit(day=day).filter(staff_matching(query=query))
    ordering = []
    if current_unit is not None:
        # Asked of each person found: an IN, whose rows PostgreSQL hashes once (an array
        # would be searched through for each person).
        posted = Q(pk__in=staff_ids_posted_to(unit=current_unit, day=day))
        people = people.annotate(
            in_current_unit=ExpressionWrapper(posted, output_field=BooleanField())
        )
        ordering.append(F("in_current_unit").desc())
    typed = " ".join(query.split())
    if typed and typed != fold(typed):
        people = people.annotate(
            spelled_exactly=Case(
                When(full_name__icontains=typed, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        ordering.append(F("spelled_exactly").desc())
    return people.order_by(*ordering, *STAFF_BY_NAME)


def staff_with_current_unit(*, day: datetime.date) -> QuerySet[Staff]:
    """Staff annotated with the code and name of their unit on `day` (one query, no N+1)."""
    posting_that_day = Posting.objects.filter(
        postings_covering(day), staff=OuterRef("pk")
    ).order_by(F("starts_on").desc(nulls_last=True))
    return Staff.objects.annotate(
        unit_code=Subquery(posting_that_day.values("unit__code")[:1]),
        unit_name=Subquery(posting_that_day.values("unit__name")[:1]),
    )


def staff_list(
    *,
    day: datetime.date,
    query: str = "",
    unit: Unit | None = None,
    category: str = "",
    active: bool | None = None,
) -> QuerySet[Staff]:
    people = (
        staff_search(query=query, current_unit=unit, day=day)
        if query.strip()
        else staff_with_current_unit(day=day).order_by(*STAFF_BY_NAME)
    )
    if unit is not None:
        people = people.filter(posted_to(unit=unit, day=day))
    if category:
        people = people.filter(category=category)
    if active is not None:
        people = people.filter(is_active=active)
    return people


def unit_names_on(unit: Unit, day: datetime.date) -> tuple[str, str]:
    """The unit's full official name and its issuing body's name as they stood on `day`.

    Without a recorded name: the unit's own name, and its parent's name in capitals, as Decree
    30/2020/NĐ-CP writes the issuing body.
    """
    names = (
        UnitName.objects.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day), unit=unit)
        .order_by(F("valid_from").desc(nulls_last=True))
        .first()
    )
    official_name = names.official_name if names else unit.name
    issuing_body = names.issuing_body if names else ""
    if not issuing_body and unit.parent_id is not None:
        issuing_body = unit.parent.name.upper()
    return official_name, issuing_body


def unit_tree(*, day: datetime.date) -> list[tuple[Unit, int]]:
    """Units existing on `day` in tree order, each with its depth (one query)."""
    units = list(
        Unit.objects.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        ).order_by("name")
    )
    children: dict[int | None, list[Unit]] = {}
    known = {unit.pk for unit in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in known else None
        children.setdefault(parent, []).append(unit)
    ordered: list[tuple[Unit, int]] = []

    def visit(parent_id, depth):
        for unit in children.get(parent_id, []):
            ordered.append((unit, depth))
            visit(unit.pk, depth + 1)

    visit(None, 0)
    return ordered


def root_unit(*, day: datetime.date) -> Unit | None:
    """The top of the unit tree on `day`: of the units without a parent, the one heading the
    most units directly (the city's People's Committee above its departments and wards)."""
    return (
        Unit.objects.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
            parent__isnull=True,
        )
        .annotate(
            heads=Count(
                "children",
                filter=Q(children__valid_to__isnull=True) | Q(children__valid_to__gte=day),
            )
        )
        .order_by("-heads", "code")
        .first()
    )


def regulation_coverage(*, start: datetime.date, end: datetime.date) -> dict:
    """How many of the units existing in [start, end] issued or amended a regulation in it."""
    units = Unit.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=end),
        Q(valid_to__isnull=True) | Q(valid_to__gte=start),
    )
    figures = units.aggregate(
        total=Count("pk"),
        covered=Count(
            "pk",
            filter=Q(
                Exists(
                    Regulation.objects.filter(
                        unit=OuterRef("pk"), signed_on__gte=start, signed_on__lte=end
                    )
                )
            ),
        ),
    )
    total, covered = figures["total"], figures["covered"]
    return {
        "total": total,
        "covered": covered,
        "percent": round(100 * covered / total) if total else 0,
    }


def unit_regulations(*, unit: Unit) -> QuerySet[Regulation]:
    return Regulation.objects.filter(unit=unit).order_by("-signed_on", "kind")


def staff_postings(*, staff: Staff) -> QuerySet[Posting]:
    return (
        Posting.objects.filter(staff=staff)
        .select_related("unit")
        .order_by(F("starts_on").desc(nulls_last=True))
    )


def users_with_roles() -> QuerySet[User]:
    """Users with their unit and their role names (User.roles) read in the same query."""
    role_names = (
        Group.objects.filter(user=OuterRef("pk"), name__in=Role.values)
        .values("user")
        .annotate(names=StringAgg("name", delimiter=Value(ROLE_SEPARATOR)))
        .values("names")
    )
    return User.objects.select_related("unit").annotate(
        role_names=Coalesce(Subquery(role_names), Value(""), output_field=TextField())
    )
