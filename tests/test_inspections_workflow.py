"""The violation record workflow: every allowed and refused transition, separation of duties."""

import datetime

import pytest
from django.utils import timezone

from core.errors import DomainError
from inspections import hooks, services
from inspections.models import (
    Appeal,
    AppealOutcome,
    AuditAction,
    AuditEntry,
    RecordStatus,
    ViolationRecord,
    ViolationType,
)
from personnel.models import Posting, Role, Staff, StaffCategory
from tests.factories import make_user


@pytest.fixture
def person(unit_a):
    staff = Staff.objects.create(
        code="S001", full_name="Nguyễn Văn An", category=StaffCategory.CONG_CHUC
    )
    Posting.objects.create(staff=staff, unit=unit_a)
    return staff


@pytest.fixture
def second_reviewer(db):
    return make_user("reviewer2", role=Role.REVIEWER)


@pytest.fixture
def evaluated(monkeypatch):
    """The people the workflow told the floors above about (inspections.hooks), in order."""
    calls = []
    monkeypatch.setattr(hooks, "_person_handlers", [lambda *, staff: calls.append(staff)])
    return calls


def an_hour_ago():
    return timezone.now() - datetime.timedelta(hours=1)


def draft(*, author, staff, unit, **fields):
    values = {"occurred_at": an_hour_ago(), "type": ViolationType.NO_BADGE}
    values |= {"description": "Không đeo thẻ công chức khi tiếp công dân."} | fields
    return services.record_create(author=author, staff=staff, unit=unit, **values)


def record_in(status, *, inspector, reviewer, second_reviewer, person, unit):
    """A record brought to `status` through the services themselves."""
    if status == RecordStatus.WITHDRAWN:
        return withdrawn_at_roll_call(inspector=inspector, person=person, unit=unit)
    record = draft(author=inspector, staff=person, unit=unit)
    if status == RecordStatus.DRAFT:
        return record
    services.record_submit(record=record, actor=inspector)
    if status == RecordStatus.SUBMITTED:
        return record
    if status == RecordStatus.DISMISSED:
        services.record_dismiss(record=record, reviewer=reviewer, reason="Không đủ căn cứ.")
        return record
    services.record_confirm(record=record, reviewer=reviewer)
    if status == RecordStatus.OVERTURNED:
        services.record_appeal(record=record, actor=inspector, reason="Có giấy nghỉ phép.")
        services.appeal_decide(
            record=record,
            reviewer=second_reviewer,
            outcome=AppealOutcome.OVERTURNED,
            reason="Đúng là có giấy nghỉ phép.",
        )
    return record


def withdrawn_at_roll_call(*, inspector, person, unit):
    """The draft a roll call mark opened, withdrawn by undoing the mark."""
    today = timezone.localdate()
    the_round = services.round_create(
        code="DX-W", name="Kiểm tra đột xuất", kind="surprise", starts_on=today, ends_on=today,
        lead=inspector, members=[], units=[unit],
    )  # fmt: skip
    visit = services.visit_start(inspection_round=the_round, unit=unit, actor=inspector)
    entry = services.roll_call_mark(visit=visit, actor=inspector, staff=person, attendance="absent")
    services.roll_call_undo(visit=visit, actor=inspector, staff=person)
    entry.record.refresh_from_db()
    return entry.record


def snapshot(record=None):
    state = (ViolationRecord.objects.count(), AuditEntry.objects.count(), Appeal.objects.count())
    if record is None:
        return state
    values = ViolationRecord.objects.filter(pk=record.pk).values().get()
    return state, values


def test_it_creates_a_draft_with_its_audit_entry(inspector, person, unit_a):
    record = draft(author=inspector, staff=person, unit=unit_a, witnesses="Lê Thị Bình")

    record.refresh_from_db()
    assert record.status == RecordStatus.DRAFT
    assert record.number is None
    assert record.author == inspector
    entry = AuditEntry.objects.get(record=record)
    assert entry.action == AuditAction.CREATED
    assert entry.actor == inspector
    assert entry.to_status == RecordStatus.DRAFT
    assert entry.changes["witnesses"] == [None, "Lê Thị Bình"]
    assert entry.changes["staff"] == [None, person.pk]


