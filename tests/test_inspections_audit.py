"""The audit trail: every step written, chained with hashes, tampering detected, rows locked."""

import datetime
import io
import itertools
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import DomainError
from inspections import audit, hooks, services
from inspections.models import AuditEntry, RecordStatus, ViolationRecord
from personnel.models import Posting, Role, Staff
from tests.factories import make_user


@pytest.fixture
def person(unit_a):
    staff = Staff.objects.create(code="S001", full_name="Nguyễn Văn An", category="cong_chuc")
    Posting.objects.create(staff=staff, unit=unit_a)
    return staff


def submitted_record(*, author, staff, unit):
    record = services.record_create(
        author=author,
        staff=staff,
        unit=unit,
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        type="late_or_early_leave",
        description="Đến muộn 45 phút.",
    )
    return services.record_submit(record=record, actor=author)


def verify():
    """The verify_audit command's outcome: (ok, message)."""
    try:
        call_command("verify_audit", stdout=(out := io.StringIO()))
    except CommandError as error:
        return False, str(error)
    return True, out.getvalue()


def a_trail(*, inspector, reviewer, person, unit):
    record = submitted_record(author=inspector, staff=person, unit=unit)
    services.record_confirm(record=record, reviewer=reviewer)
    services.record_appeal(record=record, actor=inspector, reason="Không đồng ý.")
    return record


def test_it_chains_every_entry_to_the_one_before(inspector, reviewer, person, unit_a):
    a_trail(inspector=inspector, reviewer=reviewer, person=person, unit=unit_a)

    entries = list(AuditEntry.objects.order_by("id"))

    assert [entry.action for entry in entries] == ["created", "submitted", "confirmed", "appealed"]
    assert entries[0].previous_hash == audit.GENESIS_HASH
    for before, after in itertools.pairwise(entries):
        assert after.previous_hash == before.hash
    assert all(audit.entry_hash(entry) == entry.hash for entry in entries)
    assert verify() == (True, "Nhật ký nguyên vẹn: đã kiểm tra 4 mục.\n")


