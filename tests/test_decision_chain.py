"""The chain from a record to the council's list, walked step by step as its users would: every
transition brings the person's verdicts up to date in the same transaction, and nobody decides
on their own act."""

import datetime

import pytest

from core.errors import DomainError
from core.models import Refusal
from emulation.selectors import eligibility_report
from emulation.services import nomination_create
from inspections import services
from inspections.models import AppealOutcome, RecordStatus
from personnel.models import Role
from tests.factories import local, make_period, make_staff, make_user


@pytest.fixture
def nominee(unit_a):
    staff = make_staff("S001", unit=unit_a, full_name="Nguyễn Văn Hùng")
    staff.hired_on = datetime.date(2010, 1, 1)
    staff.save(update_fields=["hired_on"])
    make_period("2019")
    nomination_create(
        period_code="2019",
        staff_code="S001",
        title_code="lao_dong_tien_tien",
        unit=unit_a,
        submitted_by=None,
        rating="tot",
    )
    return staff


def council_list() -> tuple[str, list]:
    """The nominee's row of the council's list: status and the numbers of its records."""
    from emulation.models import Period

    [row] = eligibility_report(period=Period.objects.get(code="2019"))["nominations"]
    return row["status"], [reason.get("record_no") for reason in row["reasons"]]


def draft_about(staff, unit, author):
    """A draft about `staff` seen on 6 May 2019, inside the period (made without a visit)."""
    return services.record_create(
        author=author,
        staff=staff,
        unit=unit,
        occurred_at=local(2019, 5, 6, 8, 0),
        type="no_badge",
        description="Không đeo thẻ",
    )


@pytest.fixture
def second_reviewer(db):
    return make_user("reviewer2", role=Role.REVIEWER)


@pytest.fixture
def third_reviewer(db):
    return make_user("reviewer3", role=Role.REVIEWER)


def test_every_transition_brings_the_list_up_to_date(
    nominee, unit_a, inspector, reviewer, second_reviewer, third_reviewer
):
    record = draft_about(nominee, unit_a, inspector)
    assert council_list() == ("eligible", [])

    services.record_submit(record=record, actor=inspector)
    record.refresh_from_db()
    assert council_list() == ("pending", [record.number])

    services.record_confirm(record=record, reviewer=reviewer)
    assert council_list() == ("excluded", [record.number])

    services.record_appeal(record=record, actor=second_reviewer, reason="Có giấy nghỉ phép")
    assert council_list() == ("excluded", [record.number])

    services.appeal_decide(
        record=record, reviewer=third_reviewer, outcome=AppealOutcome.OVERTURNED, reason="Đúng"
    )
    assert council_list() == ("eligible", [])


def test_a_dismissed_record_stops_deferring(nominee, unit_a, inspector, reviewer):
    record = draft_about(nominee, unit_a, inspector)
    services.record_submit(record=record, actor=inspector)
    assert council_list()[0] == "pending"

    services.record_dismiss(record=record, reviewer=reviewer, reason="Nhầm người")

    assert council_list() == ("eligible", [])


def test_the_appellant_does_not_decide_their_appeal(
    nominee, unit_a, inspector, reviewer, second_reviewer
):
    record = draft_about(nominee, unit_a, inspector)
    services.record_submit(record=record, actor=inspector)
    services.record_confirm(record=record, reviewer=reviewer)
    services.record_appeal(record=record, actor=second_reviewer, reason="Có giấy nghỉ phép")

    with pytest.raises(DomainError) as refused:
        services.appeal_decide(
            record=record,
            reviewer=second_reviewer,
            outcome=AppealOutcome.OVERTURNED,
            reason="Tự quyết",
        )

    assert refused.value.message == services.APPEAL_CONFLICT
    record.refresh_from_db()
    assert record.status == RecordStatus.CONFIRMED
    assert council_list()[0] == "excluded"