def test_it_refuses_a_person_not_posted_to_the_unit_that_day(inspector, person, unit_a, unit_b):
    before = snapshot()

    with pytest.raises(DomainError) as error:
        draft(author=inspector, staff=person, unit=unit_b)

    assert error.value.message == services.NOT_POSTED
    assert snapshot() == before


def test_it_refuses_a_person_whose_posting_ended_before_that_day(inspector, unit_a):
    staff = Staff.objects.create(code="S009", full_name="Hà Văn Cường", category="vien_chuc")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Posting.objects.create(staff=staff, unit=unit_a, ends_on=yesterday - datetime.timedelta(1))
    before = snapshot()

    with pytest.raises(DomainError) as error:
        draft(author=inspector, staff=staff, unit=unit_a)

    assert error.value.message == services.NOT_POSTED
    assert snapshot() == before


def test_it_refuses_a_time_in_the_future(inspector, person, unit_a):
    before = snapshot()

    with pytest.raises(DomainError) as error:
        draft(
            author=inspector,
            staff=person,
            unit=unit_a,
            occurred_at=timezone.now() + datetime.timedelta(minutes=5),
        )

    assert error.value.message == services.IN_FUTURE
    assert snapshot() == before


def test_it_lets_the_author_change_a_draft_and_records_before_and_after(inspector, person, unit_a):
    record = draft(author=inspector, staff=person, unit=unit_a)

    services.record_update(
        record=record, actor=inspector, type=ViolationType.LATE_OR_EARLY_LEAVE, witnesses="Ông Tư"
    )

    record.refresh_from_db()
    assert record.type == ViolationType.LATE_OR_EARLY_LEAVE
    entry = AuditEntry.objects.filter(record=record).last()
    assert entry.action == AuditAction.UPDATED
    assert entry.changes == {
        "type": ["no_badge", "late_or_early_leave"],
        "witnesses": ["", "Ông Tư"],
    }


def test_it_refuses_a_draft_change_by_someone_else(inspector, person, unit_a):
    record = draft(author=inspector, staff=person, unit=unit_a)
    colleague = make_user("colleague", role=Role.INSPECTOR)
    before = snapshot(record)

    with pytest.raises(DomainError) as error:
        services.record_update(record=record, actor=colleague, description="Khác")

    assert error.value.message == services.NOT_AUTHOR
    assert snapshot(record) == before


def test_it_refuses_a_draft_change_that_moves_the_time_to_the_future(inspector, person, unit_a):
    record = draft(author=inspector, staff=person, unit=unit_a)
    before = snapshot(record)

    with pytest.raises(DomainError) as error:
        services.record_update(
            record=record,
            actor=inspector,
            occurred_at=timezone.now() + datetime.timedelta(days=1),
        )

    assert error.value.message == services.IN_FUTURE
    assert snapshot(record) == before


def test_it_numbers_records_on_submission_without_gaps_from_drafts(inspector, person, unit_a):
    first = draft(author=inspector, staff=person, unit=unit_a)
    draft(author=inspector, staff=person, unit=unit_a)  # never submitted: takes no number
    third = draft(author=inspector, staff=person, unit=unit_a)

    services.record_submit(record=first, actor=inspector)
    services.record_submit(record=third, actor=inspector)

    first.refresh_from_db()
    third.refresh_from_db()
    year = timezone.localdate().year
    assert (first.number, first.number_year, first.status) == ("1/BB-KTCV", year, "submitted")
    assert (third.number, third.number_year) == ("2/BB-KTCV", year)
    assert first.submitted_at is not None
    entry = AuditEntry.objects.filter(record=third).last()
    assert entry.action == AuditAction.SUBMITTED
    assert entry.changes == {"number": [None, "2/BB-KTCV"]}


def test_it_restarts_numbers_in_the_new_local_year(inspector, person, unit_a, monkeypatch):
    last_of_2026 = draft(author=inspector, staff=person, unit=unit_a)
    first_of_2027 = draft(author=inspector, staff=person, unit=unit_a)
    # 31 Dec 2026 16:59 UTC is 23:59 in Hà Nội; 17:30 UTC is already 1 Jan 2027 there.
    monkeypatch.setattr(
        timezone, "now", lambda: datetime.datetime(2026, 12, 31, 16, 59, tzinfo=datetime.UTC)
    )
    services.record_submit(record=last_of_2026, actor=inspector)
    monkeypatch.setattr(
        timezone, "now", lambda: datetime.datetime(2026, 12, 31, 17, 30, tzinfo=datetime.UTC)
    )
    services.record_submit(record=first_of_2027, actor=inspector)

    last_of_2026.refresh_from_db()
    first_of_2027.refresh_from_db()
    assert (last_of_2026.number, last_of_2026.number_year) == ("1/BB-KTCV", 2026)
    assert (first_of_2027.number, first_of_2027.number_year) == ("1/BB-KTCV", 2027)


