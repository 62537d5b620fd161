"""Rounds, visits, the unit checklist, the roll call, and the secrecy of surprise rounds."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from inspections import selectors, services
from inspections.models import (
    AuditEntry,
    ChecklistAnswer,
    ChecklistItem,
    InspectionRound,
    RecordStatus,
    RollCallEntry,
    ViolationRecord,
    Visit,
)
from personnel.models import Posting, Role, Staff
from tests.factories import make_user


@pytest.fixture
def member(db):
    return make_user("member", role=Role.INSPECTOR)


@pytest.fixture
def surprise_round(inspector, member, unit_a, unit_b):
    today = timezone.localdate()
    return services.round_create(
        code="DX-01",
        name="Kiểm tra đột xuất đợt 1",
        kind="surprise",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=7),
        lead=inspector,
        members=[member],
        units=[unit_a, unit_b],
    )


@pytest.fixture
def people(unit_a):
    staff = [
        Staff.objects.create(code=f"S00{n}", full_name=name, category="cong_chuc")
        for n, name in enumerate(["Nguyễn Văn An", "Lê Thị Bình", "Trần Văn Cường"], start=1)
    ]
    for person in staff:
        Posting.objects.create(staff=person, unit=unit_a)
    return staff


@pytest.fixture
def visit(surprise_round, unit_a, inspector):
    return services.visit_start(
        inspection_round=surprise_round, unit=unit_a, actor=inspector, representative="Ông Hải"
    )


def test_it_refuses_a_team_member_who_is_not_an_inspector(inspector, reviewer, unit_a):
    with pytest.raises(DomainError) as error:
        services.round_create(
            code="DX-02", name="Đợt 2", kind="surprise", starts_on=timezone.localdate(),
            ends_on=timezone.localdate(), lead=inspector, members=[reviewer], units=[unit_a],
        )  # fmt: skip

    assert error.value.message == services.NOT_INSPECTORS
    assert InspectionRound.objects.count() == 0


def test_it_refuses_a_round_ending_before_it_starts(inspector, unit_a):
    with pytest.raises(DomainError) as error:
        services.round_create(
            code="DX-02", name="Đợt 2", kind="planned", starts_on=timezone.localdate(),
            ends_on=timezone.localdate() - datetime.timedelta(days=1), lead=inspector,
            members=[], units=[unit_a],
        )  # fmt: skip

    assert error.value.message == services.BAD_DATES
    assert InspectionRound.objects.count() == 0


def test_it_starts_a_visit_with_the_team_member_present(visit, inspector, unit_a):
    visit.refresh_from_db()
    assert visit.unit == unit_a
    assert visit.representative == "Ông Hải"
    assert list(visit.inspectors.all()) == [inspector]
    assert visit.started_at <= timezone.now()


def test_it_refuses_a_visit_by_someone_outside_the_team(surprise_round, unit_a, db):
    stranger = make_user("stranger", role=Role.INSPECTOR)

    with pytest.raises(DomainError) as error:
        services.visit_start(inspection_round=surprise_round, unit=unit_a, actor=stranger)

    assert error.value.message == services.NOT_ON_TEAM
    assert Visit.objects.count() == 0


def test_it_refuses_a_visit_to_a_unit_not_on_the_list(surprise_round, member, db):
    from personnel.models import Unit

    other = Unit.objects.create(code="P-C", name="Phường Tam Thanh", kind="ward")

    with pytest.raises(DomainError) as error:
        services.visit_start(inspection_round=surprise_round, unit=other, actor=member)

    assert error.value.message == services.UNIT_NOT_PLANNED
    assert Visit.objects.count() == 0


def test_it_finishes_a_visit_and_then_refuses_changes(visit, inspector, people):
    services.visit_finish(visit=visit, actor=inspector)

    visit.refresh_from_db()
    assert visit.finished_at is not None
    with pytest.raises(DomainError) as error:
        services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="present")
    assert error.value.message == services.VISIT_FINISHED
    assert RollCallEntry.objects.count() == 0


# Secrecy of surprise rounds


def test_it_hides_a_surprise_round_from_the_unit_head_until_the_visit_starts(
    surprise_round, unit_head, member, unit_a
):
    assert list(selectors.rounds_for(unit_head)) == []

    services.visit_start(inspection_round=surprise_round, unit=unit_a, actor=member)

    assert list(selectors.rounds_for(unit_head)) == [surprise_round]


def test_it_shows_the_unit_head_only_the_visit_to_their_own_unit(
    surprise_round, unit_head, member, unit_a, unit_b
):
    own = services.visit_start(inspection_round=surprise_round, unit=unit_a, actor=member)
    services.visit_start(inspection_round=surprise_round, unit=unit_b, actor=member)

    assert list(selectors.visits_of(user=unit_head, inspection_round=surprise_round)) == [own]
    assert not selectors.sees_whole_round(user=unit_head, inspection_round=surprise_round)


def test_it_hides_a_round_visited_elsewhere_from_another_units_head(
    surprise_round, member, unit_b, unit_a
):
    head_of_b = make_user("head_b", role=Role.UNIT_HEAD, unit=unit_b)
    services.visit_start(inspection_round=surprise_round, unit=unit_a, actor=member)

    assert list(selectors.rounds_for(head_of_b)) == []


def test_it_hides_a_round_from_inspectors_outside_its_team(surprise_round, db):
    stranger = make_user("stranger", role=Role.INSPECTOR)

    assert list(selectors.rounds_for(stranger)) == []


@pytest.mark.parametrize("persona", ["inspector", "member", "reviewer", "administrator"])
def test_it_shows_the_round_and_its_units_to_the_team_and_reviewers(
    persona, request, surprise_round, unit_a, unit_b
):
    user = request.getfixturevalue(persona)

    assert list(selectors.rounds_for(user)) == [surprise_round]
    assert selectors.sees_whole_round(user=user, inspection_round=surprise_round)


@pytest.mark.parametrize(
    ("persona", "writes"),
    [
        ("inspector", True),
        ("member", True),
        ("reviewer", False),
        ("administrator", False),
        ("unit_head", False),
        ("outsider", False),
        ("council_member", False),
    ],
)
def test_only_the_team_writes_on_a_round_and_rounds_for_shows_it_to_them(
    persona, writes, request, surprise_round, member, unit_a
):
    """The visit pages take writes_on_round as leave to read the visit without rounds_for:
    only the round's team of inspectors, each of whom rounds_for lists the round to."""
    user = request.getfixturevalue(persona)
    services.visit_start(inspection_round=surprise_round, unit=unit_a, actor=member)

    assert selectors.writes_on_round(user=user, inspection_round=surprise_round) is writes
    if writes:
        assert list(selectors.rounds_for(user)) == [surprise_round]
        assert selectors.sees_whole_round(user=user, inspection_round=surprise_round)