def test_a_period_takes_nominations_only_while_it_collects(
    nominee, unit_a, council_member, tmp_path
):
    from emulation.imports import nominations_import
    from emulation.models import Nomination, Period
    from emulation.services import PERIOD_CLOSED, period_start_review

    period = period_start_review(period=Period.objects.get(code="2019"), user=council_member)
    other = make_staff("S002", unit=unit_a)
    before = Nomination.objects.count()

    with pytest.raises(DomainError) as refused:
        nomination_create(
            period_code="2019",
            staff_code=other.code,
            title_code="giay_khen",
            unit=unit_a,
            submitted_by=None,
        )
    assert refused.value.message == PERIOD_CLOSED
    path = tmp_path / "de-nghi.csv"
    path.write_text("staff_code,title\nS002,giay_khen\n", encoding="utf-8")
    summary = nominations_import(path=path, period_code="2019", submitted_by=council_member)
    assert [problem.message for problem in summary.problems] == [PERIOD_CLOSED]
    assert Nomination.objects.count() == before
    # Each refusal is noted: the form's and the command's (nobody signed in), the upload's.
    assert list(Refusal.objects.order_by("pk").values_list("action", "actor", "subject")) == [
        ("nomination.create", "", "2019"),
        ("nomination.import", council_member.username, f"emulation.period {period.pk}"),
    ]
    assert Refusal.objects.first().message.startswith("Kỳ xét thi đua không còn nhận đề nghị")


def test_the_list_goes_to_the_council_no_earlier_than_its_review_opening_day(
    db, council_member, time_machine
):
    from emulation.models import PeriodStatus
    from emulation.services import REVIEW_NOT_OPEN, period_create, period_start_review

    period = period_create(
        code="2026", starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 12, 31)
    )
    time_machine.move_to(local(2026, 11, 30, 16, 0))

    with pytest.raises(DomainError) as refused:
        period_start_review(period=period, user=council_member)

    assert refused.value.message == REVIEW_NOT_OPEN
    assert "01/12/2026" in str(refused.value)
    period.refresh_from_db()
    assert period.status == PeriodStatus.COLLECTING
    refusal = Refusal.objects.get()
    assert (refusal.action, refusal.actor) == ("period.send_to_council", council_member.username)
    assert "01/12/2026" in refusal.message

    time_machine.move_to(local(2026, 12, 1, 8, 0))
    assert period_start_review(period=period, user=council_member).status == "council_review"


def test_a_decision_on_what_is_already_decided_changes_nothing_and_is_noted(
    nominee, unit_a, inspector, reviewer, second_reviewer, council_member
):
    from emulation.models import Nomination, RevocationCase, RevocationStatus
    from emulation.services import REVOCATION_NOT_OPEN, revocation_resolve

    record = draft_about(nominee, unit_a, inspector)
    services.record_submit(record=record, actor=inspector)
    services.record_confirm(record=record, reviewer=reviewer, note="Đúng")

    with pytest.raises(DomainError) as refused:
        services.record_dismiss(record=record, reviewer=second_reviewer, reason="Nhầm")
    assert refused.value.message == services.NOT_SUBMITTED
    record.refresh_from_db()
    assert (record.status, record.reviewed_by, record.review_reason) == (
        RecordStatus.CONFIRMED,
        reviewer,
        "Đúng",
    )

    case = RevocationCase.objects.create(
        nomination=Nomination.objects.get(), record=record, opened_at=record.reviewed_at
    )
    revocation_resolve(case=case, outcome=RevocationStatus.REVOKED, reason="", user=council_member)
    with pytest.raises(DomainError) as refused:
        revocation_resolve(
            case=case, outcome=RevocationStatus.CLOSED, reason="Xem lại", user=council_member
        )
    assert refused.value.message == REVOCATION_NOT_OPEN
    case.refresh_from_db()
    assert case.status == RevocationStatus.REVOKED

    assert list(Refusal.objects.order_by("pk").values_list("action", "actor", "subject")) == [
        ("record.dismiss", second_reviewer.username, f"inspections.violationrecord {record.pk}"),
        ("case.decide", council_member.username, f"emulation.revocationcase {case.pk}"),
    ]


