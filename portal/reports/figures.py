"""The year's discipline figures: read-only selectors across the three apps.

Every figure is a set-based query (aggregate or GROUP BY), so `year_figures` costs the same
number of queries whatever the number of rounds, visits, records or nominations; only the
per-unit tables grow in rows.

Which day something belongs to is its local (Asia/Ho_Chi_Minh) date (EXCHANGE.md): a year
is the span [local midnight of 1 January, local midnight of 1 January of the next year),
compared against the stored UTC instants so that the database uses its indexes.
"""

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import ExtractMonth

from emulation.models import Nomination, ReasonKind, VerdictStatus
from inspections.models import (
    CitizenReport,
    InspectionRound,
    RecordStatus,
    ReportStatus,
    RoundKind,
    ViolationRecord,
    ViolationType,
    Visit,
)
from personnel.selectors import regulation_coverage

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_YEAR = 2000
MAX_YEAR = 2100


def year_window(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants of local midnight starting 1 January of `year` and of `year + 1`."""
    start = datetime.datetime(year, 1, 1, tzinfo=LOCAL_ZONE)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=LOCAL_ZONE)
    return start, end


@dataclass
class UnitCount:
    code: str
    name: str
    count: int


@dataclass
class YearFigures:
    year: int
    rounds: int = 0
    surprise_rounds: int = 0
    units_inspected: int = 0
    visits: int = 0
    units_inspected_once: int = 0
    units_inspected_twice: int = 0
    units_inspected_three_or_more: int = 0
    units_inspected_more_than_once: int = 0
    max_inspections_per_unit: int = 0
    inspections_per_unit: list[UnitCount] = field(default_factory=list)
    violation_records: int = 0
    violations_by_type: dict[str, int] = field(default_factory=dict)
    records_by_unit: list[UnitCount] = field(default_factory=list)
    # 12 counts, January first.
    records_by_month: list[int] = field(default_factory=lambda: [0] * 12)
    units_without_violation: list[UnitCount] = field(default_factory=list)
    people_with_more_than_one_record: int = 0
    citizen_reports_received: int = 0
    citizen_reports_confirmed: int = 0
    has_nominations: bool = False
    nominees: int = 0
    nominees_excluded: int = 0
    nominees_pending: int = 0
    regulation_units: int = 0
    regulation_units_covered: int = 0
    regulation_percent: int = 0

    @property
    def units_without_violation_count(self) -> int:
        return len(self.units_without_violation)

    def as_exchange(self) -> dict:
        """EXCHANGE.md's `discipline_report --format json`; its keys first, extra keys after."""
        return {
            "year": self.year,
            "rounds": self.rounds,
            "units_inspected": self.units_inspected,
            "units_inspected_more_than_once": self.units_inspected_more_than_once,
            "max_inspections_per_unit": self.max_inspections_per_unit,
            "violation_records": self.violation_records,
            "violations_by_type": dict(self.violations_by_type),
            "nominees_excluded": self.nominees_excluded,
            "surprise_rounds": self.surprise_rounds,
            "units_inspected_once": self.units_inspected_once,
            "units_inspected_twice": self.units_inspected_twice,
            "units_inspected_three_or_more": self.units_inspected_three_or_more,
            "records_by_month": {
                f"{self.year}-{month:02d}": count
                for month, count in enumerate(self.records_by_month, start=1)
            },
            "records_by_unit": {row.code: row.count for row in self.records_by_unit},
            "units_without_violation": [row.code for row in self.units_without_violation],
            "people_with_more_than_one_record": self.people_with_more_than_one_record,
            "citizen_reports_received": self.citizen_reports_received,
            "citizen_reports_confirmed": self.citizen_reports_confirmed,
            "nominees_pending": self.nominees_pending,
            "regulations": {
                "units": self.regulation_units,
                "covered": self.regulation_units_covered,
                "percent": self.regulation_percent,
            },
        }


@dataclass
class Report:
    current: YearFigures
    previous: YearFigures


def _confirmed_in(start: datetime.datetime, end: datetime.datetime):
    return ViolationRecord.objects.filter(
        status=RecordStatus.CONFIRMED, occurred_at__gte=start, occurred_at__lt=end
    )


def _inspections(figures: YearFigures, start, end) -> None:
    # 1 query: visits per unit.
    rows = list(
        Visit.objects.filter(started_at__gte=start, started_at__lt=end)
        .values("unit__code", "unit__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "unit__code")
    )
    figures.inspections_per_unit = [
        UnitCount(row["unit__code"], row["unit__name"], row["count"]) for row in rows
    ]
    counts = [row["count"] for row in rows]
    figures.units_inspected = len(counts)
    figures.visits = sum(counts)
    figures.units_inspected_once = counts.count(1)
    figures.units_inspected_twice = counts.count(2)
    figures.units_inspected_three_or_more = sum(1 for count in counts if count >= 3)
    figures.units_inspected_more_than_once = sum(1 for count in counts if count > 1)
    figures.max_inspections_per_unit = max(counts, default=0)


def _records(figures: YearFigures, start, end) -> None:
    confirmed = _confirmed_in(start, end)
    # 1 query: the total and one count per type.
    totals = confirmed.aggregate(
        total=Count("pk"),
        **{code: Count("pk", filter=Q(type=code)) for code in ViolationType.values},
    )
    figures.violation_records = totals["total"]
    figures.violations_by_type = {code: totals[code] for code in ViolationType.values}
    # 1 query: by unit.
    figures.records_by_unit = [
        UnitCount(row["unit__code"], row["unit__name"], row["count"])
        for row in confirmed.values("unit__code", "unit__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "unit__code")
    ]
    # 1 query: by local month.
    by_month = [0] * 12
    for row in (
        confirmed.annotate(month=ExtractMonth("occurred_at", tzinfo=LOCAL_ZONE))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by("month")
    ):
        by_month[row["month"] - 1] = row["count"]
    figures.records_by_month = by_month
    # 1 query: people with two or more confirmed records in the year.
    figures.people_with_more_than_one_record = (
        confirmed.values("staff").annotate(count=Count("pk")).filter(count__gt=1).count()
    )
    # 1 query: units visited in the year where no confirmed violation of the year was found.
    figures.units_without_violation = [
        UnitCount(row["unit__code"], row["unit__name"], 0)
        for row in Visit.objects.filter(started_at__gte=start, started_at__lt=end)
        .exclude(Exists(confirmed.filter(unit=OuterRef("unit"))))
        .values("unit__code", "unit__name")
        .distinct()
        .order_by("unit__code")
    ]


def year_figures(*, year: int) -> YearFigures:
    """Every figure of `year`, in 10 queries whatever the number of rows."""
    figures = YearFigures(year=year)
    start, end = year_window(year)
    # 1 query: rounds that started in the year.
    rounds = InspectionRound.objects.filter(
        starts_on__gte=datetime.date(year, 1, 1), starts_on__lt=datetime.date(year + 1, 1, 1)
    ).aggregate(total=Count("pk"), surprise=Count("pk", filter=Q(kind=RoundKind.SURPRISE)))
    figures.rounds, figures.surprise_rounds = rounds["total"], rounds["surprise"]
    _inspections(figures, start, end)  # 1 query
    _records(figures, start, end)  # 5 queries
    # 1 query: citizen reports received in the year, and those confirmed.
    reports = CitizenReport.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        received=Count("pk"), confirmed=Count("pk", filter=Q(status=ReportStatus.CONFIRMED))
    )
    figures.citizen_reports_received = reports["received"]
    figures.citizen_reports_confirmed = reports["confirmed"]
    # 1 query: the nominees of the calendar-year period coded with the year, by verdict.
    # A person nominated for two titles counts once; excluded counts only those excluded for a
    # violation or a discipline decision (EXCHANGE.md), not for a criterion such as tenure.
    nominees = Nomination.objects.filter(period__code=str(year)).aggregate(
        nominations=Count("pk", distinct=True),
        people=Count("staff", distinct=True),
        excluded=Count(
            "staff",
            distinct=True,
            filter=Q(
                verdict__status=VerdictStatus.EXCLUDED,
                verdict__reasons__kind__in=[ReasonKind.VIOLATION, ReasonKind.DISCIPLINE],
            ),
        ),
        pending=Count("staff", distinct=True, filter=Q(verdict__status=VerdictStatus.PENDING)),
    )
    figures.has_nominations = nominees["nominations"] > 0
    figures.nominees = nominees["people"]
    figures.nominees_excluded = nominees["excluded"]
    figures.nominees_pending = nominees["pending"]
    # 1 query: the regulations register.
    coverage = regulation_coverage(start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31))
    figures.regulation_units = coverage["total"]
    figures.regulation_units_covered = coverage["covered"]
    figures.regulation_percent = coverage["percent"]
    return figures


def discipline_report(*, year: int) -> Report:
    """The year's figures and the previous year's, in 20 queries."""
    return Report(current=year_figures(year=year), previous=year_figures(year=year - 1))
