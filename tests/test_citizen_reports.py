"""Citizen reports (phản ánh): the public form, the tracking page, the reviewer's verification."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from core.errors import DomainError
from inspections import services as record_services
from inspections.citizen_report_services import (
    NOT_BEING_VERIFIED,
    NOT_RECEIVED,
    OCCURRED_IN_FUTURE,
    REASON_REQUIRED,
    STAFF_NOT_POSTED,
    TOO_MANY_LOOKUPS,
    TOO_MANY_REPORTS,
    UNIT_NOT_CURRENT,
    report_close,
    report_confirm,
    report_start_verification,
    report_submit,
)
from inspections.models import (
    CitizenReport,
    RecordSource,
    RecordStatus,
    ReportStatus,
    ViolationRecord,
    ViolationType,
)
from personnel.models import Posting, Staff, StaffCategory, Unit, UnitKind
from personnel.services import staff_transfer
from tests.factories import make_user

SUBMIT = reverse("citizen_reports:submit")
CONTACT = {
    "contact_name": "Phạm Thị Lan",
    "contact_phone": "0912 345 678",
    "contact_email": "lan.pham@example.vn",
}
DESCRIPTION = "Cán bộ tiếp dân vắng mặt suốt buổi sáng, không có ai thay."
BADGE = "P-A.001088012345.CC"


def local_input(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def yesterday() -> datetime.datetime:
    return (timezone.now() - datetime.timedelta(days=1)).replace(second=0, microsecond=0)


@pytest.fixture
def hung(unit_a):
    staff = Staff.objects.create(
        code="S001",
        full_name="Nguyễn Văn Hùng",
        category=StaffCategory.CONG_CHUC,
        badge_number=BADGE,
    )
    Posting.objects.create(staff=staff, unit=unit_a)
    return staff


@pytest.fixture
def hoa(unit_a):
    staff = Staff.objects.create(
        code="S002", full_name="Lê Thị Hoa", category=StaffCategory.VIEN_CHUC
    )
    Posting.objects.create(staff=staff, unit=unit_a)
    return staff


def form_data(unit: Unit, **overrides) -> dict:
    return {
        "unit": unit.pk,
        "staff_hint": BADGE,
        "occurred_at": local_input(yesterday()),
        "description": DESCRIPTION,
        **CONTACT,
        "website": "",
        **overrides,
    }


def make_report(unit: Unit, *, status=ReportStatus.RECEIVED, **fields) -> CitizenReport:
    report = report_submit(
        unit=unit,
        occurred_at=yesterday(),
        description=DESCRIPTION,
        **{"staff_hint": BADGE, "sender_address": "203.0.113.7", **CONTACT, **fields},
    )
    if status == ReportStatus.RECEIVED:
        return report
    CitizenReport.objects.filter(pk=report.pk).update(status=status)
    report.refresh_from_db()
    return report


# --- The public side --------------------------------------------------------------------


def test_it_takes_a_report_through_to_a_record_and_keeps_the_tracking_page_impersonal(
    client, reviewer, hung, hoa
):
    sent = client.post(SUBMIT, form_data(hung.postings.get().unit), follow=True)

    report = CitizenReport.objects.get()
    track_url = reverse("citizen_reports:track", args=[report.tracking_code])
    assert sent.redirect_chain == [(reverse("citizen_reports:sent"), 302)]
    assert report.tracking_code in sent.content.decode()
    assert f'href="{track_url}"' in sent.content.decode()
    assert report.status == ReportStatus.RECEIVED
    assert (report.contact_name, report.contact_phone) == ("Phạm Thị Lan", "0912 345 678")
    assert "Đã tiếp nhận" in client.get(track_url).content.decode()

    reviewer_client = Client()  # a second browser: the citizen's and the reviewer's at once
    reviewer_client.force_login(reviewer)
    detail = reviewer_client.get(reverse("citizen_reports:detail", args=[report.pk]))
    assert "Phạm Thị Lan" in detail.content.decode()
    assert "lan.pham@example.vn" in detail.content.decode()
    reviewer_client.post(reverse("citizen_reports:start_verification", args=[report.pk]))
    assert "Đang xác minh" in client.get(track_url).content.decode()
    confirm_page = reviewer_client.get(reverse("citizen_reports:detail", args=[report.pk]))
    # The badge number the sender gave picks the person.
    assert f'<option value="{hung.pk}" selected>' in confirm_page.content.decode()
    reviewer_client.post(
        reverse("citizen_reports:confirm", args=[report.pk]),
        {"staff": hung.pk, "violation_type": ViolationType.ABSENT_WITHOUT_REASON},
    )

    report.refresh_from_db()
    record = ViolationRecord.objects.get()
    assert report.status == ReportStatus.CONFIRMED
    assert report.record == record
    assert report.staff == hung
    assert report.verified_by == reviewer
    assert report.verified_at is not None
    assert (record.staff, record.unit, record.type) == (
        hung,
        hung.postings.get().unit,
        ViolationType.ABSENT_WITHOUT_REASON,
    )
    # Submitted at once, for another reviewer: whoever verified it does not confirm it.
    assert (record.status, record.source, record.author) == (
        RecordStatus.SUBMITTED,
        RecordSource.CITIZEN_REPORT,
        reviewer,
    )
    assert record.occurred_at == report.occurred_at
    assert record.number is not None
    assert record_services.review_refusal(record=record, reviewer=reviewer) is not None
    tracking = client.get(track_url).content.decode()
    assert "Đã xác nhận" in tracking
    assert "biên bản đang chờ cán bộ khác xem xét" in tracking
    assert "Phường Đông Kinh" in tracking
    for personal in [
        "Nguyễn Văn Hùng",
        BADGE,
        "Phạm Thị Lan",
        "0912 345 678",
        "lan.pham@example.vn",
        DESCRIPTION,
    ]:
        assert personal not in tracking


def test_it_links_the_anonymous_home_page_to_the_form(client, db):
    html = client.get(reverse("home")).content.decode()

    assert f'href="{SUBMIT}"' in html
    assert f'href="{reverse("citizen_reports:lookup")}"' in html


def test_it_opens_only_the_public_pages_to_anonymous_visitors(client, unit_a):
    report = make_report(unit_a)

    track = reverse("citizen_reports:track", args=[report.tracking_code])

    assert client.get(SUBMIT).status_code == 200
    assert client.get(reverse("citizen_reports:lookup")).status_code == 200
    assert client.get(track).status_code == 200
    for method, url in reviewer_requests(report):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"
    report.refresh_from_db()
    assert report.status == ReportStatus.RECEIVED


def test_it_offers_only_current_units(client, unit_a):
    merged = Unit.objects.create(
        code="P-OLD",
        name="Phường Cũ Đã Sáp Nhập",
        kind=UnitKind.WARD,
        valid_to=datetime.date(2025, 6, 30),
        successor=unit_a,
    )

    html = client.get(SUBMIT).content.decode()
    refused = client.post(SUBMIT, form_data(merged))

    assert "Phường Đông Kinh" in html
    assert "Phường Cũ Đã Sáp Nhập" not in html
    assert refused.status_code == 200
    assert CitizenReport.objects.count() == 0


def test_it_has_no_inline_style_and_hides_the_trap_with_a_class(client, db):
    html = client.get(SUBMIT).content.decode()

    assert " style=" not in html
    assert "<style" not in html
    assert "<script>" not in html
    assert 'class="citizen-report__trap" aria-hidden="true"' in html
    assert 'name="website"' in html


def test_it_pretends_success_but_stores_nothing_when_the_honeypot_is_filled(client, unit_a):
    response = client.post(SUBMIT, form_data(unit_a, website="http://spam.example"), follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [(reverse("citizen_reports:sent"), 302)]
    assert "Mã theo dõi phản ánh" in html
    assert CitizenReport.objects.count() == 0


def test_it_refuses_the_sixth_report_in_an_hour_from_one_address(client, unit_a, settings):
    assert settings.CITIZEN_REPORTS_PER_HOUR == 5
    for _ in range(5):
        assert client.post(SUBMIT, form_data(unit_a)).status_code == 302

    refused = client.post(SUBMIT, form_data(unit_a))

    assert refused.status_code == 429
    with translation.override("vi"):
        assert str(TOO_MANY_REPORTS) in refused.content.decode()
    assert "Đã có quá nhiều phản ánh gửi từ kết nối này trong một giờ qua" in (
        refused.content.decode()
    )
    assert CitizenReport.objects.count() == 5


def test_it_counts_each_address_apart_and_forgets_after_an_hour(client, unit_a, settings):
    settings.CITIZEN_REPORTS_PER_HOUR = 1
    assert client.post(SUBMIT, form_data(unit_a)).status_code == 302
    assert client.post(SUBMIT, form_data(unit_a)).status_code == 429

    other_address = client.post(SUBMIT, form_data(unit_a), REMOTE_ADDR="198.51.100.20")
    CitizenReport.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=61))
    an_hour_later = client.post(SUBMIT, form_data(unit_a))

    assert other_address.status_code == 302
    assert an_hour_later.status_code == 302
    assert CitizenReport.objects.count() == 3


def test_it_keeps_a_keyed_hash_of_the_address_not_the_address(client, unit_a):
    client.post(SUBMIT, form_data(unit_a), REMOTE_ADDR="198.51.100.20")

    report = CitizenReport.objects.get()
    assert len(report.sender_hash) == 64
    assert "198.51.100.20" not in report.sender_hash
    assert report.sender_hash != CitizenReport._meta.get_field("sender_hash").default


def test_it_refuses_a_time_in_the_future(client, unit_a):
    tomorrow = timezone.now() + datetime.timedelta(days=1)

    response = client.post(SUBMIT, form_data(unit_a, occurred_at=local_input(tomorrow)))

    assert response.status_code == 200
    assert "Thời điểm xảy ra không thể ở tương lai." in response.content.decode()
    assert CitizenReport.objects.count() == 0


def test_the_service_refuses_a_time_in_the_future(unit_a):
    with pytest.raises(DomainError) as refused:
        report_submit(
            unit=unit_a,
            staff_hint="",
            occurred_at=timezone.now() + datetime.timedelta(minutes=5),
            description=DESCRIPTION,
            sender_address="203.0.113.7",
        )

    assert refused.value.args[0] == OCCURRED_IN_FUTURE
    assert CitizenReport.objects.count() == 0


@pytest.mark.parametrize("description", ["", "   "])
def test_it_refuses_a_missing_description(client, unit_a, description):
    response = client.post(SUBMIT, form_data(unit_a, description=description))

    assert response.status_code == 200
    assert "Vui lòng mô tả sự việc." in response.content.decode()
    assert CitizenReport.objects.count() == 0


def test_it_refuses_a_malformed_contact(client, unit_a):
    response = client.post(
        SUBMIT, form_data(unit_a, contact_phone="gọi tôi", contact_email="không-phải-email")
    )

    assert response.status_code == 200
    assert CitizenReport.objects.count() == 0


def test_it_accepts_a_report_without_staff_or_contact(client, unit_a):
    data = form_data(unit_a, staff_hint="", contact_name="", contact_phone="", contact_email="")

    assert client.post(SUBMIT, data).status_code == 302
    report = CitizenReport.objects.get()
    assert (report.staff_hint, report.contact_name, report.contact_email) == ("", "", "")


def test_it_gives_unguessable_unambiguous_tracking_codes(unit_a):
    codes = {make_report(unit_a, sender_address=f"10.0.0.{n}").tracking_code for n in range(5)}

    assert len(codes) == 5
    for code in codes:
        assert len(code) == 10
        assert not set(code) & set("01OIL")


def test_it_finds_a_report_by_a_code_typed_loosely(client, unit_a):
    report = make_report(unit_a)
    typed = f" {report.tracking_code[:5].lower()}-{report.tracking_code[5:].lower()} "

    response = client.get(reverse("citizen_reports:lookup"), {"code": typed})

    assert response.status_code == 302
    assert response["Location"] == reverse("citizen_reports:track", args=[report.tracking_code])


def test_it_says_when_a_looked_up_code_is_unknown(client, db):
    response = client.get(reverse("citizen_reports:lookup"), {"code": "ABCDEFGHJK"})

    assert response.status_code == 200
    assert "Không có phản ánh nào có mã theo dõi này" in response.content.decode()


def test_it_answers_404_for_an_unknown_tracking_code(client, db):
    response = client.get(reverse("citizen_reports:track", args=["ABCDEFGHJK"]))

    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


LOOKUP = reverse("citizen_reports:lookup")


def unknown_codes(count: int) -> list[str]:
    """Well-formed tracking codes that match no report (no report's code has a digit 0)."""
    return [f"ABCDEFG{number:03d}" for number in range(count)]


def test_it_refuses_every_lookup_from_an_address_past_ten_unknown_codes(client, unit_a, settings):
    assert settings.TRACKING_CODE_MISSES_PER_HOUR == 10
    report = make_report(unit_a)
    for code in unknown_codes(10):
        assert client.get(LOOKUP, {"code": code}).status_code == 200

    guessed = client.get(LOOKUP, {"code": "ABCDEFG999"})
    known = client.get(LOOKUP, {"code": report.tracking_code})
    tracked = client.get(reverse("citizen_reports:track", args=[report.tracking_code]))

    for refused in (guessed, known, tracked):
        assert refused.status_code == 429
        with translation.override("vi"):
            assert str(TOO_MANY_LOOKUPS) in refused.content.decode()
    assert "Đã tiếp nhận" not in tracked.content.decode()


def test_it_throttles_guesses_on_the_tracking_page_too(client, unit_a, settings):
    settings.TRACKING_CODE_MISSES_PER_HOUR = 2
    report = make_report(unit_a)
    for code in unknown_codes(2):
        assert client.get(reverse("citizen_reports:track", args=[code])).status_code == 404

    refused = client.get(reverse("citizen_reports:track", args=[report.tracking_code]))

    assert refused.status_code == 429


def test_it_counts_only_unknown_codes_each_address_apart_for_an_hour(client, unit_a, settings):
    settings.TRACKING_CODE_MISSES_PER_HOUR = 1
    report = make_report(unit_a)
    found = [client.get(LOOKUP, {"code": report.tracking_code}).status_code for _ in range(5)]
    client.get(LOOKUP, {"code": unknown_codes(1)[0]})

    refused = client.get(LOOKUP, {"code": report.tracking_code})
    other_address = client.get(LOOKUP, {"code": report.tracking_code}, REMOTE_ADDR="198.51.100.20")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=61)):
        an_hour_later = client.get(LOOKUP, {"code": report.tracking_code})

    assert found == [302] * 5
    assert refused.status_code == 429
    assert other_address.status_code == 302
    assert an_hour_later.status_code == 302


