"""The eligibility rule: local-date boundaries, re-evaluation, the freeze and revocation cases."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.db import COPY_NULL, copy_text, insert_lines
from core.errors import DomainError
from emulation.models import (
    ListGroup,
    Nomination,
    Period,
    PeriodStatus,
    RevocationCase,
    RevocationStatus,
    Title,
    Verdict,
    VerdictReason,
)
from emulation.selectors import eligibility_report, verdict_counts
from emulation.services import (
    NOMINATION_DUPLICATE,
    PERIOD_APPROVED,
    PERIOD_CODE_TAKEN,
    PERIOD_ENDS_BEFORE_START,
    PERIOD_NOT_IN_REVIEW,
    REVOCATION_NOT_OPEN,
    REVOCATION_REASON_MISSING,
    REVOCATION_UNKNOWN_OUTCOME,
    STAFF_OUTSIDE_UNIT,
    TITLE_NOT_INDIVIDUAL,
    UNKNOWN_PERIOD,
    UNKNOWN_STAFF,
    UNKNOWN_TITLE,
    evaluate_period,
    evaluate_person,
    nomination_create,
    period_approve,
    period_create,
    period_start_review,
    revocation_resolve,
)
from inspections.models import RecordStatus, ViolationRecord
from personnel.models import Staff, StaffCategory
from personnel.services import staff_transfer
from tests.factories import (
    local,
    make_period,
    make_record,
    make_staff,
    nominate_directly,
    utc,
)

DAY = datetime.date


def nominate(period, staff, title="lao_dong_tien_tien", unit=None):
    return nomination_create(
        period_code=period.code,
        staff_code=staff.code,
        title_code=title,
        unit=unit or staff.postings.first().unit,
        submitted_by=None,
    )


def verdict_of(nomination) -> tuple[str, list[str]]:
    """The verdict as the lists read it: without a verdict row, eligible with no reason."""
    verdict = Verdict.objects.filter(nomination=nomination).first()
    if verdict is None:
        return "eligible", []
    reasons = verdict.reasons.filter(kind="violation").values_list(
        "record__number", "record__status"
    )
    return verdict.status, list(reasons)


def snapshot():
    """Every row the rule writes, ids and timestamps included."""
    return (
        list(Verdict.objects.order_by("pk").values()),
        list(VerdictReason.objects.order_by("pk").values()),
        list(RevocationCase.objects.order_by("pk").values()),
    )


@pytest.fixture
def hung(unit_a):
    return make_staff("S001", unit=unit_a)


@pytest.fixture
def year_2019(db):
    return make_period("2019")


@pytest.fixture
def year_2020(db):
    return make_period("2020", (2020, 1, 1), (2020, 12, 31))


# --- Local-date boundaries -----------------------------------------------------------------


def test_it_counts_2330_local_on_31_december_in_that_year(hung, year_2019, year_2020):
    make_record(hung, local(2019, 12, 31, 23, 30), number="BB-01/2019")

    in_2019 = nominate(year_2019, hung)
    in_2020 = nominate(year_2020, hung)

    assert verdict_of(in_2019) == ("excluded", [("BB-01/2019", "confirmed")])
    assert verdict_of(in_2020) == ("eligible", [])


def test_it_counts_0030_local_on_1_january_given_in_utc_in_the_new_year(hung, year_2019, year_2020):
    # 17:30 UTC on 31 December is 00:30 on 1 January in Hà Nội.
    make_record(hung, utc(2019, 12, 31, 17, 30), number="BB-02/2020")

    in_2019 = nominate(year_2019, hung)
    in_2020 = nominate(year_2020, hung)

    assert verdict_of(in_2019) == ("eligible", [])
    assert verdict_of(in_2020) == ("excluded", [("BB-02/2020", "confirmed")])


def test_it_keeps_the_first_and_last_local_instants_of_a_school_year(unit_a):
    school_year = make_period("NH2019-2020", (2019, 9, 1), (2020, 8, 31))
    cases = {
        "S1": (utc(2019, 8, 31, 16, 59, 59), "eligible"),  # 23:59:59 on 31/08/2019 local
        "S2": (utc(2019, 8, 31, 17, 0), "excluded"),  # 00:00 on 01/09/2019 local
        "S3": (local(2020, 8, 31, 23, 59, 59), "excluded"),
        "S4": (local(2020, 9, 1, 0, 0), "eligible"),
    }
    nominations = {}
    for code, (moment, _expected) in cases.items():
        person = make_staff(code, unit=unit_a)
        make_record(person, moment)
        nominations[code] = nominate(school_year, person)

    for code, (_moment, expected) in cases.items():
        assert verdict_of(nominations[code])[0] == expected, code


def test_it_counts_a_record_made_in_the_unit_before_a_transfer(hung, unit_b, year_2019):
    make_record(hung, local(2019, 3, 12, 9, 0), number="BB-01/2019")
    staff_transfer(staff=hung, unit=unit_b, on=DAY(2019, 7, 1))

    nomination = nominate(year_2019, hung, unit=unit_b)

    assert nomination.unit == unit_b
    assert verdict_of(nomination) == (
        "excluded",
        [("BB-01/2019", "confirmed")],
    )


def test_it_tells_namesakes_apart_by_code(hung, unit_a, year_2019):
    namesake = make_staff("S002", unit=unit_a, full_name=hung.full_name)
    make_record(hung, local(2019, 5, 5, 8, 0))

    assert verdict_of(nominate(year_2019, hung))[0] == "excluded"
    assert verdict_of(nominate(year_2019, namesake)) == ("eligible", [])


def test_it_excludes_every_title_of_the_person(hung, year_2019):
    make_record(hung, local(2019, 5, 5, 8, 0), number="BB-05")

    titles = [nominate(year_2019, hung), nominate(year_2019, hung, "chien_si_thi_dua_co_so")]

    for nomination in titles:
        assert verdict_of(nomination) == ("excluded", [("BB-05", "confirmed")])
    # Chiến sĩ thi đua cơ sở also needs Lao động tiên tiến, itself excluded.
    assert titles[1].verdict.reasons.last().data == {
        "title": "lao_dong_tien_tien",
        "status": "excluded",
    }


def test_it_says_pending_with_the_submitted_records_only_while_none_is_confirmed(
    hung, unit_a, year_2019
):
    other = make_staff("S002", unit=unit_a)
    make_record(hung, local(2019, 2, 1, 8, 0), RecordStatus.SUBMITTED, number="BB-S1")
    make_record(other, local(2019, 2, 1, 8, 0), RecordStatus.SUBMITTED, number="BB-S2")
    make_record(other, local(2019, 3, 1, 8, 0), RecordStatus.CONFIRMED, number="BB-C2")

    assert verdict_of(nominate(year_2019, hung)) == ("pending", [("BB-S1", "submitted")])
    assert verdict_of(nominate(year_2019, other)) == (
        "excluded",
        [("BB-C2", "confirmed")],
    )


@pytest.mark.parametrize(
    "status", [RecordStatus.DRAFT, RecordStatus.DISMISSED, RecordStatus.OVERTURNED]
)
def test_it_never_counts_draft_dismissed_or_overturned_records(hung, year_2019, status):
    make_record(hung, local(2019, 6, 1, 8, 0), status)

    assert verdict_of(nominate(year_2019, hung)) == ("eligible", [])


def test_it_follows_the_record_through_each_transition(hung, year_2019, unit_a):
    bystander = make_staff("S009", unit=unit_a)
    untouched = nominate(year_2019, bystander)
    before = Verdict.objects.filter(nomination=untouched).values().get()
    nomination = nominate(year_2019, hung)
    record = make_record(hung, local(2019, 6, 1, 8, 0), RecordStatus.DRAFT, number="BB-T")
    seen = []
    for status in [
        RecordStatus.DRAFT,
        RecordStatus.SUBMITTED,
        RecordStatus.CONFIRMED,
        RecordStatus.OVERTURNED,
        RecordStatus.SUBMITTED,
        RecordStatus.DISMISSED,
    ]:
        record.status = status
        record.save(update_fields=["status"])
        evaluate_person(staff=hung)
        seen.append(verdict_of(nomination))

    assert seen == [
        ("eligible", []),
        ("pending", [("BB-T", "submitted")]),
        ("excluded", [("BB-T", "confirmed")]),
        ("eligible", []),
        ("pending", [("BB-T", "submitted")]),
        ("eligible", []),
    ]
    assert Verdict.objects.filter(nomination=untouched).values().get() == before


def test_it_changes_nothing_when_run_twice(hung, unit_a, year_2019, year_2020):
    other = make_staff("S002", unit=unit_a)
    nominate(year_2019, hung)
    nominate(year_2020, hung)
    nominate(year_2019, other)
    make_record(hung, local(2019, 6, 1, 8, 0))
    make_record(other, local(2019, 6, 1, 8, 0), RecordStatus.SUBMITTED)
    evaluate_period(period=year_2019)
    evaluate_person(staff=hung)
    first = snapshot()

    evaluate_period(period=year_2019)
    evaluate_period(period=year_2020)
    evaluate_person(staff=hung)
    evaluate_person(staff=other)

    assert snapshot() == first


def test_it_evaluates_the_whole_period_like_the_person(hung, unit_a, year_2019):
    others = [make_staff(f"S10{i}", unit=unit_a) for i in range(3)]
    for person in [hung, *others]:
        nominate_directly(year_2019, person)
    make_record(hung, local(2019, 6, 1, 8, 0), number="BB-A")
    make_record(others[0], local(2019, 6, 1, 8, 0), RecordStatus.SUBMITTED, number="BB-B")

    evaluate_period(period=year_2019)

    assert sorted(
        Verdict.objects.values_list("nomination__staff__code", "status", "reasons__record__number")
    ) == [
        ("S001", "excluded", "BB-A"),
        ("S100", "pending", "BB-B"),
        ("S101", "eligible", None),
        ("S102", "eligible", None),
    ]


def test_it_stores_a_verdict_row_only_for_the_exceptions(unit_a, year_2019):
    people = {
        code: make_staff(code, unit=unit_a)
        for code in ["EXCLUDED", "PENDING", "UNCHECKED", "PLAIN"]
    }
    Staff.objects.update(hired_on=DAY(2010, 1, 1))
    make_record(people["EXCLUDED"], local(2019, 6, 1, 8, 0), number="BB-X")
    make_record(people["PENDING"], local(2019, 6, 1, 8, 0), RecordStatus.SUBMITTED)
    for code, person in people.items():
        nomination_create(
            period_code="2019",
            staff_code=person.code,
            title_code="lao_dong_tien_tien",
            unit=unit_a,
            submitted_by=None,
            rating="" if code == "UNCHECKED" else "tot",
        )
    stored_by_person = sorted(Verdict.objects.values_list("list_code", "status", "unchecked"))

    evaluate_period(period=year_2019)

    exceptions = [
        ("EXCLUDED", "excluded", ""),
        ("PENDING", "pending", ""),
        ("UNCHECKED", "eligible", "rating"),
    ]
    assert stored_by_person == exceptions
    assert sorted(Verdict.objects.values_list("list_code", "status", "unchecked")) == exceptions
    # Read as eligible, every criterion checked, by the exchange's report.
    report = {row["staff_code"]: row for row in eligibility_report(period=year_2019)["nominations"]}
    assert (report["PLAIN"]["status"], report["PLAIN"]["unchecked"]) == ("eligible", [])
    assert report["PLAIN"]["reasons"] == []
    assert (report["UNCHECKED"]["status"], report["UNCHECKED"]["unchecked"]) == (
        "eligible",
        ["rating"],
    )
    assert verdict_counts(period=year_2019) == {"eligible": 2, "excluded": 1, "pending": 1}


def test_it_deletes_the_verdict_of_an_exception_that_becomes_plainly_eligible(
    hung, unit_a, year_2019
):
    Staff.objects.update(hired_on=DAY(2010, 1, 1))
    record = make_record(hung, local(2019, 6, 1, 8, 0), number="BB-O")
    nomination = nomination_create(
        period_code="2019",
        staff_code=hung.code,
        title_code="lao_dong_tien_tien",
        unit=unit_a,
        submitted_by=None,
        rating="tot",
    )
    assert VerdictReason.objects.filter(verdict__nomination=nomination, record=record).exists()

    record.status = RecordStatus.OVERTURNED
    record.save(update_fields=["status"])
    evaluate_person(staff=hung)

    assert not Verdict.objects.filter(nomination=nomination).exists()
    assert not VerdictReason.objects.exists()
    assert verdict_counts(period=year_2019) == {"eligible": 1, "excluded": 0, "pending": 0}


# --- Whole-period evaluation cost ----------------------------------------------------------


def build_period_with(count: int, unit) -> Period:
    period = make_period(f"Q{count}")
    title = Title.objects.get(code="lao_dong_tien_tien")
    people = Staff.objects.bulk_create(
        Staff(code=f"N{count}-{i:05}", full_name="Trần Thị Mai", category=StaffCategory.VIEN_CHUC)
        for i in range(count)
    )
    Nomination.objects.bulk_create(
        Nomination(period=period, staff=person, title=title, unit=unit) for person in people
    )
    for person in people[::3]:
        make_record(person, local(2019, 4, 1, 8, 0), RecordStatus.CONFIRMED, unit=unit)
    for person in people[1::3]:
        make_record(person, local(2019, 4, 1, 8, 0), RecordStatus.SUBMITTED, unit=unit)
    return period


@pytest.mark.parametrize("count", [10, 1000])
def test_it_evaluates_a_period_in_a_fixed_number_of_queries(
    unit_a, count, django_assert_num_queries
):
    period = build_period_with(count, unit_a)

    # 1 savepoint, 2 lock the period, 3 read the nominations with their people, 4-5 the
    # people's records and decisions, 6-7 the stored verdicts and reasons, 8 insert the
    # verdicts with their place in the council's list, 9 read the ids of those with reasons,
    # 10 insert the reasons, 11 read the collective nominations, 12 delete the period's
    # counts, 13 write them from the verdicts just judged, 14 release.
    with django_assert_num_queries(14):
        evaluate_period(period=period)

    # Every nomination is an exception here (the others lack a rating and a recruitment date).
    assert Verdict.objects.filter(nomination__period=period).count() == count
    assert Verdict.objects.filter(status="excluded").count() == len(range(0, count, 3))
    assert Verdict.objects.filter(status="pending").count() == len(range(1, count, 3))
    assert VerdictReason.objects.count() == len(range(0, count, 3)) + len(range(1, count, 3))


@pytest.mark.parametrize("count", [3, 60])  # a few rows: one INSERT; more: a COPY
def test_it_stores_codes_holding_a_backslash_a_tab_or_a_line_end_as_they_are(unit_a, count):
    period = build_period_with(count, unit_a)
    odd = ["N\\1", "N\t2", "N\n3", "N\r4", "\\N"]
    for person, code in zip(Staff.objects.filter(nominations__period=period), odd, strict=False):
        Staff.objects.filter(pk=person.pk).update(code=code)

    evaluate_period(period=period)

    assert sorted(
        Verdict.objects.filter(period=period).values_list("nomination__staff__code", "list_code")
    ) == sorted(Staff.objects.filter(nominations__period=period).values_list("code", "code"))
    assert VerdictReason.objects.filter(verdict__period=period).count() == (
        len(range(0, count, 3)) + len(range(1, count, 3))
    )


@pytest.mark.parametrize("count", [3, 60])
def test_it_writes_lines_of_copy_text_as_the_values_they_stand_for(unit_a, count):
    period = build_period_with(count, unit_a)
    evaluate_period(period=period)
    verdict = Verdict.objects.filter(period=period).first()
    data = {"text": 'a\\b\tc "d"\ne\r', "day": "2019-06-30", "n": 6, "none": None}
    VerdictReason.objects.filter(verdict=verdict).delete()

    insert_lines(
        VerdictReason,
        ["verdict", "kind", "record", "decision", "data", "position"],
        [
            f"{verdict.pk}\ttenure\t{COPY_NULL}\t{COPY_NULL}\t{copy_text(json.dumps(data))}"
            f"\t{position}\n"
            for position in range(count)
        ],
    )

    stored = list(
        VerdictReason.objects.filter(verdict=verdict).values_list(
            "kind", "record", "decision", "data", "position"
        )
    )
    assert stored == [("tenure", None, None, data, position) for position in range(count)]


@pytest.mark.parametrize("rows", [True, False])  # eligible verdict rows, or none (plainly)
@pytest.mark.parametrize("count", [10, 1000])
def test_it_checks_an_approved_period_in_a_fixed_number_of_queries(
    unit_a, count, rows, django_assert_num_queries
):
    period = build_period_with(count, unit_a)
    Period.objects.filter(pk=period.pk).update(status=PeriodStatus.APPROVED)
    nominations = Nomination.objects.filter(period=period).select_related("staff", "title")
    verdicts = Verdict.objects.bulk_create(
        Verdict(
            nomination=n,
            status="eligible",
            evaluated_at=local(2020, 1, 5, 8, 0),
            period=period,
            unit=unit_a,
            title=n.title,
            list_group=ListGroup.ELIGIBLE,
            list_code=n.staff.code,
            list_title=n.title.code,
        )
        for n in (nominations if rows else [])
    )

    # 1 savepoint, 2 lock the period, 3 read the nominations with their people, 4-5 the
    # people's records and decisions, 6-7 the frozen verdicts and their reasons, 8 the cases
    # already open, 9 open the new ones, 10 release.
    with django_assert_num_queries(10):
        evaluate_period(period=period)

    assert RevocationCase.objects.count() == len(range(0, count, 3))
    assert Verdict.objects.filter(status="eligible").count() == len(verdicts)


def test_it_creates_a_period_and_refuses_bad_ones(db):
    period_create(code="2019", starts_on=DAY(2019, 1, 1), ends_on=DAY(2019, 12, 31))

    with pytest.raises(DomainError) as duplicate:
        period_create(code="2019", starts_on=DAY(2019, 1, 1), ends_on=DAY(2019, 12, 31))
    with pytest.raises(DomainError) as backwards:
        period_create(code="2020", starts_on=DAY(2020, 12, 31), ends_on=DAY(2020, 1, 1))

    assert duplicate.value.args[0] == PERIOD_CODE_TAKEN
    assert backwards.value.args[0] == PERIOD_ENDS_BEFORE_START
    assert list(Period.objects.values_list("code", "name")) == [("2019", "2019")]


def test_it_approves_with_a_nomination_deferred_and_asks_the_council_when_its_review_ends(
    hung, unit_a, year_2019, council_member
):
    other = make_staff("S002", unit=unit_a, full_name="Lê Thị Hoa")
    nominate(year_2019, hung)
    deferred = nominate(year_2019, other)
    record = make_record(other, local(2019, 6, 1, 8, 0), RecordStatus.SUBMITTED, number="BB-S")
    evaluate_person(staff=other)
    period_start_review(period=year_2019, user=council_member)

    period_approve(period=year_2019, user=council_member)

    year_2019.refresh_from_db()
    assert year_2019.status == PeriodStatus.APPROVED
    assert verdict_of(deferred) == ("pending", [("BB-S", "submitted")])
    assert not RevocationCase.objects.exists()

    record.status = RecordStatus.DISMISSED
    record.save(update_fields=["status"])
    evaluate_person(staff=other)

    # The approved list stays as it was; the council decides on the deferred nomination.
    assert verdict_of(deferred)[0] == "pending"
    case = RevocationCase.objects.get()
    assert (case.kind, case.nomination, case.record, case.status) == (
        "deferred",
        deferred,
        record,
        "open",
    )
    with pytest.raises(DomainError) as refused:
        revocation_resolve(case=case, outcome="revoked", reason="", user=council_member)
    assert refused.value.message == REVOCATION_UNKNOWN_OUTCOME
    revocation_resolve(case=case, outcome="granted", reason="", user=council_member)
    case.refresh_from_db()
    assert case.status == "granted"


def test_it_asks_the_council_to_reinstate_when_the_excluding_record_is_overturned(
    approved_2019, council_member
):
    old = ViolationRecord.objects.get(number="BB-OLD")
    hoa = old.staff

    old.status = RecordStatus.OVERTURNED
    old.save(update_fields=["status"])
    evaluate_person(staff=hoa)
    evaluate_person(staff=hoa)  # once only

    case = RevocationCase.objects.get()
    assert (case.kind, case.nomination.staff, case.record, case.status) == (
        "reinstatement",
        hoa,
        old,
        "open",
    )
    assert Verdict.objects.get(nomination=case.nomination).status == "excluded"
    revocation_resolve(case=case, outcome="reinstated", reason="", user=council_member)
    case.refresh_from_db()
    assert case.status == "reinstated"


def test_it_approves_only_a_list_under_review(hung, year_2019, council_member):
    nominate(year_2019, hung)

    with pytest.raises(DomainError) as error:
        period_approve(period=year_2019, user=council_member)
    period_start_review(period=year_2019, user=council_member)
    period_approve(period=year_2019, user=council_member)

    assert error.value.args[0] == PERIOD_NOT_IN_REVIEW
    year_2019.refresh_from_db()
    assert year_2019.status == PeriodStatus.APPROVED
    assert year_2019.approved_by == council_member
    assert year_2019.approved_at is not None


@pytest.fixture
def approved_2019(hung, unit_a, year_2019, council_member):
    """2019 approved with Hùng eligible and Hoa excluded (record BB-OLD)."""
    hoa = make_staff("S002", unit=unit_a, full_name="Lê Thị Hoa")
    make_record(hoa, local(2019, 2, 1, 8, 0), number="BB-OLD")
    nominate(year_2019, hung)
    nominate(year_2019, hung, "chien_si_thi_dua_co_so")
    nominate(year_2019, hoa)
    period_start_review(period=year_2019, user=council_member)
    return period_approve(period=year_2019, user=council_member)


def test_it_freezes_the_approved_list_and_opens_one_revocation_case_per_nomination(
    approved_2019, hung
):
    frozen = snapshot()
    late = make_record(hung, local(2019, 11, 20, 8, 0), RecordStatus.SUBMITTED, number="BB-LATE")
    evaluate_person(staff=hung)
    assert snapshot() == frozen  # a submitted record changes nothing in a frozen list

    late.status = RecordStatus.CONFIRMED
    late.save(update_fields=["status"])
    evaluate_person(staff=hung)
    evaluate_person(staff=hung)
    evaluate_period(period=approved_2019)

    assert snapshot()[:2] == frozen[:2]
    assert sorted(
        RevocationCase.objects.values_list("nomination__title__code", "record__number", "status")
    ) == [
        ("chien_si_thi_dua_co_so", "BB-LATE", "open"),
        ("lao_dong_tien_tien", "BB-LATE", "open"),
    ]


def test_it_opens_no_case_for_a_record_outside_the_period_or_an_excluded_person(
    approved_2019, hung
):
    hoa = Staff.objects.get(code="S002")
    make_record(hung, local(2020, 1, 1, 0, 0))
    make_record(hoa, local(2019, 10, 1, 8, 0))

    evaluate_person(staff=hung)
    evaluate_person(staff=hoa)

    assert not RevocationCase.objects.exists()


def test_it_resolves_a_revocation_case_once(approved_2019, hung, council_member):
    make_record(hung, local(2019, 11, 20, 8, 0), number="BB-LATE")
    evaluate_person(staff=hung)
    revoke, close = RevocationCase.objects.order_by("pk")

    with pytest.raises(DomainError) as no_reason:
        revocation_resolve(case=close, outcome="closed", reason="  ", user=council_member)
    revocation_resolve(case=revoke, outcome="revoked", reason="", user=council_member)
    revocation_resolve(
        case=close, outcome="closed", reason="Biên bản lập nhầm người", user=council_member
    )
    with pytest.raises(DomainError) as again:
        revocation_resolve(case=revoke, outcome="closed", reason="x", user=council_member)

    assert no_reason.value.args[0] == REVOCATION_REASON_MISSING
    assert again.value.args[0] == REVOCATION_NOT_OPEN
    assert list(
        RevocationCase.objects.order_by("pk").values_list("status", "reason", "resolved_by")
    ) == [
        (RevocationStatus.REVOKED, "", council_member.pk),
        (RevocationStatus.CLOSED, "Biên bản lập nhầm người", council_member.pk),
    ]
    # A revoked title opens no new case; a closed one does for a later record.
    make_record(hung, local(2019, 12, 1, 8, 0), number="BB-LATER")
    evaluate_person(staff=hung)
    assert list(
        RevocationCase.objects.filter(status="open").values_list(
            "nomination__title__code", "record__number"
        )
    ) == [("chien_si_thi_dua_co_so", "BB-LATER")]


@pytest.mark.postgresql
def test_it_locks_the_period_row_while_approving(hung, year_2019, council_member):
    nominate(year_2019, hung)
    period_start_review(period=year_2019, user=council_member)

    with CaptureQueriesContext(connection) as queries:
        period_approve(period=year_2019, user=council_member)

    assert 'FROM "emulation_period"' in queries[1]["sql"]
    assert queries[1]["sql"].endswith("FOR UPDATE")


@pytest.mark.postgresql
def test_it_locks_the_persons_periods_while_re_evaluating(hung, year_2019):
    nominate(year_2019, hung)

    with CaptureQueriesContext(connection) as queries:
        evaluate_person(staff=hung)

    # After the savepoint, the first statement locks the periods the person is nominated in,
    # before one reads a record or writes a verdict.
    first = queries[1]["sql"]
    assert 'FROM "emulation_period"' in first
    assert first.endswith("FOR UPDATE")
    assert all("emulation_verdict" not in query["sql"] for query in queries[:2])


# --- Nominations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("period_code", "1999", UNKNOWN_PERIOD),
        ("staff_code", "S404", UNKNOWN_STAFF),
        ("title_code", "huan_chuong", UNKNOWN_TITLE),
        ("title_code", "tap_the_lao_dong_tien_tien", TITLE_NOT_INDIVIDUAL),
        ("staff_code", "S777", STAFF_OUTSIDE_UNIT),
    ],
)
def test_it_refuses_a_bad_nomination_and_writes_nothing(
    hung, unit_a, unit_b, year_2019, field, value, message
):
    make_staff("S777", unit=unit_b)
    arguments = {
        "period_code": "2019",
        "staff_code": "S001",
        "title_code": "lao_dong_tien_tien",
        "unit": unit_a,
        "submitted_by": None,
        field: value,
    }

    with pytest.raises(DomainError) as error:
        nomination_create(**arguments)

    assert error.value.args[0] == message
    assert not Nomination.objects.exists()
    assert not Verdict.objects.exists()


def test_it_refuses_a_duplicate_and_an_approved_period(hung, year_2019, council_member):
    nominate(year_2019, hung)

    with pytest.raises(DomainError) as duplicate:
        nominate(year_2019, hung)
    period_start_review(period=year_2019, user=council_member)
    period_approve(period=year_2019, user=council_member)
    with pytest.raises(DomainError) as frozen:
        nominate(year_2019, hung, "chien_si_thi_dua_co_so")

    assert duplicate.value.args[0] == NOMINATION_DUPLICATE
    assert frozen.value.args[0] == PERIOD_APPROVED
    assert Nomination.objects.count() == 1


def test_it_refuses_someone_who_moved_out_of_the_unit(hung, unit_a, unit_b, year_2019):
    staff_transfer(staff=hung, unit=unit_b, on=DAY(2020, 1, 1))

    with pytest.raises(DomainError) as error:
        nominate(year_2019, hung, unit=unit_a)

    assert error.value.args[0] == STAFF_OUTSIDE_UNIT
    assert not Nomination.objects.exists()


@pytest.mark.parametrize("count", [10, 1000])
def test_it_evaluates_a_person_in_a_fixed_number_of_queries(
    hung, unit_a, count, django_assert_num_queries
):
    period = build_period_with(count, unit_a)
    nomination = nominate_directly(period, hung)
    Nomination.objects.create(
        period=period, unit=unit_a, title=Title.objects.get(code="tap_the_lao_dong_tien_tien")
    )
    evaluate_period(period=period)
    make_record(hung, local(2019, 6, 1, 8, 0), number="BB-P")

    # 1 savepoint, 2 lock the periods the person is in; their nominations: 3 read them with
    # their people, 4-5 the records and decisions, 6-7 the stored verdicts and reasons, 8 the
    # new verdict with its place in the council's list, 9-10 its reasons again; their unit's
    # collective: 11 read it, 12 its members, 13 their verdicts, 14 their decisions, 15-16 the
    # stored verdict and reasons, 17-19 the same three writes; 20-21 recount the units
    # concerned, 22 release. None reads the period's other nominations.
    with django_assert_num_queries(22):
        evaluate_person(staff=hung)

    assert verdict_of(nomination) == ("excluded", [("BB-P", "confirmed")])