def test_it_lets_only_the_author_submit(inspector, reviewer, person, unit_a):
    record = draft(author=inspector, staff=person, unit=unit_a)
    before = snapshot(record)

    with pytest.raises(DomainError) as error:
        services.record_submit(record=record, actor=reviewer)

    assert error.value.message == services.NOT_AUTHOR
    assert snapshot(record) == before


def test_it_refuses_to_submit_without_a_description(inspector, person, unit_a):
    record = draft(author=inspector, staff=person, unit=unit_a, description="  ")
    before = snapshot(record)

    with pytest.raises(DomainError) as error:
        services.record_submit(record=record, actor=inspector)

    assert error.value.message == services.DESCRIPTION_REQUIRED
    assert snapshot(record) == before


def test_it_confirms_and_reevaluates_the_person(inspector, reviewer, person, unit_a, evaluated):
    record = draft(author=inspector, staff=person, unit=unit_a)
    services.record_submit(record=record, actor=inspector)

    services.record_confirm(record=record, reviewer=reviewer, note="Đúng sự thật.")

    record.refresh_from_db()
    assert record.status == RecordStatus.CONFIRMED
    assert record.reviewed_by == reviewer
    assert record.review_reason == "Đúng sự thật."
    entry = AuditEntry.objects.filter(record=record).last()
    assert (entry.action, entry.from_status, entry.to_status) == (
        "confirmed",
        "submitted",
        "confirmed",
    )
    assert evaluated == [person, person]  # submitted (pending), then confirmed


def test_it_dismisses_with_a_reason_and_reevaluates(inspector, reviewer, person, unit_a, evaluated):
    record = draft(author=inspector, staff=person, unit=unit_a)
    services.record_submit(record=record, actor=inspector)

    services.record_dismiss(record=record, reviewer=reviewer, reason="Có giấy đi công tác.")

    record.refresh_from_db()
    assert record.status == RecordStatus.DISMISSED
    assert AuditEntry.objects.filter(record=record).last().reason == "Có giấy đi công tác."
    assert evaluated == [person, person]  # submitted (pending), then dismissed


def test_it_refuses_a_dismissal_without_a_reason(inspector, reviewer, person, unit_a, evaluated):
    record = draft(author=inspector, staff=person, unit=unit_a)
    services.record_submit(record=record, actor=inspector)
    before = snapshot(record)
    evaluated.clear()

    with pytest.raises(DomainError) as error:
        services.record_dismiss(record=record, reviewer=reviewer, reason="   ")

    assert error.value.message == services.REASON_REQUIRED
    assert snapshot(record) == before
    assert evaluated == []


def test_it_refuses_a_reviewer_reviewing_their_own_record(person, unit_a, evaluated):
    inspector_and_reviewer = make_user("both", role=Role.REVIEWER)
    record = draft(author=inspector_and_reviewer, staff=person, unit=unit_a)
    services.record_submit(record=record, actor=inspector_and_reviewer)
    before = snapshot(record)
    evaluated.clear()

    for review in (
        lambda: services.record_confirm(record=record, reviewer=inspector_and_reviewer),
        lambda: services.record_dismiss(record=record, reviewer=inspector_and_reviewer, reason="x"),
    ):
        with pytest.raises(DomainError) as error:
            review()
        assert error.value.message == services.OWN_RECORD

    assert snapshot(record) == before
    assert evaluated == []


def test_it_refuses_a_review_by_someone_not_a_reviewer(inspector, person, unit_a):
    record = draft(author=inspector, staff=person, unit=unit_a)
    services.record_submit(record=record, actor=inspector)
    colleague = make_user("colleague", role=Role.INSPECTOR)
    before = snapshot(record)

    with pytest.raises(DomainError) as error:
        services.record_confirm(record=record, reviewer=colleague)

    assert error.value.message == services.NOT_REVIEWER
    assert snapshot(record) == before