def test_it_sends_back_to_the_form_when_the_sent_page_is_opened_directly(client, db):
    response = client.get(reverse("citizen_reports:sent"))

    assert response.status_code == 302
    assert response["Location"] == SUBMIT


def test_it_shows_the_public_form_in_english_when_chosen(client, db, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(SUBMIT).content.decode()

    assert '<html lang="en">' in html
    assert "Report a staff member's conduct" in html
    assert "What happened" in html
    assert "Send the report" in html


def test_it_shows_the_public_form_in_vietnamese_by_default(client, db):
    html = client.get(SUBMIT).content.decode()

    assert "Phản ánh về cán bộ, công chức" in html
    assert "Gửi phản ánh" in html


# --- The reviewer's side ----------------------------------------------------------------


def reviewer_requests(report: CitizenReport) -> list[tuple[str, str]]:
    return [
        ("get", reverse("citizen_reports:list")),
        ("get", reverse("citizen_reports:detail", args=[report.pk])),
        ("post", reverse("citizen_reports:start_verification", args=[report.pk])),
        ("post", reverse("citizen_reports:close", args=[report.pk])),
        ("post", reverse("citizen_reports:confirm", args=[report.pk])),
    ]


@pytest.mark.parametrize("persona", ["inspector", "council_member", "unit_head", "outsider"])
@pytest.mark.parametrize(
    ("view", "method"),
    [
        ("list", "get"),
        ("detail", "get"),
        ("start_verification", "post"),
        ("close", "post"),
        ("confirm", "post"),
    ],
)
def test_it_refuses_non_reviewers_every_reviewer_view_and_action(
    client, request, unit_a, hung, persona, view, method
):
    report = make_report(unit_a, status=ReportStatus.VERIFYING)
    client.force_login(request.getfixturevalue(persona))
    args = [] if view == "list" else [report.pk]
    data = {"reason": "x", "staff": hung.pk, "violation_type": ViolationType.OTHER}

    response = getattr(client, method)(reverse(f"citizen_reports:{view}", args=args), data)

    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.VERIFYING
    assert ViolationRecord.objects.count() == 0


def test_it_shows_the_reviewer_menu_entry_to_reviewers_only(client, reviewer, inspector):
    link = f'href="{reverse("citizen_reports:list")}"'
    client.force_login(reviewer)
    assert link in client.get(reverse("home")).content.decode()
    assert "Phản ánh của người dân" in client.get(reverse("home")).content.decode()
    client.force_login(inspector)
    assert link not in client.get(reverse("home")).content.decode()


def test_it_filters_the_list_by_status_and_unit(client, reviewer, unit_a, unit_b):
    received_a = make_report(unit_a)
    verifying_a = make_report(unit_a, status=ReportStatus.VERIFYING)
    received_b = make_report(unit_b)
    client.force_login(reviewer)
    url = reverse("citizen_reports:list")

    everything = client.get(url).content.decode()
    by_status = client.get(url, {"status": "received"}).content.decode()
    by_both = client.get(url, {"status": "received", "unit": unit_b.pk}).content.decode()

    assert all(r.tracking_code in everything for r in (received_a, verifying_a, received_b))
    assert received_a.tracking_code in by_status
    assert received_b.tracking_code in by_status
    assert verifying_a.tracking_code not in by_status
    assert received_b.tracking_code in by_both
    assert received_a.tracking_code not in by_both


def bulk_reports(unit: Unit, count: int) -> None:
    occurred = yesterday()
    CitizenReport.objects.bulk_create(
        CitizenReport(
            tracking_code=f"T{n:09d}",
            unit=unit,
            occurred_at=occurred,
            description=DESCRIPTION,
            sender_hash="0" * 64,
            status=ReportStatus.RECEIVED,
        )
        for n in range(count)
    )


@pytest.mark.parametrize("count", [10, 1000])
def test_it_lists_reports_in_the_same_number_of_queries_at_10_and_1000(
    client, reviewer, unit_a, unit_b, count, django_assert_num_queries
):
    bulk_reports(unit_a, count)
    client.force_login(reviewer)

    # 1 session, 2 the user with their roles, 3 count of reports, 4 the units of the filter,
    # 5 one page of reports with their unit (the session, saved at sign-in, is not saved again
    # within a minute).
    with django_assert_num_queries(5):
        response = client.get(reverse("citizen_reports:list"), {"status": "received"})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == count


def test_it_shows_a_report_in_local_time_with_day_first(client, reviewer, unit_a):
    report = make_report(unit_a)
    moment = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    CitizenReport.objects.filter(pk=report.pk).update(occurred_at=moment)
    client.force_login(reviewer)

    html = client.get(reverse("citizen_reports:detail", args=[report.pk])).content.decode()

    assert "02/03/2026 06:30" in html


def test_it_starts_verification_once(client, reviewer, unit_a):
    report = make_report(unit_a)
    client.force_login(reviewer)
    url = reverse("citizen_reports:start_verification", args=[report.pk])

    client.post(url)
    started_at = CitizenReport.objects.get().verification_started_at
    again = client.post(url, follow=True)

    report.refresh_from_db()
    assert report.status == ReportStatus.VERIFYING
    assert report.verification_started_by == reviewer
    assert report.verification_started_at == started_at
    assert "Chỉ có thể bắt đầu xác minh" in again.content.decode()


def test_it_closes_a_report_with_a_reason(client, reviewer, unit_a):
    report = make_report(unit_a, status=ReportStatus.VERIFYING)
    client.force_login(reviewer)

    response = client.post(
        reverse("citizen_reports:close", args=[report.pk]),
        {"reason": "Đã xác minh: cán bộ đi công tác theo lịch, có quyết định cử đi."},
    )

    report.refresh_from_db()
    assert response.status_code == 302
    assert report.status == ReportStatus.NOT_CONFIRMED
    assert report.closing_reason.startswith("Đã xác minh: cán bộ đi công tác")
    assert report.verified_by == reviewer
    assert report.record is None
    assert ViolationRecord.objects.count() == 0
    tracking = client.get(reverse("citizen_reports:track", args=[report.tracking_code]))
    # The citizen is told why, in the reviewer's words.
    assert "Không được xác nhận" in tracking.content.decode()
    assert "Lý do: Đã xác minh: cán bộ đi công tác theo lịch" in tracking.content.decode()


def test_it_refuses_to_close_without_a_reason(client, reviewer, unit_a):
    report = make_report(unit_a, status=ReportStatus.VERIFYING)
    client.force_login(reviewer)

    response = client.post(
        reverse("citizen_reports:close", args=[report.pk]), {"reason": "  "}, follow=True
    )

    report.refresh_from_db()
    assert "Hãy nêu lý do đóng phản ánh." in response.content.decode()
    assert report.status == ReportStatus.VERIFYING
    assert report.closing_reason == ""
    assert report.verified_at is None


def test_the_service_refuses_to_close_without_a_reason(reviewer, unit_a):
    report = make_report(unit_a, status=ReportStatus.VERIFYING)

    with pytest.raises(DomainError) as refused:
        report_close(report=report, reviewer=reviewer, reason=" ")

    assert refused.value.args[0] == REASON_REQUIRED
    report.refresh_from_db()
    assert report.status == ReportStatus.VERIFYING


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (ReportStatus.VERIFYING, "start", NOT_RECEIVED),
        (ReportStatus.NOT_CONFIRMED, "start", NOT_RECEIVED),
        (ReportStatus.RECEIVED, "close", NOT_BEING_VERIFIED),
        (ReportStatus.NOT_CONFIRMED, "close", NOT_BEING_VERIFIED),
        (ReportStatus.RECEIVED, "confirm", NOT_BEING_VERIFIED),
        (ReportStatus.NOT_CONFIRMED, "confirm", NOT_BEING_VERIFIED),
    ],
)
def test_it_refuses_a_transition_not_allowed_from_the_state(
    reviewer, unit_a, hung, status, action, message
):
    extra = {"closing_reason": "Đã đóng."} if status == ReportStatus.NOT_CONFIRMED else {}
    report = make_report(unit_a)
    CitizenReport.objects.filter(pk=report.pk).update(status=status, **extra)
    before = CitizenReport.objects.values().get(pk=report.pk)
    transitions = {
        "start": lambda: report_start_verification(report=report, reviewer=reviewer),
        "close": lambda: report_close(report=report, reviewer=reviewer, reason="Lý do"),
        "confirm": lambda: report_confirm(
            report=report, reviewer=reviewer, staff=hung, violation_type=ViolationType.OTHER
        ),
    }

    with pytest.raises(DomainError) as refused:
        transitions[action]()

    assert refused.value.args[0] == message
    assert CitizenReport.objects.values().get(pk=report.pk) == before
    assert ViolationRecord.objects.count() == 0


