"""Forms sent twice and two people acting on one thing: nothing duplicated, nothing lost.

A phone on a poor network sends the same form again, a user taps twice, two reviewers open the
same record. The same form twice makes one record (also when both arrive at the same moment);
a confirmed import (a staff file, a unit head's nominations) is not imported again; the
reviewer who comes second is told why nothing happened, and the record, its audit trail and
its files are as the first one left them.
"""

import datetime
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from emulation import import_views as nomination_import_views
from emulation.models import Nomination, Verdict
from inspections import services
from inspections.models import AuditEntry, Evidence, FormSubmission, RecordStatus, ViolationRecord
from personnel.import_views import SESSION_KEY
from personnel.models import Posting, Role, Staff
from tests.conftest import SignedInClient
from tests.factories import jpeg, make_period, make_staff, make_user, visit_started_earlier

STAFF = "staff_code,full_name,agency_code,category\nS001,Nguyễn Văn Hùng,P-A,cong_chuc\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def evidence_files(media_root) -> list[str]:
    folder = media_root / "evidence"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def visit_with_person(inspector, unit_a):
    person = Staff.objects.create(code="S001", full_name="Nguyễn Văn An", category="cong_chuc")
    Posting.objects.create(staff=person, unit=unit_a)
    today = timezone.localdate()
    the_round = services.round_create(
        code="DX-01", name="Kiểm tra đột xuất đợt 1", kind="surprise", starts_on=today,
        ends_on=today + datetime.timedelta(days=7), lead=inspector, members=[], units=[unit_a],
    )  # fmt: skip
    visit = services.visit_start(inspection_round=the_round, unit=unit_a, actor=inspector)
    return visit_started_earlier(visit), person


def record_form(person, token: str) -> dict:
    return {
        "staff": person.pk,
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "type": "late_or_early_leave",
        "description": "Đến muộn 40 phút.",
        "signature": "refused",
        "token": token,
        "photos": jpeg(),
    }


def submitted_record(*, inspector, person, unit):
    record = services.record_create(
        author=inspector, staff=person, unit=unit, type="no_badge",
        occurred_at=timezone.now() - datetime.timedelta(hours=1), description="Không đeo thẻ.",
    )  # fmt: skip
    return services.record_submit(record=record, actor=inspector)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_makes_one_record_of_a_form_sent_twice_at_the_same_moment(
    restore_migrated_rows, unit_a, media_root
):
    inspector = make_user("inspector", role=Role.INSPECTOR)
    visit, person = visit_with_person(inspector, unit_a)
    url = reverse("inspections:record_new", args=[visit.pk])
    clients = [SignedInClient(), SignedInClient()]
    for client in clients:
        client.force_login(inspector)
    start = threading.Barrier(len(clients))
    answers = []

    def send(client):
        from django.db import connection

        try:
            start.wait(timeout=10)
            answers.append(client.post(url, record_form(person, "same-token")))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    record = ViolationRecord.objects.get()
    detail = reverse("inspections:record_detail", args=[record.pk])
    assert [(answer.status_code, answer["Location"]) for answer in answers] == [(302, detail)] * 2
    assert FormSubmission.objects.get().record == record
    assert Evidence.objects.count() == 1
    assert AuditEntry.objects.count() == 2  # created, photo added
    # The photo of the form that lost the race is not left behind on the disk.
    evidence = Evidence.objects.get()
    assert evidence_files(media_root) == sorted(
        name.removeprefix("evidence/")
        for name in (evidence.file.name, evidence.shared.name, evidence.thumbnail.name)
    )


def test_it_imports_a_confirmed_file_once_when_the_confirmation_is_sent_twice(
    client, reviewer, unit_a
):
    client.force_login(reviewer)
    upload = SimpleUploadedFile("staff.csv", STAFF.encode(), content_type="text/csv")
    client.post(reverse("personnel:import"), {"kind": "staff", "file": upload})
    confirmation = {"file": client.session[SESSION_KEY]["file"]}

    first = client.post(reverse("personnel:import_confirm"), confirmation, follow=True)
    staff_after_first = list(Staff.objects.values_list("code", "full_name"))
    second = client.post(reverse("personnel:import_confirm"), confirmation, follow=True)

    assert "Đã nhập: thêm mới 1, cập nhật 0, giữ nguyên 0." in first.content.decode()
    assert "Không có tệp nào đang chờ nhập" in second.content.decode()
    assert staff_after_first == [("S001", "Nguyễn Văn Hùng")]
    assert list(Staff.objects.values_list("code", "full_name")) == staff_after_first
    assert Posting.objects.count() == 1