def test_it_upholds_an_appeal_and_keeps_the_record_confirmed(
    inspector, reviewer, second_reviewer, person, unit_a, evaluated
):
    record = record_in(
        "confirmed", inspector=inspector, reviewer=reviewer, second_reviewer=second_reviewer,
        person=person, unit=unit_a,
    )  # fmt: skip
    evaluated.clear()
    services.record_appeal(record=record, actor=inspector, reason="Không đồng ý.")

    services.appeal_decide(
        record=record, reviewer=second_reviewer, outcome=AppealOutcome.UPHELD, reason="Đủ căn cứ."
    )

    record.refresh_from_db()
    assert record.status == RecordStatus.CONFIRMED
    appeal = Appeal.objects.get(record=record)
    assert (appeal.outcome, appeal.decided_by, appeal.decision_reason) == (
        "upheld",
        second_reviewer,
        "Đủ căn cứ.",
    )
    actions = list(AuditEntry.objects.filter(record=record).values_list("action", flat=True))
    assert actions[-2:] == ["appealed", "appeal_upheld"]
    assert evaluated == [person, person]  # appealed, then decided: the list follows each step


def test_it_overturns_on_appeal_and_reevaluates(
    inspector, reviewer, second_reviewer, person, unit_a, evaluated
):
    record = record_in(
        "confirmed", inspector=inspector, reviewer=reviewer, second_reviewer=second_reviewer,
        person=person, unit=unit_a,
    )  # fmt: skip
    evaluated.clear()
    services.record_appeal(record=record, actor=inspector, reason="Có giấy nghỉ phép.")

    services.appeal_decide(
        record=record, reviewer=second_reviewer, outcome="overturned", reason="Đúng vậy."
    )

    record.refresh_from_db()
    assert record.status == RecordStatus.OVERTURNED
    entry = AuditEntry.objects.filter(record=record).last()
    assert (entry.action, entry.from_status, entry.to_status) == (
        "appeal_overturned",
        "confirmed",
        "overturned",
    )
    assert evaluated == [person, person]


@pytest.mark.parametrize("who", ["author", "confirming reviewer"])
def test_it_refuses_an_appeal_decided_by_the_author_or_the_confirming_reviewer(
    who, person, unit_a, second_reviewer
):
    author = make_user("author", role=Role.REVIEWER)
    confirmer = make_user("confirmer", role=Role.REVIEWER)
    record = record_in(
        "confirmed", inspector=author, reviewer=confirmer, second_reviewer=second_reviewer,
        person=person, unit=unit_a,
    )  # fmt: skip
    services.record_appeal(record=record, actor=author, reason="Không đồng ý.")
    before = snapshot(record)

    with pytest.raises(DomainError) as error:
        services.appeal_decide(
            record=record,
            reviewer=author if who == "author" else confirmer,
            outcome="overturned",
            reason="Tự quyết.",
        )

    assert error.value.message == services.APPEAL_CONFLICT
    assert snapshot(record) == before


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("appeal_without_reason", services.REASON_REQUIRED),
        ("decide_without_reason", services.REASON_REQUIRED),
        ("decide_bad_outcome", services.BAD_OUTCOME),
        ("second_appeal", services.ALREADY_APPEALED),
        ("decide_twice", services.NO_PENDING_APPEAL),
    ],
)
def test_it_refuses_bad_appeals(
    call, message, inspector, reviewer, second_reviewer, person, unit_a
):
    record = record_in(
        "confirmed", inspector=inspector, reviewer=reviewer, second_reviewer=second_reviewer,
        person=person, unit=unit_a,
    )  # fmt: skip
    if call != "appeal_without_reason":
        services.record_appeal(record=record, actor=inspector, reason="Không đồng ý.")
    if call == "decide_twice":
        services.appeal_decide(
            record=record, reviewer=second_reviewer, outcome="upheld", reason="Đủ căn cứ."
        )
    before = snapshot(record)
    attempts = {
        "appeal_without_reason": lambda: services.record_appeal(
            record=record, actor=inspector, reason=" "
        ),
        "second_appeal": lambda: services.record_appeal(
            record=record, actor=inspector, reason="Lần nữa."
        ),
        "decide_without_reason": lambda: services.appeal_decide(
            record=record, reviewer=second_reviewer, outcome="upheld", reason=""
        ),
        "decide_bad_outcome": lambda: services.appeal_decide(
            record=record, reviewer=second_reviewer, outcome="pending", reason="x"
        ),
        "decide_twice": lambda: services.appeal_decide(
            record=record, reviewer=second_reviewer, outcome="overturned", reason="x"
        ),
    }

    with pytest.raises(DomainError) as error:
        attempts[call]()

    assert error.value.message == message
    assert snapshot(record) == before


