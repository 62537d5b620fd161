"""Object-level access: a unit head sees their unit only, an inspector their rounds and records,
a photo only those who may see its record; numbers in URLs tell an outsider nothing, and the
citizen's tracking page shows nothing personal."""

import datetime
import itertools
import re

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from emulation.models import Nomination
from inspections import services
from inspections.citizen_report_selectors import TRACKING_ALPHABET, TRACKING_CODE_LENGTH
from inspections.citizen_report_services import report_confirm, report_start_verification
from inspections.models import Appeal, AuditEntry, Evidence, ViolationRecord
from personnel.models import Posting, Regulation, Role, Staff, StaffCategory
from tests.conftest import drained
from tests.factories import jpeg, make_user, visit_started_earlier


def _status(client, url, **data):
    return drained(client.post(url, data) if data else client.get(url)).status_code


def _everything_written():
    return (
        ViolationRecord.objects.count(),
        Evidence.objects.count(),
        AuditEntry.objects.count(),
        Appeal.objects.count(),
        Regulation.objects.count(),
        Nomination.objects.count(),
    )


# Numbers in URLs follow each other: trying them must tell an outsider nothing.


def test_it_answers_every_guessed_number_alike_to_another_units_head(client, world, unit_head):
    client.force_login(unit_head)
    highest = {
        "inspections:record_detail": ViolationRecord.objects.aggregate(top=Max("pk"))["top"],
        "inspections:record_pdf": ViolationRecord.objects.aggregate(top=Max("pk"))["top"],
        "inspections:round_detail": world.the_round.pk,
        "inspections:visit_detail": world.visit.pk,
        "personnel:regulation_document": world.regulation.pk,
    }

    answers = {
        (name, pk): _status(client, reverse(name, args=[pk]))
        for name, top in highest.items()
        for pk in range(1, top + 5)
    }
    answers |= {
        ("inspections:evidence", pk): _status(
            client, reverse("inspections:evidence", args=[pk, "photo"])
        )
        for pk in range(1, world.evidence.pk + 5)
    }

    # Unit B's objects answer exactly as numbers that were never given out.
    assert set(answers.values()) == {404}


def test_it_answers_another_units_person_as_an_unknown_code(client, world, unit_head):
    client.force_login(unit_head)

    theirs = client.get(reverse("personnel:staff_detail", args=[world.person_b.code]))
    unknown = client.get(reverse("personnel:staff_detail", args=["B-9999"]))

    assert theirs.status_code == unknown.status_code == 404
    assert world.person_b.full_name not in theirs.content.decode()


def test_it_shows_unit_b_its_own_objects_and_those_only(client, world, unit_a, inspector):
    # Unit A has a confirmed record and a photo of its own, made by the same team.
    person_a = Staff.objects.create(
        code="A-0001", full_name="Đỗ Văn An", category=StaffCategory.CONG_CHUC
    )
    Posting.objects.create(staff=person_a, unit=unit_a)
    visit_a = visit_started_earlier(
        services.visit_start(inspection_round=world.the_round, unit=unit_a, actor=inspector)
    )
    record_a = services.record_create(
        author=inspector, staff=person_a, unit=unit_a, visit=visit_a, type="late_or_early_leave",
        occurred_at=timezone.now() - datetime.timedelta(minutes=5), description="Đi muộn.",
        photos=[jpeg()],
    )  # fmt: skip
    record_a = services.record_submit(record=record_a, actor=inspector)
    client.force_login(world.users["head_b"])

    records = {
        pk: _status(client, reverse("inspections:record_detail", args=[pk]))
        for pk in ViolationRecord.objects.values_list("pk", flat=True)
    }
    photos = {
        pk: _status(client, reverse("inspections:evidence", args=[pk, "photo"]))
        for pk in Evidence.objects.values_list("pk", flat=True)
    }
    listed = client.get(reverse("inspections:unit_records")).content.decode()

    # Their confirmed record is open; unit A's record and the inspector's draft are not.
    assert records == {world.record.pk: 200, world.draft.pk: 404, record_a.pk: 404}
    assert photos == {world.evidence.pk: 200, record_a.evidence.get().pk: 404}
    assert world.record.number in listed
    assert record_a.number not in listed
    assert "Đỗ Văn An" not in listed


