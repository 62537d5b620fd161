"""Property: incremental, whole-period and a plain reference evaluation always agree.

Random people (recruited on either side of the tenure cut-off, or on an unknown day) in two
units, violation records (every status, instants on both sides of local midnight), discipline
decisions (every form and status, effects on both sides of the periods), periods of either
policy with random settings, individual nominations with random ratings and initiatives, and
collective nominations. Nominations are created (each evaluated at once); records and decisions
then change status with an incremental re-evaluation after each change; finally every period is
evaluated whole, from the stored verdicts and again from nothing. The verdicts are read through
`eligibility --format json`, so the contract's output is what is compared.
"""

import calendar
import datetime

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulation.models import LOCAL_ZONE, Nomination, Period, Verdict, VerdictReason, VerdictTally
from emulation.selectors import eligibility_report
from emulation.services import evaluate_period, evaluate_person, nomination_create
from inspections.models import DisciplineDecision, RecordStatus, ViolationRecord
from personnel.models import Staff
from tests.conftest import EXAMPLES_FACTOR
from tests.factories import make_staff

FIRST_DAY = datetime.date(2019, 12, 20)
INDIVIDUAL_TITLES = ["lao_dong_tien_tien", "chien_si_thi_dua_co_so", "giay_khen"]
COLLECTIVE_TITLES = ["tap_the_lao_dong_tien_tien", "tap_the_lao_dong_xuat_sac"]
RATINGS = ["", "xuat_sac", "tot", "hoan_thanh", "khong_hoan_thanh"]
FORMS = ["khien_trach", "canh_cao", "ha_bac_luong", "giang_chuc", "cach_chuc"]
DECISION_STATUSES = ["under_review", "decided", "annulled"]
KINDS = [
    "violation",
    "discipline",
    "rating",
    "tenure",
    "requires_title",
    "merit",
    "collective_share",
    "member_disciplined",
    "no_cstdcs_member",
]
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
record_statuses = st.sampled_from(RecordStatus.values)
days = st.integers(-250, 10).map(lambda offset: FIRST_DAY + datetime.timedelta(days=offset))


@st.composite
def scenarios(draw):
    people = draw(st.lists(st.one_of(st.none(), days), min_size=1, max_size=4))
    periods = draw(
        st.lists(
            st.tuples(
                st.integers(1, 5),
                st.integers(0, 3),
                st.sampled_from(["violations", "discipline"]),
                st.sampled_from([0, 1, 6]),
                st.sampled_from([50, 70, 100]),
            ),
            min_size=1,
            max_size=2,
        )
    )
    person = st.integers(0, len(people) - 1)
    records = draw(st.lists(st.tuples(person, instants, record_statuses), max_size=6))
    decisions = draw(
        st.lists(
            st.tuples(
                person,
                st.sampled_from(FORMS),
                st.sampled_from(DECISION_STATUSES),
                st.integers(-60, 12),
                st.integers(0, 40),
            ),
            max_size=3,
        )
    )
    period = st.integers(0, len(periods) - 1)
    nominations = draw(
        st.dictionaries(
            st.tuples(person, period, st.sampled_from(INDIVIDUAL_TITLES)),
            st.tuples(st.sampled_from(RATINGS), st.booleans()),
            min_size=1,
            max_size=8,
        )
    )
    collectives = draw(
        st.sets(
            st.tuples(st.integers(0, 1), period, st.sampled_from(COLLECTIVE_TITLES)), max_size=3
        )
    )
    changes = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("record"), st.integers(0, 5), record_statuses),
                st.tuples(
                    st.just("decision"), st.integers(0, 2), st.sampled_from(DECISION_STATUSES)
                ),
            ),
            max_size=6,
        )
    )
    return people, periods, records, decisions, nominations, sorted(collectives), changes


# --- The rule, written plainly from EXCHANGE.md ------------------------------------------------


def months_before(day: datetime.date, months: int) -> datetime.date:
    year, month = day.year, day.month - months
    while month < 1:
        month += 12
        year -= 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def overlaps(decision, period) -> bool:
    return decision.decided_on <= period.ends_on and decision.effective_until >= period.starts_on