def test_it_refuses_to_confirm_a_confirmed_report_again(reviewer, unit_a, hung):
    report = make_report(unit_a, status=ReportStatus.VERIFYING)
    report_confirm(report=report, reviewer=reviewer, staff=hung, violation_type="no_badge")

    with pytest.raises(DomainError) as refused:
        report_confirm(report=report, reviewer=reviewer, staff=hung, violation_type="no_badge")

    assert refused.value.args[0] == NOT_BEING_VERIFIED
    assert ViolationRecord.objects.count() == 1


def test_it_refuses_a_person_posted_nowhere_that_day(reviewer, unit_a):
    report = make_report(unit_a, status=ReportStatus.VERIFYING)
    newcomer = Staff.objects.create(code="S009", full_name="Đỗ Văn Mới", category="cong_chuc")
    Posting.objects.create(staff=newcomer, unit=unit_a, starts_on=timezone.localdate())

    with pytest.raises(DomainError) as refused:
        report_confirm(report=report, reviewer=reviewer, staff=newcomer, violation_type="other")

    assert refused.value.args[0] == STAFF_NOT_POSTED
    report.refresh_from_db()
    assert report.status == ReportStatus.VERIFYING
    assert ViolationRecord.objects.count() == 0


def test_it_records_the_unit_the_person_was_in_that_day(reviewer, unit_a, unit_b, hung):
    report = make_report(unit_b, status=ReportStatus.VERIFYING)
    # Moved to unit_b only today: on the day of the report the person was still in unit_a.
    staff_transfer(staff=hung, unit=unit_b, on=timezone.localdate())

    record = report_confirm(
        report=report, reviewer=reviewer, staff=hung, violation_type=ViolationType.NO_BADGE
    )

    assert record.unit == unit_a