def test_it_hides_the_round_from_people_without_a_role(surprise_round, outsider, council_member):
    assert list(selectors.rounds_for(outsider)) == []
    assert list(selectors.rounds_for(council_member)) == []


# Checklist


def test_it_seeds_the_six_default_checklist_items_in_vietnamese(db):
    texts = [item.text for item in selectors.active_checklist_items()]

    assert len(texts) == 6
    assert texts[0].startswith("Việc ban hành và thực hiện nội quy, quy chế làm việc")
    assert texts[-1] == "Công tác tiếp công dân"


def test_it_records_and_changes_checklist_answers(visit, inspector, member):
    first, second = selectors.active_checklist_items()[:2]

    services.checklist_save(
        visit=visit,
        actor=inspector,
        answers=[(first, "passed", ""), (second, "failed", "Chưa công khai quy chế.")],
    )
    services.checklist_save(visit=visit, actor=member, answers=[(first, "not_applicable", "")])

    answers = {a.item_id: (a.result, a.note, a.answered_by) for a in ChecklistAnswer.objects.all()}
    assert answers == {
        first.pk: ("not_applicable", "", member),
        second.pk: ("failed", "Chưa công khai quy chế.", inspector),
    }


def test_it_refuses_checklist_answers_from_outside_the_team(visit, db):
    stranger = make_user("stranger", role=Role.INSPECTOR)
    item = ChecklistItem.objects.first()

    with pytest.raises(DomainError) as error:
        services.checklist_save(visit=visit, actor=stranger, answers=[(item, "passed", "")])

    assert error.value.message == services.NOT_ON_TEAM
    assert ChecklistAnswer.objects.count() == 0


# Roll call


