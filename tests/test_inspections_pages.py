"""The pages of inspectors, reviewers and unit heads: access, forms, one-time tokens, queries."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import Refusal
from inspections import services
from inspections.models import (
    Appeal,
    AuditEntry,
    ChecklistAnswer,
    Evidence,
    FormSubmission,
    RecordStatus,
    RollCallEntry,
    ViolationRecord,
    Visit,
)
from personnel.models import Posting, Role, Staff
from tests.factories import jpeg, make_user, visit_started_earlier


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def the_round(inspector, unit_a, unit_b):
    today = timezone.localdate()
    return services.round_create(
        code="DX-01", name="Kiểm tra đột xuất đợt 1", kind="surprise", starts_on=today,
        ends_on=today + datetime.timedelta(days=7), lead=inspector, members=[],
        units=[unit_a, unit_b],
    )  # fmt: skip


@pytest.fixture
def person(unit_a):
    staff = Staff.objects.create(code="S001", full_name="Nguyễn Văn An", category="cong_chuc")
    Posting.objects.create(staff=staff, unit=unit_a)
    return staff


@pytest.fixture
def visit(the_round, unit_a, inspector):
    return visit_started_earlier(
        services.visit_start(inspection_round=the_round, unit=unit_a, actor=inspector)
    )


@pytest.fixture
def draft(visit, inspector, person, unit_a):
    return services.record_create(
        author=inspector, staff=person, unit=unit_a, visit=visit, type="no_badge",
        occurred_at=timezone.now() - datetime.timedelta(minutes=30), description="Không đeo thẻ.",
    )  # fmt: skip


@pytest.fixture
def submitted(draft, inspector):
    return services.record_submit(record=draft, actor=inspector)


@pytest.fixture
def second_reviewer(db):
    return make_user("reviewer2", role=Role.REVIEWER)


def html_of(response):
    return response.content.decode()


def flash(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


# Rounds and secrecy


def test_it_lists_the_inspectors_rounds(client, inspector, the_round):
    client.force_login(inspector)

    html = html_of(client.get(reverse("inspections:rounds")))

    assert "DX-01 · Kiểm tra đột xuất đợt 1" in html
    assert reverse("inspections:round_detail", args=[the_round.pk]) in html


def test_it_hides_a_surprise_round_from_the_unit_head_before_the_visit(
    client, unit_head, the_round
):
    client.force_login(unit_head)

    assert client.get(reverse("inspections:round_detail", args=[the_round.pk])).status_code == 404


def test_it_shows_the_unit_head_only_their_units_visit_once_started(
    client, unit_head, the_round, visit, inspector, unit_b
):
    services.visit_start(inspection_round=the_round, unit=unit_b, actor=inspector)
    client.force_login(unit_head)

    response = client.get(reverse("inspections:round_detail", args=[the_round.pk]))

    html = html_of(response)
    assert response.status_code == 200
    assert "Phường Đông Kinh" in html
    assert "Xã Hoàng Đồng" not in html  # the other planned unit stays secret
    assert client.get(reverse("inspections:visit_detail", args=[visit.pk])).status_code == 200


def test_it_hides_a_round_from_an_inspector_outside_its_team(client, the_round, visit):
    client.force_login(make_user("stranger", role=Role.INSPECTOR))

    assert client.get(reverse("inspections:round_detail", args=[the_round.pk])).status_code == 404
    assert client.get(reverse("inspections:visit_detail", args=[visit.pk])).status_code == 404


def test_it_starts_a_visit_from_the_round_page(client, inspector, the_round, unit_b):
    member = make_user("member", role=Role.INSPECTOR, first_name="Mai", last_name="Lê")
    the_round.members.add(member)
    client.force_login(inspector)
    page = html_of(client.get(reverse("inspections:round_detail", args=[the_round.pk])))
    assert "Lê Mai" in page

    response = client.post(
        reverse("inspections:visit_start", args=[the_round.pk]),
        {
            "unit": unit_b.pk,
            "representative": "Bà Lan, Chủ tịch UBND xã",
            "inspectors": [inspector.pk, member.pk],
        },
    )

    visit = Visit.objects.get()
    assert response["Location"] == reverse("inspections:visit_detail", args=[visit.pk])
    assert (visit.unit, visit.representative) == (unit_b, "Bà Lan, Chủ tịch UBND xã")
    assert set(visit.inspectors.all()) == {inspector, member}


# Checklist and roll call


def test_it_saves_the_checklist(client, inspector, visit):
    from inspections.selectors import active_checklist_items

    items = active_checklist_items()
    client.force_login(inspector)
    data = {f"item{item.pk}-result": "passed" for item in items}
    data[f"item{items[1].pk}-result"] = "failed"
    data[f"item{items[1].pk}-note"] = "Chưa có quy chế chi tiêu nội bộ năm nay."

    response = client.post(reverse("inspections:checklist", args=[visit.pk]), data)

    assert response.status_code == 302
    assert ChecklistAnswer.objects.filter(visit=visit).count() == 6
    failed = ChecklistAnswer.objects.get(result="failed")
    assert failed.note == "Chưa có quy chế chi tiêu nội bộ năm nay."


def test_it_opens_a_draft_from_a_roll_call_tap(client, inspector, visit, person):
    client.force_login(inspector)
    page = html_of(client.get(reverse("inspections:roll_call", args=[visit.pk])))
    assert "Nguyễn Văn An" in page

    response = client.post(
        reverse("inspections:roll_call", args=[visit.pk]),
        {"staff": person.pk, "attendance": "absent"},
    )

    assert response.status_code == 302
    entry = RollCallEntry.objects.get()
    assert entry.record.type == "absent_without_reason"
    assert entry.record.status == RecordStatus.DRAFT


# Records: the form, the one-time token, bad input


def new_record_data(person, token, **extra):
    return {
        "staff": person.pk,
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "type": "late_or_early_leave",
        "description": "Đến muộn 40 phút.",
        "explanation": "Xe hỏng.",
        "witnesses": "",
        "signature": "refused",
        "token": token,
        **extra,
    }


def test_it_offers_a_camera_input_and_a_one_time_token(client, inspector, visit):
    client.force_login(inspector)

    html = html_of(client.get(reverse("inspections:record_new", args=[visit.pk])))

    assert re.search(r'<input type="file" name="photos"[^>]*accept="image/\*"', html)
    assert 'capture="environment"' in html
    assert re.search(r'name="token" value="[\w-]{40,}"', html)


def test_it_narrows_the_record_form_to_the_person_typed_without_diacritics(
    client, inspector, visit, person, unit_a, unit_b
):
    namesake = Staff.objects.create(
        code="S002", full_name="Nguyễn Văn Ân", category="cong_chuc", badge_number="0101.777.CC"
    )
    Posting.objects.create(staff=namesake, unit=unit_a)
    elsewhere = Staff.objects.create(code="S003", full_name="Nguyễn Văn An", category="cong_chuc")
    Posting.objects.create(staff=elsewhere, unit=unit_b)
    client.force_login(inspector)
    url = reverse("inspections:record_new", args=[visit.pk])

    everyone = re.findall(r'<option value="(\d+)"', html_of(client.get(url)))
    found = client.get(url, {"q": "nguyen van an"})
    exact = client.get(url, {"q": "Nguyễn Văn An"})

    assert sorted(Staff.objects.filter(pk__in=everyone).values_list("code", flat=True)) == [
        "S001",
        "S002",
    ]
    # Both people of the unit fold to "nguyen van an"; the one of another unit is not offered.
    assert sorted(
        found.context["form"].fields["staff"].queryset.values_list("code", flat=True)
    ) == [
        "S001",
        "S002",
    ]
    assert "2 người của đơn vị khớp với “nguyen van an”." in html_of(found)
    assert found.context["form"].initial.get("staff") is None
    # Only one person left: already chosen.
    only = client.get(url, {"q": "777"})  # a part of the badge number
    assert list(only.context["form"].fields["staff"].queryset) == [namesake]
    assert only.context["form"].initial["staff"] == namesake.pk
    # Typed with its diacritics, the name folds the same way: the same two people.
    assert sorted(
        exact.context["form"].fields["staff"].queryset.values_list("code", flat=True)
    ) == ["S001", "S002"]


def test_it_creates_one_record_from_a_form_sent_twice(client, inspector, visit, person):
    client.force_login(inspector)
    url = reverse("inspections:record_new", args=[visit.pk])

    first = client.post(url, new_record_data(person, "tok-1", photos=jpeg()))
    second = client.post(url, new_record_data(person, "tok-1", photos=jpeg()))

    record = ViolationRecord.objects.get()
    assert first["Location"] == second["Location"]
    assert first["Location"] == reverse("inspections:record_detail", args=[record.pk])
    assert (record.author, record.visit, record.signature) == (inspector, visit, "refused")
    assert Evidence.objects.count() == 1
    assert FormSubmission.objects.get().record == record


def test_it_refuses_a_time_in_the_future_with_a_message(client, inspector, visit, person):
    client.force_login(inspector)
    later = (timezone.localtime() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(
        reverse("inspections:record_new", args=[visit.pk]),
        new_record_data(person, "tok-2", occurred_at=later),
    )

    assert response.status_code == 200
    assert "Thời điểm vi phạm không thể ở tương lai." in html_of(response)
    assert ViolationRecord.objects.count() == 0


def test_it_refuses_a_time_before_the_visit_and_notes_the_refusal(client, inspector, visit, person):
    client.force_login(inspector)
    before = timezone.localtime(visit.started_at) - datetime.timedelta(days=400)

    response = client.post(
        reverse("inspections:record_new", args=[visit.pk]),
        new_record_data(person, "tok-5", occurred_at=before.strftime("%Y-%m-%dT%H:%M")),
    )

    started = timezone.localtime(visit.started_at).strftime("%H:%M, %d/%m/%Y")
    assert f"phải từ lúc bắt đầu buổi kiểm tra ({started}) đến hiện tại" in html_of(response)
    assert ViolationRecord.objects.count() == 0
    refusal = Refusal.objects.get()
    assert (refusal.action, refusal.actor) == ("record.create", inspector.username)
    assert refusal.subject == f"inspections.visit {visit.pk}"
    assert started in refusal.message


def test_it_refuses_a_photo_that_is_not_an_image_with_a_message(client, inspector, visit, person):
    client.force_login(inspector)
    fake = SimpleUploadedFile("anh.jpg", b"not an image at all", content_type="image/jpeg")

    response = client.post(
        reverse("inspections:record_new", args=[visit.pk]),
        new_record_data(person, "tok-3", photos=fake),
    )

    assert "Tệp này không phải ảnh JPEG, PNG hoặc WebP." in html_of(response)
    assert (ViolationRecord.objects.count(), Evidence.objects.count()) == (0, 0)


def test_it_offers_only_the_people_of_the_visited_unit(client, inspector, visit, person, unit_b):
    elsewhere = Staff.objects.create(code="S002", full_name="Lý Thị Hoa", category="vien_chuc")
    Posting.objects.create(staff=elsewhere, unit=unit_b)
    client.force_login(inspector)

    response = client.post(
        reverse("inspections:record_new", args=[visit.pk]),
        new_record_data(person, "tok-4", staff=elsewhere.pk),
    )

    assert response.status_code == 200
    assert "Lý Thị Hoa" not in html_of(response)
    assert ViolationRecord.objects.count() == 0


def test_it_lets_the_author_change_and_submit_a_draft(client, inspector, draft):
    client.force_login(inspector)
    data = {
        "staff": draft.staff_id,
        "occurred_at": timezone.localtime(draft.occurred_at).strftime("%Y-%m-%dT%H:%M"),
        "type": "no_badge",
        "description": "Không đeo thẻ khi tiếp công dân.",
        "signature": "signed",
    }

    client.post(reverse("inspections:record_edit", args=[draft.pk]), data)
    client.post(reverse("inspections:record_submit", args=[draft.pk]), {"confirmed": "yes"})

    draft.refresh_from_db()
    assert draft.description == "Không đeo thẻ khi tiếp công dân."
    assert draft.status == RecordStatus.SUBMITTED
    assert draft.number == "1/BB-KTCV"


# Review


def test_it_confirms_from_the_record_page(client, reviewer, submitted):
    client.force_login(reviewer)
    page = html_of(client.get(reverse("inspections:record_detail", args=[submitted.pk])))
    assert reverse("inspections:record_confirm", args=[submitted.pk]) in page

    response = client.post(
        reverse("inspections:record_confirm", args=[submitted.pk]), {"note": "", "confirmed": "yes"}
    )

    submitted.refresh_from_db()
    assert response["Location"] == reverse("inspections:record_detail", args=[submitted.pk])
    assert submitted.status == RecordStatus.CONFIRMED


def test_it_refuses_a_dismissal_without_reason_with_a_message(client, reviewer, submitted):
    client.force_login(reviewer)

    response = client.post(
        reverse("inspections:record_dismiss", args=[submitted.pk]),
        {"reason": "", "confirmed": "yes"},
        follow=True,
    )

    assert "Hãy nêu lý do." in flash(response)
    submitted.refresh_from_db()
    assert submitted.status == RecordStatus.SUBMITTED


def test_it_refuses_a_reviewer_confirming_their_own_record(client, person, unit_a):
    both = make_user("both", role=Role.REVIEWER)
    record = services.record_create(
        author=both, staff=person, unit=unit_a, type="other", description="Khác.",
        occurred_at=timezone.now(),
    )  # fmt: skip
    services.record_submit(record=record, actor=both)
    client.force_login(both)

    response = client.post(
        reverse("inspections:record_confirm", args=[record.pk]), {"confirmed": "yes"}, follow=True
    )

    assert "Bạn không thể xem xét biên bản do chính mình lập." in flash(response)
    record.refresh_from_db()
    assert record.status == RecordStatus.SUBMITTED


def test_it_takes_an_appeal_from_the_unit_head_and_a_decision(
    client, reviewer, second_reviewer, unit_head, submitted
):
    services.record_confirm(record=submitted, reviewer=reviewer)
    client.force_login(unit_head)
    client.post(
        reverse("inspections:record_appeal", args=[submitted.pk]), {"reason": "Có giấy phép."}
    )
    client.force_login(second_reviewer)

    client.post(
        reverse("inspections:appeal_decide", args=[submitted.pk]),
        {"outcome": "overturned", "reason": "Giấy phép hợp lệ."},
    )

    submitted.refresh_from_db()
    assert submitted.status == RecordStatus.OVERTURNED
    appeal = Appeal.objects.get()
    assert (appeal.lodged_by, appeal.decided_by) == (unit_head, second_reviewer)


def test_it_names_what_a_decision_lacks_and_decides_nothing(
    client, reviewer, second_reviewer, unit_head, submitted
):
    services.record_confirm(record=submitted, reviewer=reviewer)
    services.record_appeal(record=submitted, actor=unit_head, reason="Có giấy phép.")
    client.force_login(second_reviewer)
    url = reverse("inspections:appeal_decide", args=[submitted.pk])

    no_outcome = client.post(url, {"reason": "Giấy phép hợp lệ."}, follow=True)
    nul_reason = client.post(url, {"outcome": "overturned", "reason": "a\x00b"}, follow=True)

    assert "Hãy chọn giữ nguyên hoặc hủy bỏ." in flash(no_outcome)
    assert "Không được có ký tự null (NUL)." in flash(nul_reason)
    submitted.refresh_from_db()
    assert submitted.status == RecordStatus.CONFIRMED
    assert Appeal.objects.get().outcome == "pending"


def test_it_shows_the_history_on_the_record_page(client, reviewer, submitted):
    client.force_login(reviewer)

    html = html_of(client.get(reverse("inspections:record_detail", args=[submitted.pk])))

    assert "Tạo mới" in html
    assert "Đã gửi" in html


def test_it_filters_the_review_queue(client, reviewer, submitted, inspector, unit_b):
    other_person = Staff.objects.create(code="S050", full_name="Đỗ Văn Bảo", category="can_bo")
    Posting.objects.create(staff=other_person, unit=unit_b)
    other = services.record_create(
        author=inspector, staff=other_person, unit=unit_b, type="alcohol_on_duty",
        description="Uống rượu.", occurred_at=timezone.now() - datetime.timedelta(days=3),
    )  # fmt: skip
    services.record_submit(record=other, actor=inspector)
    client.force_login(reviewer)
    url = reverse("inspections:review_queue")
    three_days_ago = timezone.localdate() - datetime.timedelta(days=3)

    everything = html_of(client.get(url))
    by_unit = html_of(client.get(url, {"unit": unit_b.pk}))
    by_type = html_of(client.get(url, {"type": "no_badge"}))
    by_round = html_of(client.get(url, {"round": submitted.visit.round_id}))
    by_date = html_of(client.get(url, {"day_to": three_days_ago.isoformat()}))

    assert "Nguyễn Văn An" in everything and "Đỗ Văn Bảo" in everything
    assert "Đỗ Văn Bảo" in by_unit and "Nguyễn Văn An" not in by_unit
    assert "Nguyễn Văn An" in by_type and "Đỗ Văn Bảo" not in by_type
    assert "Nguyễn Văn An" in by_round and "Đỗ Văn Bảo" not in by_round
    assert "Đỗ Văn Bảo" in by_date and "Nguyễn Văn An" not in by_date


def test_it_shows_the_unit_head_their_units_records_once_submitted(
    client, unit_head, draft, inspector, person, unit_a
):
    client.force_login(unit_head)
    url = reverse("inspections:unit_records")
    before = html_of(client.get(url))

    services.record_submit(record=draft, actor=inspector)
    after = html_of(client.get(url))

    assert "Nguyễn Văn An" not in before
    assert "Nguyễn Văn An" in after
    assert client.get(reverse("inspections:record_detail", args=[draft.pk])).status_code == 200


def test_it_hides_other_units_records_from_a_unit_head(client, submitted, unit_b):
    client.force_login(make_user("head_b", role=Role.UNIT_HEAD, unit=unit_b))

    assert "Nguyễn Văn An" not in html_of(client.get(reverse("inspections:unit_records")))
    assert client.get(reverse("inspections:record_detail", args=[submitted.pk])).status_code == 404


def test_it_hides_a_draft_from_everyone_but_its_author(client, reviewer, unit_head, draft):
    for user in (reviewer, unit_head):
        client.force_login(user)
        assert client.get(reverse("inspections:record_detail", args=[draft.pk])).status_code == 404


# Every view that changes data refuses those without the role (403), and changes nothing.

# Signed in, but without the role the view admits.
NO_INSPECTOR = ["reviewer", "unit_head", "council_member", "outsider"]
NO_REVIEWER = ["inspector", "unit_head", "council_member", "outsider"]
APPEAL = {"reason": "x"}
DECIDE = {"outcome": "overturned", "reason": "x"}
CHANGES = [
    ("inspections:visit_start", "round", {"unit": "unit"}, NO_INSPECTOR),
    ("inspections:visit_finish", "visit", {}, NO_INSPECTOR),
    ("inspections:checklist", "visit", {}, NO_INSPECTOR),
    ("inspections:roll_call", "visit", {"attendance": "absent"}, NO_INSPECTOR),
    ("inspections:record_new", "visit", {}, NO_INSPECTOR),
    ("inspections:record_edit", "draft", {"description": "x"}, NO_INSPECTOR),
    ("inspections:record_photos", "draft", {}, NO_INSPECTOR),
    ("inspections:record_submit", "draft", {}, NO_INSPECTOR),
    ("inspections:record_confirm", "submitted", {}, NO_REVIEWER),
    ("inspections:record_dismiss", "submitted", {"reason": "x"}, NO_REVIEWER),
    ("inspections:record_appeal", "confirmed", APPEAL, ["inspector", "council_member", "outsider"]),
    ("inspections:appeal_decide", "appealed", DECIDE, NO_REVIEWER),
    ("inspections:record_correct", "confirmed", {"description": "x"}, NO_INSPECTOR),
]


def world_state():
    return (
        ViolationRecord.objects.count(),
        list(ViolationRecord.objects.values_list("status", flat=True)),
        AuditEntry.objects.count(),
        Visit.objects.filter(finished_at__isnull=False).count(),
        Visit.objects.count(),
        ChecklistAnswer.objects.count(),
        RollCallEntry.objects.count(),
        Appeal.objects.filter(outcome="pending").count(),
    )


@pytest.mark.parametrize(
    ("url_name", "target", "data", "persona"),
    [(u, t, d, p) for u, t, d, personas in CHANGES for p in personas],
)
def test_it_refuses_changes_to_those_without_the_right(
    url_name, target, data, persona, request, client, submitted, reviewer, person, unit_a
):
    services.record_confirm(record=submitted, reviewer=reviewer)
    services.record_appeal(record=submitted, actor=reviewer, reason="Khiếu nại.")
    fresh_draft = services.record_create(
        author=submitted.author, staff=person, unit=unit_a, visit=submitted.visit,
        type="late_or_early_leave", description="Muộn.", occurred_at=timezone.now(),
    )  # fmt: skip
    fresh_submitted = services.record_submit(
        record=services.record_create(
            author=submitted.author,
            staff=person,
            unit=unit_a,
            type="other",
            description="Khác.",
            occurred_at=timezone.now(),
        ),
        actor=submitted.author,
    )
    targets = {
        "round": submitted.visit.round_id,
        "visit": submitted.visit_id,
        "draft": fresh_draft.pk,
        "submitted": fresh_submitted.pk,
        "confirmed": submitted.pk,
        "appealed": submitted.pk,
    }
    values = {"unit": unit_a.pk}
    client.force_login(request.getfixturevalue(persona))
    before = world_state()

    response = client.post(
        reverse(url_name, args=[targets[target]]),
        {key: values.get(value, value) for key, value in data.items()},
    )

    assert response.status_code == 403
    assert world_state() == before


@pytest.mark.parametrize("url_name", ["inspections:record_edit", "inspections:record_submit"])
def test_it_keeps_a_draft_from_other_inspectors(url_name, client, draft, the_round):
    colleague = make_user("colleague", role=Role.INSPECTOR)
    the_round.members.add(colleague)
    client.force_login(colleague)
    before = world_state()

    response = client.post(
        reverse(url_name, args=[draft.pk]), {"description": "Sửa.", "confirmed": "yes"}
    )

    assert response.status_code == 404  # a draft is its author's alone: not even shown
    assert world_state() == before


# Query counts of the list pages stay the same from 10 to 1,000 rows.
# Every signed-in page: session, the user with their unit and roles (the session is saved at
# most once a minute, and force_login has just saved it).
EVERY_PAGE = 2
# count, filter choices (rounds, units), the page of records, their photos, and how many
# citizen reports wait
QUEUE_QUERIES = EVERY_PAGE + 6
# count, the page of records, their photos
UNIT_QUERIES = EVERY_PAGE + 3
# the rounds with their leads
ROUNDS_QUERIES = EVERY_PAGE + 1


def many_records(count, *, staff, unit, author, status=RecordStatus.SUBMITTED):
    now = timezone.now()
    ViolationRecord.objects.bulk_create(
        ViolationRecord(
            staff=staff, unit=unit, author=author, status=status, type="no_badge",
            occurred_at=now - datetime.timedelta(minutes=n), description="Không đeo thẻ.",
            number=f"{n}/BB-KTCV", number_year=now.year, number_sequence=n,
        )
        for n in range(1, count + 1)
    )  # fmt: skip


@pytest.mark.parametrize("count", [10, 1000])
def test_it_reads_the_review_queue_in_a_constant_number_of_queries(
    count, client, reviewer, inspector, person, unit_a, django_assert_num_queries
):
    many_records(count, staff=person, unit=unit_a, author=inspector)
    client.force_login(reviewer)

    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("inspections:review_queue"))

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 50)


@pytest.mark.parametrize("count", [10, 1000])
def test_it_reads_the_unit_heads_list_in_a_constant_number_of_queries(
    count, client, unit_head, inspector, person, unit_a, django_assert_num_queries
):
    many_records(count, staff=person, unit=unit_a, author=inspector)
    client.force_login(unit_head)

    with django_assert_num_queries(UNIT_QUERIES):
        response = client.get(reverse("inspections:unit_records"))

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 50)


@pytest.mark.parametrize("count", [10, 1000])
def test_it_reads_the_rounds_list_in_a_constant_number_of_queries(
    count, client, inspector, unit_a, django_assert_num_queries
):
    from inspections.models import InspectionRound

    today = timezone.localdate()
    rounds = InspectionRound.objects.bulk_create(
        InspectionRound(
            code=f"DX-{n:04}", name=f"Đợt {n}", kind="surprise", starts_on=today,
            ends_on=today, lead=inspector,
        )
        for n in range(count)
    )  # fmt: skip
    assert len(rounds) == count
    client.force_login(inspector)

    with django_assert_num_queries(ROUNDS_QUERIES):
        response = client.get(reverse("inspections:rounds"))

    assert response.status_code == 200
    assert len(response.context["rounds"]) == count


def test_it_corrects_a_confirmed_record_with_a_new_linked_draft(
    client, inspector, reviewer, submitted
):
    services.record_confirm(record=submitted, reviewer=reviewer)
    before = ViolationRecord.objects.filter(pk=submitted.pk).values().get()
    client.force_login(inspector)
    data = {
        "staff": submitted.staff_id,
        "occurred_at": timezone.localtime(submitted.occurred_at).strftime("%Y-%m-%dT%H:%M"),
        "type": "late_or_early_leave",
        "description": "Đính chính: đến muộn, không phải không đeo thẻ.",
    }

    response = client.post(reverse("inspections:record_correct", args=[submitted.pk]), data)

    correction = ViolationRecord.objects.get(corrects=submitted)
    assert response["Location"] == reverse("inspections:record_detail", args=[correction.pk])
    assert (correction.status, correction.type, correction.author) == (
        "draft",
        "late_or_early_leave",
        inspector,
    )
    assert ViolationRecord.objects.filter(pk=submitted.pk).values().get() == before


def test_it_offers_no_correction_of_a_record_still_under_review(client, inspector, submitted):
    client.force_login(inspector)

    response = client.get(reverse("inspections:record_correct", args=[submitted.pk]))

    assert response.status_code == 404


def test_it_serves_no_other_variant_of_a_photo(client, reviewer, submitted):
    services_photo = Evidence.objects.create(
        record=submitted, file="evidence/x.jpg", thumbnail="evidence/x.thumb.jpg",
        content_type="image/jpeg", size=1, sha256="0" * 64, uploaded_by=submitted.author,
        uploaded_at=timezone.now(),
    )  # fmt: skip
    client.force_login(reviewer)

    response = client.get(reverse("inspections:evidence", args=[services_photo.pk, "file"]))

    assert response.status_code == 404


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:inspections_checklisttemplate_changelist",
        "admin:inspections_checklisttemplate_add",
        "admin:inspections_inspectionround_add",
        "admin:inspections_violationrecord_changelist",
        "admin:inspections_auditentry_changelist",
    ],
)
def test_it_lets_administrators_edit_checklists_and_rounds(client, administrator, url_name):
    client.force_login(administrator)

    assert client.get(reverse(url_name)).status_code == 200


def test_it_lets_administrators_edit_the_default_checklist(client, administrator):
    from inspections.models import ChecklistTemplate

    template = ChecklistTemplate.objects.get()
    client.force_login(administrator)

    html = html_of(
        client.get(reverse("admin:inspections_checklisttemplate_change", args=[template.pk]))
    )

    assert "Công tác tiếp công dân" in html