def test_it_shows_a_unit_head_only_their_units_visit_of_a_shared_round(
    client, world, unit_a, inspector, unit_head
):
    services.visit_start(inspection_round=world.the_round, unit=unit_a, actor=inspector)
    client.force_login(unit_head)

    html = client.get(reverse("inspections:round_detail", args=[world.the_round.pk])).content

    assert "Phường Đông Kinh" in html.decode()
    assert "Xã Hoàng Đồng" not in html.decode()
    assert _status(client, reverse("inspections:visit_detail", args=[world.visit.pk])) == 404


def test_it_lists_only_the_unit_heads_own_people_whatever_the_filter(
    client, world, unit_head, unit_a
):
    own = Staff.objects.create(
        code="A-0001", full_name="Phan Văn Tâm", category=StaffCategory.CONG_CHUC
    )
    Posting.objects.create(staff=own, unit=unit_a)
    client.force_login(unit_head)

    # Unit B's code typed into the filter: the list stays the head's own unit.
    html = client.get(reverse("personnel:staff_list"), {"unit": world.visit.unit.code}).content

    assert world.person_b.full_name not in html.decode()
    assert own.full_name in html.decode()


# Inspectors: their rounds and the records of their rounds


def test_it_keeps_another_teams_inspector_out_of_the_round_and_its_records(client, world, unit_b):
    # Even on a round of their own that visits the same unit.
    stranger = world.users["other_inspector"]
    today = timezone.localdate()
    services.round_create(
        code="DX-02", name="Đợt khác", kind="surprise", starts_on=today, ends_on=today,
        lead=stranger, members=[], units=[unit_b],
    )  # fmt: skip
    client.force_login(stranger)

    answers = [
        _status(client, reverse("inspections:round_detail", args=[world.the_round.pk])),
        _status(client, reverse("inspections:visit_detail", args=[world.visit.pk])),
        _status(client, reverse("inspections:record_detail", args=[world.record.pk])),
        _status(client, reverse("inspections:record_pdf", args=[world.record.pk])),
        _status(client, reverse("inspections:evidence", args=[world.evidence.pk, "photo"])),
        _status(client, reverse("inspections:record_detail", args=[world.draft.pk])),
    ]
    rounds = client.get(reverse("inspections:rounds")).content.decode()

    assert answers == [404] * 6
    assert "DX-02" in rounds
    assert "DX-01" not in rounds


def test_it_shows_a_drafts_photo_to_its_author_only(client, world, inspector, reviewer):
    services.evidence_add(record=world.draft, actor=inspector, photos=[jpeg()])
    photo = world.draft.evidence.get()
    url = reverse("inspections:evidence", args=[photo.pk, "photo"])

    client.force_login(inspector)
    by_author = _status(client, url)
    client.force_login(reviewer)
    by_reviewer = _status(client, url)
    client.force_login(world.users["head_b"])
    by_unit_head = _status(client, url)

    assert (by_author, by_reviewer, by_unit_head) == (200, 404, 404)


# Changes from outside write nothing


def test_it_refuses_changes_to_another_units_objects_and_writes_nothing(client, world, unit_head):
    client.force_login(unit_head)
    before = _everything_written()

    answers = [
        _status(
            client,
            reverse("inspections:record_appeal", args=[world.record.pk]),
            reason="Không đúng.",
        ),
        _status(
            client,
            reverse("personnel:regulation_new", args=[world.visit.unit.code]),
            kind="working_rules",
            action="issued",
            title="Quy chế giả",
            signed_on="01/01/2026",
        ),
    ]
    nomination = client.post(
        reverse("emulation:nominations"),
        {
            "period": world.period.code,
            "staff_code": world.person_b.code,
            "title": "lao_dong_tien_tien",
        },
    )

    assert answers == [404, 403]
    assert nomination.status_code == 200  # the form again, with its error
    assert "Người này không thuộc đơn vị của bạn." in nomination.content.decode()
    assert _everything_written() == before


