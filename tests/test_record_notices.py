"""People are told: when a record about a person is submitted and when it is decided, the unit's
heads and the person get a mail where an address is known, in Vietnamese, after the step has
committed. A mail server that does not answer never fails the step: the task worker retries."""

import email
import email.policy

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bench.servers import free_port
from core.errors import DomainError
from inspections import services
from inspections.models import RecordStatus, ViolationRecord
from personnel.models import Role
from tests.factories import local, make_staff, make_user
from tests.servers import run_db_worker

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def person(unit_a):
    staff = make_staff("S001", unit=unit_a, full_name="Nguyễn Văn Hùng")
    staff.email = "hung@phuong1.gov.vn"
    staff.save(update_fields=["email"])
    return staff


@pytest.fixture
def head(unit_a):
    return make_user("truong_don_vi", role=Role.UNIT_HEAD, unit=unit_a, email="tdv@phuong1.gov.vn")


def draft(person, unit, author) -> ViolationRecord:
    return services.record_create(
        author=author,
        staff=person,
        unit=unit,
        occurred_at=local(2026, 12, 1, 8, 5),
        type="no_badge",
        description="Không đeo thẻ.",
    )


def sent() -> dict[str, list]:
    """Each recipient's mails: (subject, body)."""
    by_address = {}
    for message in mail.outbox:
        for address in message.to:
            by_address.setdefault(address, []).append((message.subject, message.body))
    return by_address


def test_it_tells_the_unit_head_and_the_person_of_the_submission_and_the_decision(
    settings, django_capture_on_commit_callbacks, person, head, unit_a, inspector, reviewer
):
    settings.PORTAL_URL = "https://kycuong.langson.gov.vn"
    record = draft(person, unit_a, inspector)
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        record = services.record_submit(record=record, actor=inspector)

    number = record.number
    [(subject, body)] = sent()["tdv@phuong1.gov.vn"]
    assert subject == f"Biên bản số {number}: Đã gửi, chờ xem xét"
    assert f"Biên bản số {number} về Nguyễn Văn Hùng (mã cán bộ S001)" in body
    assert "đã được gửi Phòng Nội vụ xem xét" in body
    assert "giải trình" in body
    link = f"https://kycuong.langson.gov.vn{reverse('inspections:record_detail', args=[record.pk])}"
    assert link in body
    [(subject_to_person, body_to_person)] = sent()["hung@phuong1.gov.vn"]
    assert subject_to_person == subject
    assert link not in body_to_person  # the person has no account

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_dismiss(record=record, reviewer=reviewer, reason="Có giấy phép nghỉ.")

    [(subject, body)] = sent()["tdv@phuong1.gov.vn"]
    assert subject == f"Biên bản số {number}: Đã bác bỏ"
    assert "đã bị bác bỏ" in body
    assert "Lý do: Có giấy phép nghỉ." in body
    assert len(sent()["hung@phuong1.gov.vn"]) == 1


def test_it_tells_them_when_an_appeal_overturns_the_record(
    django_capture_on_commit_callbacks, person, head, unit_a, inspector, reviewer
):
    second = make_user("reviewer2", role=Role.REVIEWER)
    third = make_user("reviewer3", role=Role.REVIEWER)
    record = services.record_submit(record=draft(person, unit_a, inspector), actor=inspector)
    services.record_confirm(record=record, reviewer=reviewer)
    services.record_appeal(record=record, actor=second, reason="Có giấy nghỉ phép")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_decide(record=record, reviewer=third, outcome="overturned", reason="Đúng.")

    [(subject, body)] = sent()["tdv@phuong1.gov.vn"]
    assert subject.endswith(": Đã hủy do khiếu nại")
    assert "đã bị hủy do khiếu nại" in body


def test_it_mails_nobody_whose_address_is_unknown(
    django_capture_on_commit_callbacks, unit_a, inspector
):
    make_user("truong_khong_thu", role=Role.UNIT_HEAD, unit=unit_a)  # no address
    person = make_staff("S002", unit=unit_a)
    record = draft(person, unit_a, inspector)

    with django_capture_on_commit_callbacks(execute=True):
        services.record_submit(record=record, actor=inspector)

    assert mail.outbox == []


def test_it_mails_nothing_when_the_step_is_refused(
    django_capture_on_commit_callbacks, person, head, unit_a, inspector
):
    record = draft(person, unit_a, inspector)
    other = make_user("inspector2", role=Role.INSPECTOR)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError):
        services.record_submit(record=record, actor=other)

    assert mail.outbox == []


def test_a_mail_server_that_does_not_answer_does_not_fail_the_submission(
    settings, client, caplog, django_capture_on_commit_callbacks, person, head, unit_a, inspector
):
    port = free_port()  # nothing listens there
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    record = draft(person, unit_a, inspector)
    client.force_login(inspector)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("inspections:record_submit", args=[record.pk]), {"confirmed": "yes"}
        )

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.SUBMITTED
    # The immediate backend cannot defer a retry: it says so in the log.
    assert "not sent, given up after 1 attempts" in caplog.text


class Inbox:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((envelope.rcpt_tos, message["Subject"], message.get_content()))
        return "250 OK"


def run_worker(port: int) -> None:
    worker = run_db_worker(EMAIL_URL=f"smtp://127.0.0.1:{port}")
    assert worker.returncode == 0, worker.stderr


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_retries_a_mail_until_the_server_answers(
    restore_migrated_rows, settings, person, head, unit_a, inspector
):
    settings.TASKS = DATABASE_TASKS
    port = free_port()
    record = services.record_submit(record=draft(person, unit_a, inspector), actor=inspector)
    assert DBTaskResult.objects.filter(status="READY").count() == 2  # unit head, person

    run_worker(port)  # the mail server is down

    record.refresh_from_db()
    assert record.status == RecordStatus.SUBMITTED
    retries = DBTaskResult.objects.filter(status="READY")
    assert retries.count() == 2
    assert all(task.args_kwargs["kwargs"]["attempt"] == 2 for task in retries)
    assert all(task.run_after > timezone.now() for task in retries)

    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        retries.update(run_after=timezone.now())  # the minute of waiting has passed
        run_worker(port)
    finally:
        server.stop()

    recipients = sorted(address for addresses, *_mail in inbox.received for address in addresses)
    assert recipients == ["hung@phuong1.gov.vn", "tdv@phuong1.gov.vn"]
    for _addresses, subject, body in inbox.received:
        assert subject == f"Biên bản số {record.number}: Đã gửi, chờ xem xét"
        assert "Nguyễn Văn Hùng" in body
    assert not DBTaskResult.objects.filter(status="READY").exists()