def test_it_refuses_a_review_opening_day_outside_the_period(db):
    from emulation.models import Period
    from emulation.services import REVIEW_DAY_OUTSIDE, period_create

    with pytest.raises(DomainError) as refused:
        period_create(
            code="2026",
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
            review_opens_on=datetime.date(2027, 1, 5),
        )

    assert refused.value.message == REVIEW_DAY_OUTSIDE
    assert not Period.objects.exists()


def test_a_step_that_cannot_be_undone_asks_once_more_without_javascript(
    client, nominee, unit_a, inspector, reviewer
):
    from django.urls import reverse

    record = draft_about(nominee, unit_a, inspector)
    services.record_submit(record=record, actor=inspector)
    client.force_login(reviewer)
    url = reverse("inspections:record_dismiss", args=[record.pk])

    asked = client.post(url, {"reason": "Nhầm người"})

    html = asked.content.decode()
    assert asked.status_code == 200
    assert "Bác bỏ làm biên bản trở thành chính thức" in html
    assert '<input type="hidden" name="reason" value="Nhầm người">' in html
    assert '<input type="hidden" name="confirmed" value="yes">' in html
    assert 'class="button button--consequential"' in html
    record.refresh_from_db()
    assert record.status == RecordStatus.SUBMITTED

    client.post(url, {"reason": "Nhầm người", "confirmed": "yes"})

    record.refresh_from_db()
    assert (record.status, record.review_reason) == (RecordStatus.DISMISSED, "Nhầm người")


def test_the_council_returns_a_list_to_collection_with_a_reason_kept_in_its_history(
    client, nominee, council_member
):
    from django.urls import reverse

    from emulation.models import Period, PeriodEvent, PeriodStatus
    from emulation.services import period_start_review

    period = period_start_review(period=Period.objects.get(code="2019"), user=council_member)
    client.force_login(council_member)
    url = reverse("emulation:period_return", args=["2019"])

    refused = client.post(url, {"reason": "  ", "confirmed": "yes"}, follow=True)
    assert "Hãy nêu lý do trả lại danh sách để tiếp nhận bổ sung." in refused.content.decode()
    period.refresh_from_db()
    assert period.status == PeriodStatus.COUNCIL_REVIEW

    client.post(url, {"reason": "Phường Chi Lăng gửi bổ sung danh sách", "confirmed": "yes"})

    period.refresh_from_db()
    assert period.status == PeriodStatus.COLLECTING
    assert list(PeriodEvent.objects.values_list("action", "actor", "reason")) == [
        ("sent_to_council", council_member.pk, ""),
        ("returned", council_member.pk, "Phường Chi Lăng gửi bổ sung danh sách"),
    ]
    page = client.get(reverse("emulation:period", args=["2019"])).content.decode()
    assert "Phường Chi Lăng gửi bổ sung danh sách" in page


def test_the_unit_head_is_told_on_their_home_page(
    client, nominee, unit_a, unit_b, inspector, reviewer, unit_head
):
    from django.urls import reverse

    told = draft_about(nominee, unit_a, inspector)
    services.record_submit(record=told, actor=inspector)
    other_unit = make_staff("S009", unit=unit_b, full_name="Lê Văn Khác")
    not_told = draft_about(other_unit, unit_b, inspector)
    services.record_submit(record=not_told, actor=inspector)
    draft_about(nominee, unit_a, inspector)  # a draft: nobody is told yet
    client.force_login(unit_head)

    html = client.get(reverse("home")).content.decode()

    told.refresh_from_db()
    assert "1 biên bản vi phạm về cán bộ của đơn vị được gửi hoặc xem xét trong 30 ngày qua" in html
    assert f"{told.number} · Nguyễn Văn Hùng · Đã gửi, chờ xem xét" in html
    assert "Lê Văn Khác" not in html

    services.record_confirm(record=told, reviewer=reviewer)
    html = client.get(reverse("home")).content.decode()
    assert f"{told.number} · Nguyễn Văn Hùng · Đã xác nhận" in html