def test_it_refuses_another_teams_inspector_adding_photos_or_submitting(client, world):
    client.force_login(world.users["other_inspector"])
    before = _everything_written()

    photos = client.post(
        reverse("inspections:record_photos", args=[world.draft.pk]), {"photos": jpeg()}
    )
    submit = _status(
        client, reverse("inspections:record_submit", args=[world.draft.pk]), confirmed="yes"
    )

    assert (photos.status_code, submit) == (404, 404)
    assert _everything_written() == before
    world.draft.refresh_from_db()
    assert world.draft.status == "draft"


# The citizen's tracking page


def test_it_shows_the_citizen_the_status_and_nothing_personal(client, world, reviewer):
    report = world.report
    report_start_verification(report=report, reviewer=reviewer)
    report_confirm(
        report=report,
        reviewer=reviewer,
        staff=world.person_b,
        violation_type="absent_without_reason",
    )
    report.refresh_from_db()

    html = client.get(reverse("citizen_reports:track", args=[report.tracking_code])).content
    text = html.decode()

    assert "Phản ánh đã được xác minh và đã lập biên bản vi phạm" in text
    for personal in (
        report.contact_name,
        report.contact_phone,
        report.staff_hint,
        report.description,
        world.person_b.full_name,
        world.person_b.code,
        reviewer.username,
        "192.0.2.1",
    ):
        assert personal not in text, personal
    assert not re.search(r"\d+/BB-KTCV", text)  # no record number


def test_it_finds_a_report_by_its_code_only_not_by_its_number(client, world):
    report = world.report

    by_number = client.get(reverse("citizen_reports:track", args=[str(report.pk)]))
    by_lower_case = client.get(
        reverse("citizen_reports:track", args=[report.tracking_code.lower()])
    )
    looked_up = client.get(reverse("citizen_reports:lookup"), {"code": str(report.pk)})

    assert by_number.status_code == 404
    assert by_lower_case.status_code == 200
    assert "Không có phản ánh nào có mã theo dõi này" in looked_up.content.decode()


def test_it_gives_tracking_codes_that_cannot_be_guessed_from_one_another(world, unit_b):
    from inspections.citizen_report_services import report_submit

    codes = [world.report.tracking_code] + [
        report_submit(
            unit=unit_b, staff_hint="", occurred_at=timezone.now(), description=f"Việc {n}.",
            sender_address=f"198.51.100.{n}",
        ).tracking_code
        for n in range(1, 5)
    ]  # fmt: skip

    assert len(set(codes)) == 5
    assert all(len(code) == TRACKING_CODE_LENGTH for code in codes)
    assert all(set(code) <= set(TRACKING_ALPHABET) for code in codes)
    # 31^10 codes: no two reports sent in a row share more than chance allows.
    assert all(
        sum(a == b for a, b in zip(first, second, strict=True)) < 6
        for first, second in itertools.pairwise(codes)
    )


def test_it_refuses_the_reviewers_pages_of_a_report_to_everyone_else(client, world):
    for persona in ("inspector", "council", "head_a", "head_b"):
        client.force_login(world.users[persona])
        response = client.get(reverse("citizen_reports:detail", args=[world.report.pk]))
        assert response.status_code == 403, persona
        assert world.report.contact_phone not in response.content.decode()


def test_it_gives_a_user_without_unit_no_unit_data(client, world):
    headless = make_user("headless", role=Role.UNIT_HEAD)
    client.force_login(headless)

    answers = [
        _status(client, reverse("inspections:record_detail", args=[world.record.pk])),
        _status(client, reverse("personnel:staff_detail", args=[world.person_b.code])),
        _status(client, reverse("personnel:staff_list")),
    ]
    listed = client.get(reverse("inspections:unit_records")).content.decode()

    assert answers == [404, 404, 403]
    assert world.record.number not in listed


def test_it_shows_the_council_a_cited_record_without_the_way_into_its_round(
    client, world, council_member, reviewer
):
    visit_url = reverse("inspections:visit_detail", args=[world.visit.pk])
    record_url = reverse("inspections:record_detail", args=[world.record.pk])

    client.force_login(council_member)
    as_council = client.get(record_url).content.decode()
    client.force_login(reviewer)
    as_reviewer = client.get(record_url).content.decode()

    assert world.record.number in as_council
    assert world.the_round.code in as_council
    assert f'href="{visit_url}"' not in as_council
    assert f'href="{visit_url}"' in as_reviewer