def test_it_refuses_in_the_view_a_person_not_on_the_units_list(client, reviewer, unit_a, unit_b):
    report = make_report(unit_a, status=ReportStatus.VERIFYING)
    stranger = Staff.objects.create(code="S077", full_name="Vũ Thị Xa", category="vien_chuc")
    Posting.objects.create(staff=stranger, unit=unit_b)
    client.force_login(reviewer)

    client.post(
        reverse("citizen_reports:confirm", args=[report.pk]),
        {"staff": stranger.pk, "violation_type": ViolationType.OTHER},
    )

    report.refresh_from_db()
    assert report.status == ReportStatus.VERIFYING
    assert ViolationRecord.objects.count() == 0


def test_it_shows_the_units_staff_to_choose_from(client, reviewer, unit_a, unit_b, hung, hoa):
    stranger = Staff.objects.create(code="S077", full_name="Vũ Thị Xa", category="vien_chuc")
    Posting.objects.create(staff=stranger, unit=unit_b)
    report = make_report(unit_a, status=ReportStatus.VERIFYING, staff_hint="")
    client.force_login(reviewer)

    html = client.get(reverse("citizen_reports:detail", args=[report.pk])).content.decode()

    assert "Nguyễn Văn Hùng" in html
    assert "Lê Thị Hoa" in html
    assert "Vũ Thị Xa" not in html