def nominations() -> list[tuple]:
    fields = ("staff__code", "title__code", "unit__code", "submitted_by")
    return list(Nomination.objects.order_by("pk").values_list(*fields))


def test_it_imports_a_nominations_list_once_when_the_confirmation_is_sent_twice(
    client, unit_head, unit_a, media_root
):
    make_period("2019")
    make_staff("S003", unit=unit_a, full_name="Đỗ Thị Đào")
    client.force_login(unit_head)
    upload = SimpleUploadedFile(
        "list.csv", b"staff_code,title\nS003,lao_dong_tien_tien\n", content_type="text/csv"
    )
    client.post(reverse("emulation:nomination_upload"), {"period": "2019", "file": upload})
    confirmation = {"file": client.session[nomination_import_views.SESSION_KEY]["file"]}
    url = reverse("emulation:nomination_import_confirm")

    first = client.post(url, confirmation, follow=True)
    nominations_after_first = nominations()
    second = client.post(url, confirmation, follow=True)

    assert "Đã nhập: thêm mới 1, cập nhật 0, giữ nguyên 0." in first.content.decode()
    assert second.redirect_chain == [(reverse("emulation:nominations"), 302)]
    assert "Không có tệp nào đang chờ nhập" in second.content.decode()
    assert "Đã nhập:" not in second.content.decode()
    assert nominations_after_first == [("S003", "lao_dong_tien_tien", "P-A", unit_head.pk)]
    assert nominations() == nominations_after_first
    assert Verdict.objects.count() == 1
    assert list((media_root / "imports").iterdir()) == []  # the confirmed file is not kept


def test_it_tells_the_second_of_two_reviewers_that_the_record_was_already_decided(
    inspector, reviewer, unit_a
):
    other_reviewer = make_user("reviewer2", role=Role.REVIEWER)
    person = Staff.objects.create(code="S001", full_name="Nguyễn Văn An", category="cong_chuc")
    Posting.objects.create(staff=person, unit=unit_a)
    record = submitted_record(inspector=inspector, person=person, unit=unit_a)
    first, second = SignedInClient(), SignedInClient()
    first.force_login(reviewer)
    second.force_login(other_reviewer)
    page = reverse("inspections:record_detail", args=[record.pk])
    # Both have the record open, with its buttons.
    assert "Bác bỏ" in second.get(page).content.decode()
    first.post(reverse("inspections:record_confirm", args=[record.pk]), {"confirmed": "yes"})
    trail = list(AuditEntry.objects.order_by("pk").values())

    response = second.post(
        reverse("inspections:record_dismiss", args=[record.pk]),
        {"reason": "Không đủ căn cứ.", "confirmed": "yes"},
        follow=True,
    )

    assert "Chỉ biên bản đã gửi mới được xác nhận hoặc bác bỏ." in response.content.decode()
    record.refresh_from_db()
    assert record.status == RecordStatus.CONFIRMED
    assert record.reviewed_by == reviewer
    assert record.review_reason == ""
    assert list(AuditEntry.objects.order_by("pk").values()) == trail


def test_it_keeps_one_confirmation_when_a_reviewer_confirms_twice(inspector, reviewer, unit_a):
    person = Staff.objects.create(code="S001", full_name="Nguyễn Văn An", category="cong_chuc")
    Posting.objects.create(staff=person, unit=unit_a)
    record = submitted_record(inspector=inspector, person=person, unit=unit_a)
    client = Client()
    client.force_login(reviewer)
    url = reverse("inspections:record_confirm", args=[record.pk])

    client.post(url, {"confirmed": "yes"})
    trail = list(AuditEntry.objects.order_by("pk").values())
    reviewed_at = ViolationRecord.objects.get().reviewed_at
    again = client.post(url, {"confirmed": "yes"}, follow=True)

    assert "Chỉ biên bản đã gửi mới được xác nhận hoặc bác bỏ." in again.content.decode()
    assert list(AuditEntry.objects.order_by("pk").values()) == trail
    assert ViolationRecord.objects.get().reviewed_at == reviewed_at
