"""Property: incremental, whole-period and a plain reference evaluation always agree.

Random people, records (every status, instants on both sides of local midnight) and periods;
nominations are created (each evaluated at once), records then change status with an
incremental re-evaluation after each change, and finally every period is evaluated whole,
from the stored verdicts and again from nothing.
"""

import datetime

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulation.models import LOCAL_ZONE, Period, Verdict, VerdictReason, VerdictTally
from emulation.services import evaluate_period, evaluate_person, nomination_create
from inspections.models import RecordStatus, ViolationRecord
from tests.conftest import EXAMPLES_FACTOR
from tests.factories import make_staff

FIRST_DAY = datetime.date(2019, 12, 20)
TITLES = ["lao_dong_tien_tien", "chien_si_thi_dua_co_so"]
# Local midnight is 17:00 UTC: crowd the instants around it.
NEAR_MIDNIGHT = [16 * 60 + 59, 17 * 60, 17 * 60 + 1, 16 * 60 + 30, 17 * 60 + 30, 0, 23 * 60 + 59]

instants = st.builds(
    lambda day, minute, second: (
        datetime.datetime.combine(
            FIRST_DAY + datetime.timedelta(days=day), datetime.time(), tzinfo=datetime.UTC
        )
        + datetime.timedelta(minutes=minute, seconds=second)
    ),
    day=st.integers(0, 8),
    minute=st.one_of(st.sampled_from(NEAR_MIDNIGHT), st.integers(0, 24 * 60 - 1)),
    second=st.sampled_from([0, 59]),
)
statuses = st.sampled_from(RecordStatus.values)


@st.composite
def scenarios(draw):
    people = draw(st.integers(1, 3))
    periods = draw(
        st.lists(st.tuples(st.integers(1, 5), st.integers(0, 3)), min_size=1, max_size=3)
    )
    records = draw(st.lists(st.tuples(st.integers(0, people - 1), instants, statuses), max_size=10))
    nominations = draw(
        st.sets(
            st.tuples(
                st.integers(0, people - 1),
                st.integers(0, len(periods) - 1),
                st.sampled_from(TITLES),
            ),
            min_size=1,
            max_size=8,
        )
    )
    changes = (
        draw(st.lists(st.tuples(st.integers(0, len(records) - 1), statuses), max_size=6))
        if records
        else []
    )
    return people, periods, records, sorted(nominations), changes


def reference(periods: list[Period]) -> dict:
    """The rule written plainly: each record's local date, compared in Python."""
    expected = {}
    for period in periods:
        for nomination in period.nominations.select_related("staff", "title"):
            records = [
                record
                for record in ViolationRecord.objects.filter(staff=nomination.staff)
                if period.starts_on
                <= record.occurred_at.astimezone(LOCAL_ZONE).date()
                <= period.ends_on
            ]
            confirmed = {r.number for r in records if r.status == RecordStatus.CONFIRMED}
            submitted = {r.number for r in records if r.status == RecordStatus.SUBMITTED}
            if confirmed:
                verdict = ("excluded", confirmed)
            elif submitted:
                verdict = ("pending", submitted)
            else:
                verdict = ("eligible", set())
            expected[(period.code, nomination.staff.code, nomination.title.code)] = verdict
    return expected


def stored() -> dict:
    found = {}
    for verdict in Verdict.objects.select_related(
        "nomination__period", "nomination__staff", "nomination__title"
    ):
        nomination = verdict.nomination
        found[(nomination.period.code, nomination.staff.code, nomination.title.code)] = (
            verdict.status,
            set(verdict.reasons.values_list("record__number", flat=True)),
        )
    return found


class RolledBack(Exception):
    pass


def counted() -> dict:
    """The council list's counts per (period, unit, title), as kept by the rule service."""
    return {
        (tally.period_id, tally.unit_id, tally.title_id): (
            tally.eligible,
            tally.excluded,
            tally.pending,
        )
        for tally in VerdictTally.objects.all()
        if tally.eligible or tally.excluded or tally.pending
    }


def recounted() -> dict:
    """The same counts, counted afresh from the verdicts."""
    found = {}
    for verdict in Verdict.objects.select_related("nomination"):
        nomination = verdict.nomination
        key = (nomination.period_id, nomination.unit_id, nomination.title_id)
        eligible, excluded, pending = found.get(key, (0, 0, 0))
        found[key] = (
            eligible + (verdict.status == "eligible"),
            excluded + (verdict.status == "excluded"),
            pending + (verdict.status == "pending"),
        )
    return found


def rows() -> tuple:
    return (
        list(Verdict.objects.order_by("pk").values()),
        list(VerdictReason.objects.order_by("pk").values()),
    )


@settings(
    max_examples=50 * EXAMPLES_FACTOR,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_it_agrees_with_the_reference_whatever_the_order(unit_a, unit_b, scenario):
    people_count, period_spans, record_specs, nomination_specs, changes = scenario
    # Each example runs in its own transaction, rolled back at the end.
    try:
        with transaction.atomic():
            # Two nominating units, so that a person's re-evaluation must recount only theirs.
            people = [
                make_staff(f"S{index}", unit=(unit_a, unit_b)[index % 2])
                for index in range(people_count)
            ]
            periods = [
                Period.objects.create(
                    code=f"P{index}",
                    name=f"P{index}",
                    starts_on=FIRST_DAY + datetime.timedelta(days=offset),
                    ends_on=FIRST_DAY + datetime.timedelta(days=offset + length),
                )
                for index, (offset, length) in enumerate(period_spans)
            ]
            records = [
                ViolationRecord.objects.create(
                    number=f"R{index}",
                    staff=people[person],
                    unit=unit_a,
                    occurred_at=moment,
                    type="no_badge",
                    status=status,
                )
                for index, (person, moment, status) in enumerate(record_specs)
            ]
            for person, period, title in nomination_specs:
                nomination_create(
                    period_code=periods[period].code,
                    staff_code=people[person].code,
                    title_code=title,
                    unit=(unit_a, unit_b)[person % 2],
                    submitted_by=None,
                )
            assert stored() == reference(periods)

            for index, status in changes:
                record = records[index]
                record.status = status
                record.save(update_fields=["status"])
                evaluate_person(staff=record.staff)
            incremental = stored()
            assert incremental == reference(periods)
            assert counted() == recounted()

            before = rows()
            for period in periods:
                evaluate_period(period=period)
            assert rows() == before

            Verdict.objects.all().delete()
            for period in periods:
                evaluate_period(period=period)
            assert stored() == incremental
            assert counted() == recounted()
            raise RolledBack
    except RolledBack:
        pass
