"""The person's written explanation (giải trình): while the record awaits review, the head of
the unit attaches it, as text or a signed document; the reviewer reads it on the record. It is
added to the record's trail and never changed; a bad one changes nothing and is noted."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import DomainError
from core.models import Refusal
from inspections import services
from inspections.models import AuditAction, WrittenExplanation
from personnel.models import Role
from tests.conftest import drained
from tests.factories import local, make_staff, make_user

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def submitted(unit_a, inspector):
    person = make_staff("S001", unit=unit_a, full_name="Nguyễn Văn Hùng")
    record = services.record_create(
        author=inspector,
        staff=person,
        unit=unit_a,
        occurred_at=local(2026, 12, 1, 8, 5),
        type="late_or_early_leave",
        description="Đến muộn 40 phút.",
    )
    return services.record_submit(record=record, actor=inspector)


def attach(client, record, **data):
    return client.post(reverse("inspections:explanation_attach", args=[record.pk]), data)


def test_it_lets_the_unit_head_attach_it_and_the_reviewer_read_it(
    client, submitted, unit_head, reviewer
):
    client.force_login(unit_head)

    response = attach(
        client,
        submitted,
        text="Sáng 01/12 tôi đưa con đi khám bệnh, đã báo trưởng phòng qua điện thoại.",
        document=SimpleUploadedFile("giai trinh.pdf", PDF),
    )

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Đã đính kèm bản giải trình" in page
    explanation = WrittenExplanation.objects.get()
    assert explanation.attached_by == unit_head
    assert explanation.document.name.endswith(".pdf")
    assert "giai trinh" not in explanation.document.name  # the uploader's name is not kept
    entry = submitted.audit_entries.order_by("pk").last()
    assert entry.action == AuditAction.EXPLAINED
    assert entry.actor == unit_head

    client.force_login(reviewer)
    page = client.get(reverse("inspections:record_detail", args=[submitted.pk])).content.decode()
    assert "đưa con đi khám bệnh" in page
    document_url = reverse("inspections:explanation_document", args=[explanation.pk])
    assert document_url in page
    download = client.get(document_url)
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF


def test_it_refuses_a_file_that_is_not_a_document(client, submitted, unit_head):
    client.force_login(unit_head)

    response = attach(
        client, submitted, document=SimpleUploadedFile("giai-trinh.pdf", b"MZ\x90\x00 program")
    )

    page = client.get(response["Location"]).content.decode()
    assert "Văn bản phải là tệp PDF, DOCX hoặc DOC." in page
    assert not WrittenExplanation.objects.exists()
    refusal = Refusal.objects.get()
    assert (refusal.action, refusal.actor) == ("record.explain", unit_head.username)
    assert refusal.subject == f"inspections.violationrecord {submitted.pk}"
    assert refusal.message == "Văn bản phải là tệp PDF, DOCX hoặc DOC."


def test_it_refuses_an_empty_explanation(client, submitted, unit_head):
    client.force_login(unit_head)

    response = attach(client, submitted, text="   ")

    page = client.get(response["Location"]).content.decode()
    assert "Hãy ghi nội dung giải trình hoặc đính kèm văn bản có chữ ký." in page
    assert not WrittenExplanation.objects.exists()


def test_it_is_closed_once_the_record_is_decided(client, submitted, unit_head, reviewer):
    services.record_confirm(record=submitted, reviewer=reviewer)
    client.force_login(unit_head)

    page = client.get(reverse("inspections:record_detail", args=[submitted.pk])).content.decode()
    assert reverse("inspections:explanation_attach", args=[submitted.pk]) not in page
    response = attach(client, submitted, text="Muộn quá.")

    page = client.get(response["Location"]).content.decode()
    assert "Chỉ đính kèm bản giải trình khi biên bản đang chờ xem xét." in page
    assert not WrittenExplanation.objects.exists()
    assert Refusal.objects.get().action == "record.explain"


def test_only_the_head_of_the_records_unit_attaches_it(submitted, unit_b, reviewer):
    head_b = make_user("head_b", role=Role.UNIT_HEAD, unit=unit_b)

    for user in (head_b, reviewer):
        with pytest.raises(DomainError) as refused:
            services.explanation_attach(record=submitted, actor=user, text="Giải trình.")
        assert refused.value.message == services.NOT_HEAD_OF_UNIT
    assert not WrittenExplanation.objects.exists()


def test_the_document_is_not_served_to_whom_the_record_is_hidden(
    client, submitted, unit_head, unit_b
):
    explanation = services.explanation_attach(
        record=submitted, actor=unit_head, document=SimpleUploadedFile("a.pdf", PDF)
    )
    client.force_login(make_user("head_b", role=Role.UNIT_HEAD, unit=unit_b))

    response = client.get(reverse("inspections:explanation_document", args=[explanation.pk]))

    drained(response)
    assert response.status_code == 404