@pytest.mark.postgresql
@pytest.mark.parametrize(
    ("status", "action"),
    [
        (ReportStatus.RECEIVED, "start"),
        (ReportStatus.VERIFYING, "close"),
        (ReportStatus.VERIFYING, "confirm"),
    ],
)
def test_it_locks_the_report_row_in_every_transition(reviewer, unit_a, hung, status, action):
    report = make_report(unit_a, status=status)
    transitions = {
        "start": lambda: report_start_verification(report=report, reviewer=reviewer),
        "close": lambda: report_close(report=report, reviewer=reviewer, reason="Lý do"),
        "confirm": lambda: report_confirm(
            report=report, reviewer=reviewer, staff=hung, violation_type=ViolationType.OTHER
        ),
    }

    with CaptureQueriesContext(connection) as captured:
        transitions[action]()

    locks = [q["sql"] for q in captured.captured_queries if "FOR UPDATE" in q["sql"]]
    # The report's row is locked first and once; the record workflow called by "confirm"
    # takes its own locks (the audit chain's head) after it.
    report_locks = [sql for sql in locks if 'FROM "inspections_citizenreport"' in sql]
    assert len(report_locks) == 1
    assert locks[0] == report_locks[0]


@pytest.mark.postgresql
def test_it_serialises_the_reports_of_one_address(unit_a):
    with CaptureQueriesContext(connection) as captured:
        make_report(unit_a)

    sql = [q["sql"] for q in captured.captured_queries]
    lock = next(i for i, q in enumerate(sql) if "pg_advisory_xact_lock" in q)
    count = next(i for i, q in enumerate(sql) if "COUNT(*)" in q)
    insert = next(i for i, q in enumerate(sql) if q.startswith("INSERT"))
    assert lock < count < insert