def tamper(sql, params):
    """Change the audit table behind the application's back (on PostgreSQL, past the guard)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # As a database superuser could: triggers off for this session.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_it_detects_an_edited_entry(inspector, reviewer, person, unit_a):
    a_trail(inspector=inspector, reviewer=reviewer, person=person, unit=unit_a)
    confirmed = AuditEntry.objects.get(action="confirmed")

    tamper("UPDATE inspections_auditentry SET reason = %s WHERE id = %s", ["Sửa lén", confirmed.pk])

    ok, message = verify()
    assert not ok
    assert message == (
        f"Mục nhật ký #{confirmed.pk} bị phá vỡ: nội dung không khớp với mã băm (mục này đã bị "
        "sửa). 2 mục trước đó vẫn nguyên vẹn."
    )


def test_it_detects_a_deleted_entry(inspector, reviewer, person, unit_a):
    a_trail(inspector=inspector, reviewer=reviewer, person=person, unit=unit_a)
    submitted = AuditEntry.objects.get(action="submitted")
    confirmed = AuditEntry.objects.get(action="confirmed")

    tamper("DELETE FROM inspections_auditentry WHERE id = %s", [submitted.pk])

    ok, message = verify()
    assert not ok
    assert message.startswith(f"Mục nhật ký #{confirmed.pk} bị phá vỡ: mục này không nối tiếp")


def test_it_detects_the_last_entry_deleted(inspector, reviewer, person, unit_a):
    a_trail(inspector=inspector, reviewer=reviewer, person=person, unit=unit_a)
    appealed = AuditEntry.objects.get(action="appealed")

    tamper("DELETE FROM inspections_auditentry WHERE id = %s", [appealed.pk])

    ok, message = verify()
    assert not ok
    assert message.startswith(f"Mục nhật ký #{appealed.pk} bị phá vỡ: các mục cuối cùng đã bị xóa")


@pytest.mark.postgresql
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE inspections_auditentry SET reason = 'Sửa lén' WHERE id = %s",
        "DELETE FROM inspections_auditentry WHERE id = %s",
    ],
)
def test_it_refuses_updates_and_deletes_in_the_database(sql, inspector, reviewer, person, unit_a):
    a_trail(inspector=inspector, reviewer=reviewer, person=person, unit=unit_a)
    entry = AuditEntry.objects.get(action="confirmed")
    before = list(AuditEntry.objects.order_by("id").values())

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])

    assert list(AuditEntry.objects.order_by("id").values()) == before
    assert verify()[0]


@pytest.mark.postgresql
def test_it_locks_the_record_row_while_reviewing(inspector, reviewer, person, unit_a):
    record = submitted_record(author=inspector, staff=person, unit=unit_a)

    with CaptureQueriesContext(connection) as queries:
        services.record_confirm(record=record, reviewer=reviewer)

    locks = [q["sql"] for q in queries if q["sql"].endswith("FOR UPDATE")]
    assert any('FROM "inspections_violationrecord"' in sql for sql in locks)


@pytest.mark.postgresql
# Serialized: the database's migrated rows are kept at setup, for restore_migrated_rows.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_lets_exactly_one_of_two_concurrent_reviewers_win(
    restore_migrated_rows, unit_a, monkeypatch
):
    inspector = make_user("inspector", role=Role.INSPECTOR)
    reviewers = [make_user(f"reviewer{n}", role=Role.REVIEWER) for n in (1, 2)]
    person = Staff.objects.create(code="S001", full_name="Nguyễn Văn An", category="cong_chuc")
    Posting.objects.create(staff=person, unit=unit_a)
    record = submitted_record(author=inspector, staff=person, unit=unit_a)
    # The re-evaluation runs inside the transaction: make the first winner hold the lock a while.
    monkeypatch.setattr(hooks, "_person_handlers", [lambda *, staff: time.sleep(0.5)])
    outcomes = {}

    def review(reviewer, action):
        try:
            if action == "confirm":
                services.record_confirm(record=record, reviewer=reviewer)
            else:
                services.record_dismiss(record=record, reviewer=reviewer, reason="Không đủ căn cứ.")
            outcomes[action] = "won"
        except DomainError as error:
            outcomes[action] = error.message
        finally:
            connection.close()

    threads = [
        threading.Thread(target=review, args=(reviewers[0], "confirm")),
        threading.Thread(target=review, args=(reviewers[1], "dismiss")),
    ]
    threads[0].start()
    time.sleep(0.2)
    threads[1].start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes == {"confirm": "won", "dismiss": services.NOT_SUBMITTED}
    record.refresh_from_db()
    assert record.status == RecordStatus.CONFIRMED
    assert AuditEntry.objects.filter(record=record).count() == 3
    assert verify()[0]
    assert ViolationRecord.objects.count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_numbers_records_submitted_at_the_same_moment_one_after_the_other(
    restore_migrated_rows, unit_a
):
    inspector = make_user("inspector", role=Role.INSPECTOR)
    person = Staff.objects.create(code="S001", full_name="Nguyễn Văn An", category="cong_chuc")
    Posting.objects.create(staff=person, unit=unit_a)
    drafts = [
        services.record_create(
            author=inspector,
            staff=person,
            unit=unit_a,
            type="no_badge",
            description="Thẻ.",
            occurred_at=timezone.now() - datetime.timedelta(minutes=n),
        )
        for n in (1, 2, 3, 4)
    ]
    start = threading.Barrier(len(drafts))
    failures = []

    def submit(record):
        try:
            start.wait(timeout=10)
            services.record_submit(record=record, actor=inspector)
        except Exception as error:  # any failure is reported by the assertion below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(record,)) for record in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    numbers = sorted(ViolationRecord.objects.values_list("number_sequence", flat=True))
    assert numbers == [1, 2, 3, 4]
    assert verify()[0]