ACTIONS = ["update", "submit", "confirm", "dismiss", "appeal", "decide_appeal"]
# The whole transition table: which action each status allows; every other pair is refused.
ALLOWED = {
    ("draft", "update"),
    ("draft", "submit"),
    ("submitted", "confirm"),
    ("submitted", "dismiss"),
    ("confirmed", "appeal"),
}
REFUSAL = {
    "update": services.NOT_A_DRAFT,
    "submit": services.NOT_A_DRAFT,
    "confirm": services.NOT_SUBMITTED,
    "dismiss": services.NOT_SUBMITTED,
    "appeal": services.NOT_CONFIRMED,
    "decide_appeal": services.NO_PENDING_APPEAL,
}


@pytest.mark.parametrize("status", RecordStatus.values)
@pytest.mark.parametrize("action", ACTIONS)
def test_it_allows_only_the_transitions_of_the_workflow(
    status, action, inspector, reviewer, second_reviewer, person, unit_a
):
    record = record_in(
        status, inspector=inspector, reviewer=reviewer, second_reviewer=second_reviewer,
        person=person, unit=unit_a,
    )  # fmt: skip
    attempt = {
        "update": lambda: services.record_update(
            record=record, actor=inspector, description="Đã sửa."
        ),
        "submit": lambda: services.record_submit(record=record, actor=inspector),
        "confirm": lambda: services.record_confirm(record=record, reviewer=second_reviewer),
        "dismiss": lambda: services.record_dismiss(
            record=record, reviewer=second_reviewer, reason="Không đủ căn cứ."
        ),
        "appeal": lambda: services.record_appeal(
            record=record, actor=inspector, reason="Khiếu nại."
        ),
        "decide_appeal": lambda: services.appeal_decide(
            record=record, reviewer=second_reviewer, outcome="upheld", reason="Đủ căn cứ."
        ),
    }[action]
    entries = AuditEntry.objects.filter(record=record).count()

    if (status, action) in ALLOWED:
        attempt()
        assert AuditEntry.objects.filter(record=record).count() == entries + 1
    else:
        before = snapshot(record)
        with pytest.raises(DomainError) as error:
            attempt()
        assert error.value.message == REFUSAL[action]
        assert snapshot(record) == before


@pytest.mark.parametrize("status", ["confirmed", "dismissed", "overturned"])
def test_it_corrects_a_final_record_with_a_new_linked_one(
    status, inspector, reviewer, second_reviewer, person, unit_a
):
    original = record_in(
        status, inspector=inspector, reviewer=reviewer, second_reviewer=second_reviewer,
        person=person, unit=unit_a,
    )  # fmt: skip
    before = ViolationRecord.objects.filter(pk=original.pk).values().get()

    correction = draft(author=inspector, staff=person, unit=unit_a, corrects=original)

    assert correction.pk != original.pk
    assert correction.corrects == original
    assert correction.status == RecordStatus.DRAFT
    assert ViolationRecord.objects.filter(pk=original.pk).values().get() == before


@pytest.mark.parametrize("status", ["draft", "submitted"])
def test_it_refuses_to_correct_a_record_still_in_the_workflow(
    status, inspector, reviewer, second_reviewer, person, unit_a
):
    original = record_in(
        status, inspector=inspector, reviewer=reviewer, second_reviewer=second_reviewer,
        person=person, unit=unit_a,
    )  # fmt: skip
    before = snapshot()

    with pytest.raises(DomainError) as error:
        draft(author=inspector, staff=person, unit=unit_a, corrects=original)

    assert error.value.message == services.CANNOT_CORRECT
    assert snapshot() == before


def test_it_returns_the_first_record_for_a_form_token_used_twice(inspector, person, unit_a):
    first = draft(author=inspector, staff=person, unit=unit_a, form_token="token-1")
    before = snapshot()

    again = draft(author=inspector, staff=person, unit=unit_a, form_token="token-1")

    assert again.pk == first.pk
    assert snapshot() == before