def test_the_service_refuses_a_unit_that_no_longer_exists(unit_a):
    merged = Unit.objects.create(
        code="P-OLD", name="Phường Cũ", kind=UnitKind.WARD, valid_to=datetime.date(2025, 6, 30)
    )

    with pytest.raises(DomainError) as refused:
        make_report(merged)

    assert refused.value.args[0] == UNIT_NOT_CURRENT
    assert CitizenReport.objects.count() == 0


def test_it_reads_the_time_as_local_time(client, unit_a):
    client.post(SUBMIT, form_data(unit_a, occurred_at="2026-01-05T09:30"))

    report = CitizenReport.objects.get()
    assert report.occurred_at == datetime.datetime(2026, 1, 5, 2, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize("page", ["submit", "lookup", "track"])
def test_it_sends_the_security_headers_on_the_public_pages(client, unit_a, page):
    report = make_report(unit_a)
    args = [report.tracking_code] if page == "track" else []

    response = client.get(reverse(f"citizen_reports:{page}", args=args))

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    if page == "track":
        assert "no-store" in response["Cache-Control"]


def test_it_refuses_to_confirm_without_a_type_of_violation(client, reviewer, unit_a, hung):
    report = make_report(unit_a, status=ReportStatus.VERIFYING)
    client.force_login(reviewer)

    response = client.post(
        reverse("citizen_reports:confirm", args=[report.pk]),
        {"staff": hung.pk, "violation_type": ""},
        follow=True,
    )

    report.refresh_from_db()
    assert response.status_code == 200
    assert report.status == ReportStatus.VERIFYING
    assert ViolationRecord.objects.count() == 0


# Threads need committed rows, hence a transactional test. Its closing flush is limited to
# these apps so that the role groups (auth, made by a data migration) survive for later tests.
CONCURRENT = pytest.mark.django_db(transaction=True, available_apps=["personnel", "inspections"])


def run_at_once(*actions) -> list:
    """Run each action in its own thread and database connection, all starting together."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(index, action):
        barrier.wait()
        try:
            outcomes[index] = action()
        except DomainError as error:
            outcomes[index] = error.message
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.postgresql
@CONCURRENT
def test_it_lets_only_one_of_two_reviewers_confirming_at_once_win(unit_a, hung):
    first, second = make_user("first", role="reviewer"), make_user("second", role="reviewer")
    report = make_report(unit_a, status=ReportStatus.VERIFYING)

    outcomes = run_at_once(
        *(
            lambda who=who: report_confirm(
                report=report, reviewer=who, staff=hung, violation_type=ViolationType.NO_BADGE
            )
            for who in (first, second)
        )
    )

    assert sum(isinstance(outcome, ViolationRecord) for outcome in outcomes) == 1
    assert NOT_BEING_VERIFIED in outcomes
    assert ViolationRecord.objects.count() == 1
    assert CitizenReport.objects.get().record == ViolationRecord.objects.get()


@pytest.mark.postgresql
@CONCURRENT
def test_it_keeps_the_rate_limit_when_reports_arrive_at_once(unit_a, settings):
    settings.CITIZEN_REPORTS_PER_HOUR = 1

    outcomes = run_at_once(*(lambda: make_report(unit_a) for _ in range(3)))

    assert sum(isinstance(outcome, CitizenReport) for outcome in outcomes) == 1
    assert outcomes.count(TOO_MANY_REPORTS) == 2
    assert CitizenReport.objects.count() == 1


def test_it_tells_the_review_queue_how_many_reports_wait(client, reviewer, unit_a):
    from inspections.citizen_report_services import report_submit

    for address in ("192.0.2.1", "192.0.2.2"):
        report_submit(
            unit=unit_a,
            staff_hint="",
            occurred_at=timezone.now() - timezone.timedelta(hours=1),
            description="Cán bộ đi muộn.",
            sender_address=address,
        )
    client.force_login(reviewer)

    html = client.get(reverse("inspections:review_queue")).content.decode()

    assert "Có 2 phản ánh của người dân đang chờ xác minh." in html