def conduct(period, staff) -> tuple[list, list]:
    """The person's excluding and deferring reasons, each (kind, sort key, identity)."""
    excluding, deferring = [], []
    if period.policy == "violations":
        for record in ViolationRecord.objects.filter(staff=staff).order_by("pk"):
            local_day = record.occurred_at.astimezone(LOCAL_ZONE).date()
            if not period.starts_on <= local_day <= period.ends_on:
                continue
            reason = ("violation", (record.occurred_at, record.pk), (record.number,))
            if record.status == RecordStatus.CONFIRMED:
                excluding.append(reason)
            elif record.status == RecordStatus.SUBMITTED:
                deferring.append(reason)
    for decision in DisciplineDecision.objects.filter(staff=staff).order_by("pk"):
        key = (decision.decided_on or datetime.date.max, decision.pk)
        reason = ("discipline", key, (decision.number,))
        if decision.status == "decided" and overlaps(decision, period):
            excluding.append(reason)
        elif decision.status == "under_review":
            deferring.append(reason)
    return excluding, deferring


def verdict(excluding: list, deferring: list, unchecked: list) -> tuple:
    if excluding:
        status, deciding = "excluded", excluding
    elif deferring:
        status, deciding = "pending", deferring
    else:
        status, deciding = "eligible", []
    deciding = sorted(deciding, key=lambda reason: (KINDS.index(reason[0]), reason[1]))
    return status, [(kind, *identity) for kind, _key, identity in deciding], unchecked


def reference(period: Period) -> dict:
    expected = {}
    nominations = period.nominations.select_related("staff", "title", "unit")
    # Lao động tiên tiến first: Chiến sĩ thi đua cơ sở reads it.
    individuals = sorted(
        (n for n in nominations if n.staff_id),
        key=lambda n: n.title.code == "chien_si_thi_dua_co_so",
    )
    for nomination in individuals:
        excluding, deferring = conduct(period, nomination.staff)
        unchecked = []
        rating, title = nomination.rating, nomination.title.code
        if title == "lao_dong_tien_tien":
            if not rating:
                unchecked.append("rating")
            elif rating not in ("tot", "xuat_sac"):
                excluding.append(("rating", (), (rating,)))
            hired_on = nomination.staff.hired_on
            if hired_on is None:
                unchecked.append("tenure")
            elif hired_on > months_before(period.ends_on, period.min_months):
                excluding.append(("tenure", (), (hired_on.isoformat(), period.min_months)))
        elif title == "chien_si_thi_dua_co_so":
            held = expected.get((nomination.staff.code, "lao_dong_tien_tien"))
            held = held[0] if held else "missing"
            if held == "pending":
                deferring.append(("requires_title", (), ("pending",)))
            elif held != "eligible":
                excluding.append(("requires_title", (), (held,)))
            if rating != "xuat_sac" and not nomination.initiative:
                if rating:
                    excluding.append(("merit", (), ()))
                else:
                    unchecked.append("merit")
        expected[(nomination.staff.code, title)] = verdict(excluding, deferring, unchecked)

    for nomination in (n for n in nominations if not n.staff_id):
        # Every person here has one open posting: the unit's members are its people.
        members = list(Staff.objects.filter(postings__unit=nomination.unit).order_by("code"))

        def holding(title, status, members=members):
            return sum(
                1 for staff in members if expected.get((staff.code, title), ("",))[0] == status
            )

        excluding, deferring = [], []
        eligible = holding("lao_dong_tien_tien", "eligible")
        pending = holding("lao_dong_tien_tien", "pending")
        share = period.collective_share
        if not (members and eligible * 100 >= share * len(members)):
            reason = ("collective_share", (), (len(members), eligible, share))
            if members and (eligible + pending) * 100 >= share * len(members):
                deferring.append(reason)
            else:
                excluding.append(reason)
        for staff in members:
            for decision in DisciplineDecision.objects.filter(staff=staff, status="decided"):
                if decision.form != "khien_trach" and overlaps(decision, period):
                    key = (decision.decided_on, decision.pk, staff.code)
                    excluding.append(("member_disciplined", key, (staff.code, decision.number)))
        if nomination.title.code == "tap_the_lao_dong_xuat_sac" and not holding(
            "chien_si_thi_dua_co_so", "eligible"
        ):
            reason = ("no_cstdcs_member", (), ())
            if holding("chien_si_thi_dua_co_so", "pending"):
                deferring.append(reason)
            else:
                excluding.append(reason)
        expected[(nomination.unit.code, nomination.title.code)] = verdict(excluding, deferring, [])
    return expected


