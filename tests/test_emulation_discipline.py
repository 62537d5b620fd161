"""Discipline decisions in the award rule, and each period's policy (EXCHANGE.md, "The rule in
full"): a decided decision in effect in the period excludes under both policies, an open
procedure defers, an annulled one never counts; under the discipline policy violation records
alone count for nothing."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.errors import DomainError
from emulation import services
from emulation.models import Period, PeriodStatus, Policy, RevocationCase, Verdict, VerdictStatus
from inspections.models import DisciplineDecision, DisciplineForm, DisciplineStatus, RecordStatus
from tests.factories import local, make_period, make_record, make_staff, nominate_directly

DAY = datetime.date


def decide(staff, number="12/QĐ-UBND", *, status=DisciplineStatus.DECIDED, **fields):
    fields.setdefault("form", DisciplineForm.KHIEN_TRACH)
    if status == DisciplineStatus.DECIDED:
        fields.setdefault("decided_on", DAY(2019, 3, 15))
        fields.setdefault("effective_until", DAY(2020, 3, 14))
    decision = DisciplineDecision.objects.create(
        number=number, staff=staff, status=status, **fields
    )
    services.evaluate_person(staff=staff)
    return decision


def eligibility(period_code="2019") -> dict:
    out = io.StringIO()
    call_command("eligibility", period=period_code, format="json", stdout=out)
    return json.loads(out.getvalue())


def only_nomination(report: dict) -> dict:
    [nomination] = report["nominations"]
    return nomination


@pytest.fixture
def hung(unit_a):
    return make_staff("S001", unit=unit_a)


@pytest.mark.parametrize("policy", Policy.values)
def test_it_excludes_a_person_disciplined_within_the_period_under_either_policy(hung, policy):
    nominate_directly(make_period(policy=policy), hung)

    decide(hung, form=DisciplineForm.CANH_CAO)

    nomination = only_nomination(eligibility())
    assert nomination["status"] == "excluded"
    assert nomination["reasons"] == [
        {
            "kind": "discipline",
            "decision_no": "12/QĐ-UBND",
            "form": "canh_cao",
            "status": "decided",
            "decided_on": "2019-03-15",
        }
    ]


def test_it_excludes_a_period_that_a_decision_of_the_year_before_still_covers(hung):
    nominate_directly(make_period(), hung)

    decide(hung, decided_on=DAY(2018, 6, 1), effective_until=DAY(2019, 1, 1))

    assert only_nomination(eligibility())["status"] == "excluded"


def test_it_counts_no_decision_whose_effect_ended_before_the_period(hung):
    nominate_directly(make_period(), hung)

    decide(hung, decided_on=DAY(2017, 12, 1), effective_until=DAY(2018, 11, 30))

    nomination = only_nomination(eligibility())
    assert (nomination["status"], nomination["reasons"]) == ("eligible", [])


def test_it_defers_a_person_whose_discipline_procedure_is_open(hung):
    nominate_directly(make_period(), hung)

    decide(hung, "05/TB-UBND", status=DisciplineStatus.UNDER_REVIEW)

    nomination = only_nomination(eligibility())
    assert nomination["status"] == "pending"
    assert nomination["reasons"] == [
        {
            "kind": "discipline",
            "decision_no": "05/TB-UBND",
            "form": "khien_trach",
            "status": "under_review",
            "decided_on": None,
        }
    ]


def test_it_never_counts_an_annulled_decision(hung):
    nominate_directly(make_period(), hung)
    decision = decide(hung)
    assert only_nomination(eligibility())["status"] == "excluded"

    DisciplineDecision.objects.filter(pk=decision.pk).update(status=DisciplineStatus.ANNULLED)
    services.evaluate_person(staff=hung)

    nomination = only_nomination(eligibility())
    assert (nomination["status"], nomination["reasons"]) == ("eligible", [])


def test_it_lists_records_before_decisions_when_both_exclude(hung):
    nominate_directly(make_period(), hung)
    make_record(hung, local(2019, 5, 2, 8, 0), number="7/BB-KTCV")

    decide(hung)

    reasons = only_nomination(eligibility())["reasons"]
    assert [reason["kind"] for reason in reasons] == ["violation", "discipline"]
    assert reasons[0]["record_no"] == "7/BB-KTCV"


def test_it_lets_records_alone_count_for_nothing_under_the_discipline_policy(hung):
    nominate_directly(make_period(policy=Policy.DISCIPLINE), hung)
    make_record(hung, local(2019, 5, 2, 8, 0))
    make_record(hung, local(2019, 6, 2, 8, 0), RecordStatus.SUBMITTED)

    services.evaluate_person(staff=hung)

    nomination = only_nomination(eligibility())
    assert (nomination["status"], nomination["reasons"]) == ("eligible", [])


def test_it_evaluates_the_period_again_when_its_policy_changes(hung):
    period = make_period()
    nominate_directly(period, hung)
    make_record(hung, local(2019, 5, 2, 8, 0))
    services.evaluate_period(period=period)
    assert Verdict.objects.get().status == VerdictStatus.EXCLUDED

    services.period_settings_change(
        period=period, policy=Policy.DISCIPLINE, min_months=6, collective_share=70
    )

    assert Verdict.objects.get().status == VerdictStatus.ELIGIBLE
    assert Period.objects.get().policy == Policy.DISCIPLINE
    assert not Verdict.objects.get().reasons.exists()


def test_it_refuses_to_change_the_settings_of_a_period_under_council_review(hung):
    period = make_period(status=PeriodStatus.COUNCIL_REVIEW)

    with pytest.raises(DomainError) as error:
        services.period_settings_change(
            period=period, policy=Policy.DISCIPLINE, min_months=6, collective_share=70
        )

    assert error.value.message == services.SETTINGS_NOT_COLLECTING
    assert Period.objects.get().policy == Policy.VIOLATIONS


def test_it_opens_a_revocation_case_for_a_decision_made_after_approval(hung):
    period = make_period()
    nominate_directly(period, hung)
    services.evaluate_period(period=period)
    Period.objects.filter(pk=period.pk).update(status=PeriodStatus.APPROVED)

    decision = decide(hung)

    case = RevocationCase.objects.get()
    assert (case.decision, case.record, case.status) == (decision, None, "open")
    assert Verdict.objects.get().status == VerdictStatus.ELIGIBLE  # the frozen list stays


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("collective_share", 0, services.SHARE_OUT_OF_RANGE),
        ("collective_share", 101, services.SHARE_OUT_OF_RANGE),
        ("min_months", -1, services.MIN_MONTHS_NEGATIVE),
        ("policy", "lenient", services.UNKNOWN_POLICY),
        ("cstdcs_cap", 0, services.CAP_OUT_OF_RANGE),
    ],
)
def test_it_refuses_a_period_with_settings_out_of_range(db, option, value, message):
    with pytest.raises(DomainError) as error:
        services.period_create(
            code="2019", starts_on=DAY(2019, 1, 1), ends_on=DAY(2019, 12, 31), **{option: value}
        )

    assert error.value.message == message
    assert Period.objects.count() == 0


def test_it_creates_a_period_with_its_settings_from_the_command(db):
    call_command(
        "create_period",
        "NH2019-2020",
        "2019-09-01",
        "31/08/2020",
        "--policy",
        "discipline",
        "--min-months",
        "12",
        "--collective-share",
        "80",
        stdout=io.StringIO(),
    )

    period = Period.objects.get()
    assert (period.policy, period.min_months, period.collective_share, period.cstdcs_cap) == (
        "discipline",
        12,
        80,
        None,
    )


def test_it_names_the_bad_share_when_the_command_refuses_it(db):
    with pytest.raises(CommandError, match=r"1 (đến|to) 100"):
        call_command("create_period", "2019", "2019-01-01", "2019-12-31", "--collective-share", "0")

    assert Period.objects.count() == 0


def test_it_states_the_policy_in_words_with_its_legal_basis(client, council_member, db):
    make_period(policy=Policy.DISCIPLINE)
    client.force_login(council_member)

    page = client.get(reverse("emulation:period", args=["2019"])).content.decode()

    assert "Nghị định 98/2023/NĐ-CP" in page
    assert "biên bản vi phạm không" in page.lower() or "violation records alone" in page


def test_it_lets_the_council_change_the_settings_while_the_period_collects(
    client, council_member, hung
):
    period = make_period()
    nominate_directly(period, hung)
    make_record(hung, local(2019, 5, 2, 8, 0))
    services.evaluate_period(period=period)
    client.force_login(council_member)

    response = client.post(
        reverse("emulation:period_settings", args=["2019"]),
        {"policy": "discipline", "min_months": "6", "collective_share": "75", "cstdcs_cap": ""},
    )

    assert response.status_code == 302
    period.refresh_from_db()
    assert (period.policy, period.collective_share) == ("discipline", 75)
    assert Verdict.objects.get().status == VerdictStatus.ELIGIBLE


def test_it_refuses_a_share_over_100_from_the_page_and_changes_nothing(client, council_member, db):
    make_period()
    client.force_login(council_member)

    response = client.post(
        reverse("emulation:period_settings", args=["2019"]),
        {"policy": "discipline", "min_months": "6", "collective_share": "120"},
        follow=True,
    )

    assert Period.objects.get().collective_share == 70
    assert Period.objects.get().policy == Policy.VIOLATIONS
    assert any("100" in str(message) for message in response.context["messages"])


def test_it_refuses_the_settings_to_a_reviewer(client, reviewer, db):
    make_period()
    client.force_login(reviewer)

    response = client.post(
        reverse("emulation:period_settings", args=["2019"]),
        {"policy": "discipline", "min_months": "6", "collective_share": "70"},
    )

    assert response.status_code == 403
    assert Period.objects.get().policy == Policy.VIOLATIONS