def test_it_notes_presence_without_opening_a_record(visit, inspector, people):
    entry = services.roll_call_mark(
        visit=visit, actor=inspector, staff=people[0], attendance="present"
    )

    assert (entry.attendance, entry.record) == ("present", None)
    assert ViolationRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("attendance", "violation"),
    [
        ("no_badge", "no_badge"),
        ("late", "late_or_early_leave"),
        ("absent", "absent_without_reason"),
    ],
)
def test_it_opens_a_filled_in_draft_for_each_fault(
    attendance, violation, visit, member, people, unit_a
):
    entry = services.roll_call_mark(
        visit=visit, actor=member, staff=people[1], attendance=attendance
    )

    record = entry.record
    assert (record.status, record.type, record.staff, record.unit) == (
        RecordStatus.DRAFT,
        violation,
        people[1],
        unit_a,
    )
    assert (record.visit, record.author) == (visit, member)
    assert record.description.startswith("Phát hiện khi điểm danh")
    assert AuditEntry.objects.filter(record=record, action="created").count() == 1


def test_it_changes_a_tap_until_a_record_is_opened(visit, inspector, people):
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="excused")
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="late")

    with pytest.raises(DomainError) as error:
        services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="present")

    assert error.value.message == services.ROLL_CALL_HAS_RECORD
    entry = RollCallEntry.objects.get()
    assert entry.attendance == "late"
    assert ViolationRecord.objects.count() == 1


def test_it_refuses_a_roll_call_for_someone_not_posted_to_the_unit(visit, inspector, unit_b):
    elsewhere = Staff.objects.create(code="S100", full_name="Hoàng Văn Dũng", category="vien_chuc")
    Posting.objects.create(staff=elsewhere, unit=unit_b)

    with pytest.raises(DomainError) as error:
        services.roll_call_mark(visit=visit, actor=inspector, staff=elsewhere, attendance="absent")

    assert error.value.message == services.NOT_IN_UNIT_TODAY
    assert (RollCallEntry.objects.count(), ViolationRecord.objects.count()) == (0, 0)


def test_it_refuses_inspectors_present_who_are_not_on_the_team(surprise_round, unit_a, member):
    stranger = make_user("stranger", role=Role.INSPECTOR)

    with pytest.raises(DomainError) as error:
        services.visit_start(
            inspection_round=surprise_round, unit=unit_a, actor=member, inspectors=[stranger]
        )

    assert error.value.message == services.NOT_ON_TEAM
    assert Visit.objects.count() == 0


def test_it_records_the_legal_basis_through_the_round_form(
    client, administrator, inspector, reviewer, unit_a
):
    client.force_login(administrator)
    today = timezone.localdate()

    response = client.post(
        reverse("admin:inspections_inspectionround_add"),
        {
            "code": "DX-09",
            "name": "Kiểm tra đột xuất tháng 12",
            "kind": "surprise",
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
            "lead": inspector.pk,
            "units": [unit_a.pk],
            "team_decision_number": "125/QĐ-UBND",
            "team_decision_date": "2026-12-01",
            "team_decision_signer": "Hoàng Văn Minh",
            "team_decision_signer_title": "Chủ tịch Ủy ban nhân dân thành phố Lạng Sơn",
            "plan_number": "15/KH-UBND",
            "plan_date": "2026-01-05",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    created = InspectionRound.objects.get(code="DX-09")
    assert (created.team_decision_number, created.team_decision_date) == (
        "125/QĐ-UBND",
        datetime.date(2026, 12, 1),
    )
    assert (created.plan_number, created.plan_date) == ("15/KH-UBND", datetime.date(2026, 1, 5))
    assert selectors.legal_basis_missing(created) is False
    client.force_login(reviewer)
    page = client.get(reverse("inspections:round_detail", args=[created.pk])).content.decode()
    assert "125/QĐ-UBND" in page
    assert "01/12/2026" in page
    assert "Hoàng Văn Minh, Chủ tịch Ủy ban nhân dân thành phố Lạng Sơn" in page
    assert "15/KH-UBND" in page


def test_it_says_a_round_without_the_team_decision_has_no_legal_basis(surprise_round, reviewer):
    undated = services.round_create(
        code="DX-10", name="Đợt 10", kind="surprise", starts_on=timezone.localdate(),
        ends_on=timezone.localdate(), lead=surprise_round.lead, members=[], units=[],
        team_decision_number="125/QĐ-UBND",
    )  # fmt: skip

    assert selectors.legal_basis_missing(surprise_round) is True
    assert selectors.legal_basis_missing(undated) is True
    undated.team_decision_date = datetime.date(2026, 12, 1)
    assert selectors.legal_basis_missing(undated) is False