IDENTITY = {
    "violation": ["record_no"],
    "discipline": ["decision_no"],
    "rating": ["rating"],
    "tenure": ["hired_on", "min_months"],
    "requires_title": ["status"],
    "merit": [],
    "collective_share": ["members", "holders", "required_percent"],
    "member_disciplined": ["staff_code", "decision_no"],
    "no_cstdcs_member": [],
}


def reported(period: Period) -> dict:
    """The verdicts as `eligibility --format json` gives them."""
    found = {}
    for row in eligibility_report(period=period)["nominations"]:
        key = (row["staff_code"] or row["agency_code"], row["title"])
        reasons = [
            (reason["kind"], *(reason[name] for name in IDENTITY[reason["kind"]]))
            for reason in row["reasons"]
        ]
        found[key] = (row["status"], reasons, row["unchecked"])
    return found


def agrees(periods) -> None:
    for period in periods:
        period.refresh_from_db()
        assert reported(period) == reference(period), period.code


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
    """The same counts, counted afresh from the verdicts (a nomination without a verdict row
    is eligible)."""
    found = {}
    for nomination in Nomination.objects.select_related("verdict"):
        status = nomination.effective_verdict.status
        key = (nomination.period_id, nomination.unit_id, nomination.title_id)
        eligible, excluded, pending = found.get(key, (0, 0, 0))
        found[key] = (
            eligible + (status == "eligible"),
            excluded + (status == "excluded"),
            pending + (status == "pending"),
        )
    return found


def rows() -> tuple:
    return (
        list(Verdict.objects.order_by("pk").values()),
        list(VerdictReason.objects.order_by("pk").values()),
    )


@settings(
    max_examples=60 * EXAMPLES_FACTOR,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_it_agrees_with_the_reference_whatever_the_order(unit_a, unit_b, scenario):
    hired, period_specs, record_specs, decision_specs, nomination_specs, collectives, changes = (
        scenario
    )
    units = (unit_a, unit_b)
    # Each example runs in its own transaction, rolled back at the end.
    try:
        with transaction.atomic():
            # Two units, so that a person's re-evaluation must recount only theirs.
            people = []
            for index, hired_on in enumerate(hired):
                staff = make_staff(f"S{index}", unit=units[index % 2])
                staff.hired_on = hired_on
                staff.save(update_fields=["hired_on"])
                people.append(staff)
            periods = [
                Period.objects.create(
                    code=f"P{index}",
                    name=f"P{index}",
                    starts_on=FIRST_DAY + datetime.timedelta(days=offset),
                    ends_on=FIRST_DAY + datetime.timedelta(days=offset + length),
                    policy=policy,
                    min_months=min_months,
                    collective_share=share,
                )
                for index, (offset, length, policy, min_months, share) in enumerate(period_specs)
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
            decisions = [
                DisciplineDecision.objects.create(
                    number=f"QĐ{index}",
                    staff=people[person],
                    form=form,
                    status=status,
                    decided_on=FIRST_DAY + datetime.timedelta(days=start),
                    effective_until=FIRST_DAY + datetime.timedelta(days=start + length),
                )
                for index, (person, form, status, start, length) in enumerate(decision_specs)
            ]
            for (person, period, title), (rating, initiative) in sorted(nomination_specs.items()):
                nomination_create(
                    period_code=periods[period].code,
                    staff_code=people[person].code,
                    title_code=title,
                    unit=units[person % 2],
                    submitted_by=None,
                    rating=rating,
                    initiative="Sáng kiến" if initiative else "",
                )
            for unit, period, title in collectives:
                nomination_create(
                    period_code=periods[period].code,
                    title_code=title,
                    unit=units[unit],
                    submitted_by=None,
                )
            agrees(periods)

            for kind, index, status in changes:
                rows_of_kind = records if kind == "record" else decisions
                if rows_of_kind:
                    row = rows_of_kind[index % len(rows_of_kind)]
                    row.status = status
                    row.save(update_fields=["status"])
                    evaluate_person(staff=row.staff)
            agrees(periods)
            assert counted() == recounted()
            # Only the exceptions have a row, whichever path wrote it.
            assert not Verdict.objects.filter(status="eligible", unchecked="").exists()

            before = rows()
            for period in periods:
                evaluate_period(period=period)
            assert rows() == before

            incremental = [reported(period) for period in periods]
            Verdict.objects.all().delete()
            for period in periods:
                evaluate_period(period=period)
            assert [reported(period) for period in periods] == incremental
            assert counted() == recounted()
            raise RolledBack
    except RolledBack:
        pass
