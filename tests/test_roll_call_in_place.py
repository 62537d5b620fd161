"""The roll call on site: all the rest present in one tap, undo of a wrong tap until the
visit ends, the count, and a tap answered in place (htmx) or by a redirect (no JavaScript);
the inspector's home page with today's visits first."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image

from core.errors import DomainError
from inspections import services
from inspections.models import AuditEntry, InspectionRound, RollCallEntry, ViolationRecord, Visit
from personnel.models import Posting, Role, Staff
from tests.factories import make_user

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def the_round(inspector, unit_a):
    today = timezone.localdate()
    return services.round_create(
        code="DX-09",
        name="Kiểm tra đột xuất",
        kind="surprise",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=3),
        lead=inspector,
        members=[],
        units=[unit_a],
    )


@pytest.fixture
def people(unit_a):
    staff = [
        Staff.objects.create(code=f"R00{n}", full_name=name, category="cong_chuc")
        for n, name in enumerate(["Nguyễn Văn An", "Lê Thị Bình", "Trần Văn Cường"], start=1)
    ]
    for person in staff:
        Posting.objects.create(staff=person, unit=unit_a)
    return staff


@pytest.fixture
def visit(the_round, unit_a, inspector):
    return services.visit_start(inspection_round=the_round, unit=unit_a, actor=inspector)


def marks(visit) -> dict[str, str]:
    return dict(visit.roll_call.values_list("staff__code", "attendance"))


# All the rest present


def test_it_marks_all_the_rest_present_and_leaves_the_marked_alone(visit, inspector, people):
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="excused")

    count = services.roll_call_rest_present(visit=visit, actor=inspector)

    assert count == 2
    assert marks(visit) == {"R001": "excused", "R002": "present", "R003": "present"}
    noted = visit.roll_call.filter(staff__in=people[1:])
    assert {(entry.noted_by, entry.record_id) for entry in noted} == {(inspector, None)}
    assert services.roll_call_rest_present(visit=visit, actor=inspector) == 0


def test_it_refuses_all_the_rest_after_the_visit_ended(visit, inspector, people):
    services.visit_finish(visit=visit, actor=inspector)

    with pytest.raises(DomainError) as error:
        services.roll_call_rest_present(visit=visit, actor=inspector)

    assert error.value.message == services.VISIT_FINISHED
    assert RollCallEntry.objects.count() == 0


def test_it_refuses_all_the_rest_to_an_inspector_off_the_team(visit, people):
    stranger = make_user("stranger", role=Role.INSPECTOR)

    with pytest.raises(DomainError) as error:
        services.roll_call_rest_present(visit=visit, actor=stranger)

    assert error.value.message == services.NOT_ON_TEAM
    assert RollCallEntry.objects.count() == 0


# Undo


def test_it_undoes_a_first_mark_by_clearing_it(visit, inspector, people):
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="present")

    assert services.roll_call_undo(visit=visit, actor=inspector, staff=people[0]) is None

    assert RollCallEntry.objects.count() == 0


def test_it_undoes_a_changed_mark_back_to_the_one_before(visit, inspector, people):
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="present")
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="excused")

    entry = services.roll_call_undo(visit=visit, actor=inspector, staff=people[0])

    assert (entry.attendance, entry.previous_attendance) == ("present", "")
    assert marks(visit) == {"R001": "present"}


def test_it_refuses_to_undo_after_the_visit_ended(visit, inspector, people):
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="present")
    services.visit_finish(visit=visit, actor=inspector)

    with pytest.raises(DomainError) as error:
        services.roll_call_undo(visit=visit, actor=inspector, staff=people[0])

    assert error.value.message == services.VISIT_FINISHED
    assert marks(visit) == {"R001": "present"}


def test_it_refuses_to_undo_for_an_inspector_off_the_team(visit, inspector, people):
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="present")
    stranger = make_user("stranger", role=Role.INSPECTOR)

    with pytest.raises(DomainError) as error:
        services.roll_call_undo(visit=visit, actor=stranger, staff=people[0])

    assert error.value.message == services.NOT_ON_TEAM
    assert marks(visit) == {"R001": "present"}


def test_it_undoes_a_mark_that_opened_a_draft_and_withdraws_the_draft(visit, inspector, people):
    entry = services.roll_call_mark(
        visit=visit, actor=inspector, staff=people[0], attendance="absent"
    )

    assert services.roll_call_undo(visit=visit, actor=inspector, staff=people[0]) is None

    record = ViolationRecord.objects.get()  # a record is never deleted: it is withdrawn
    assert (marks(visit), record.pk, record.status) == ({}, entry.record_id, "withdrawn")
    last = record.audit_entries.last()
    assert (last.action, last.actor, last.from_status, last.to_status) == (
        "withdrawn",
        inspector,
        "draft",
        "withdrawn",
    )
    assert last.changes == {"attendance": ["absent", None]}


def test_it_undoes_a_fault_back_to_the_mark_before_it(visit, inspector, people):
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="present")
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="late")

    entry = services.roll_call_undo(visit=visit, actor=inspector, staff=people[0])

    assert (entry.attendance, entry.record_id) == ("present", None)
    assert marks(visit) == {"R001": "present"}
    assert ViolationRecord.objects.get().status == "withdrawn"


def test_it_opens_a_new_draft_when_the_fault_is_marked_again(visit, inspector, people):
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="absent")
    services.roll_call_undo(visit=visit, actor=inspector, staff=people[0])

    entry = services.roll_call_mark(
        visit=visit, actor=inspector, staff=people[0], attendance="no_badge"
    )

    assert entry.record.status == "draft"
    assert sorted(ViolationRecord.objects.values_list("status", flat=True)) == [
        "draft",
        "withdrawn",
    ]


def _changed_draft(record, inspector):
    services.record_update(record=record, actor=inspector, description="Vắng cả buổi sáng.")


def _photo_added(record, inspector):
    photo = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(photo, format="PNG")
    upload = SimpleUploadedFile("a.png", photo.getvalue())
    services.evidence_add(record=record, actor=inspector, photos=[upload])


def _submitted(record, inspector):
    services.record_submit(record=record, actor=inspector)


@pytest.mark.parametrize(
    ("touch", "refusal"),
    [
        (_changed_draft, services.UNDO_RECORD_CHANGED),
        (_photo_added, services.UNDO_RECORD_CHANGED),
        (_submitted, services.UNDO_RECORD_SENT),
    ],
)
def test_it_refuses_to_undo_a_mark_whose_record_was_touched(
    touch, refusal, visit, inspector, people, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    entry = services.roll_call_mark(
        visit=visit, actor=inspector, staff=people[0], attendance="absent"
    )
    touch(entry.record, inspector)
    status = ViolationRecord.objects.get().status
    trail = AuditEntry.objects.count()

    with pytest.raises(DomainError) as error:
        services.roll_call_undo(visit=visit, actor=inspector, staff=people[0])

    assert error.value.message == refusal
    assert (marks(visit), ViolationRecord.objects.get().status) == ({"R001": "absent"}, status)
    assert AuditEntry.objects.count() == trail


def test_it_refuses_to_withdraw_the_draft_of_another_team_member(
    the_round, visit, inspector, people
):
    colleague = make_user("colleague", role=Role.INSPECTOR)
    the_round.members.add(colleague)
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="absent")

    with pytest.raises(DomainError) as error:
        services.roll_call_undo(visit=visit, actor=colleague, staff=people[0])

    assert error.value.message == services.UNDO_RECORD_OF_ANOTHER
    assert (marks(visit), ViolationRecord.objects.get().status) == ({"R001": "absent"}, "draft")


def test_it_refuses_to_undo_a_mark_with_a_draft_after_the_visit_ended(visit, inspector, people):
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="absent")
    services.visit_finish(visit=visit, actor=inspector)

    with pytest.raises(DomainError) as error:
        services.roll_call_undo(visit=visit, actor=inspector, staff=people[0])

    assert error.value.message == services.VISIT_FINISHED
    assert ViolationRecord.objects.get().status == "draft"


def test_it_shows_a_withdrawn_draft_to_its_author_alone(
    client, visit, inspector, reviewer, unit_head, people
):
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="absent")
    services.roll_call_undo(visit=visit, actor=inspector, staff=people[0])
    record = ViolationRecord.objects.get()
    url = reverse("inspections:record_detail", args=[record.pk])

    seen = {}
    for user in (inspector, reviewer, unit_head):
        client.force_login(user)
        seen[user.username] = client.get(url).status_code

    assert seen == {inspector.username: 200, reviewer.username: 404, unit_head.username: 404}
    client.force_login(inspector)
    html = client.get(url).content.decode()
    assert escape(_("Submit for review")) not in html
    assert escape(_("Add the photos")) not in html


@pytest.mark.postgresql
def test_it_locks_the_visit_the_mark_and_the_draft_before_withdrawing(visit, inspector, people):
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="absent")

    with CaptureQueriesContext(connection) as captured:
        services.roll_call_undo(visit=visit, actor=inspector, staff=people[0])

    locked = [
        table
        for query in captured.captured_queries
        if "FOR UPDATE" in query["sql"]
        for table in (
            "inspections_visit",
            "inspections_rollcallentry",
            "inspections_violationrecord",
        )
        if f'FROM "{table}"' in query["sql"]
    ]
    # The visit may be locked again (the idempotency key's check locks it first): the order of
    # the first locks is what keeps two taps from waiting on each other.
    assert list(dict.fromkeys(locked)) == [
        "inspections_visit",
        "inspections_rollcallentry",
        "inspections_violationrecord",
    ]


def test_it_refuses_to_undo_nobody_marked(visit, inspector, people):
    with pytest.raises(DomainError) as error:
        services.roll_call_undo(visit=visit, actor=inspector, staff=people[0])

    assert error.value.message == services.ROLL_CALL_NOT_MARKED


# The pages


def test_it_answers_a_tap_in_place_with_the_row_and_the_count(client, visit, inspector, people):
    client.force_login(inspector)
    url = reverse("inspections:roll_call", args=[visit.pk])

    response = client.post(url, {"staff": people[1].pk, "attendance": "present"}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="roll-call__person" id="staff-{people[1].pk}" ')
    assert 'id="roll-call-progress" role="status" hx-swap-oob="true"' in html
    assert "<strong>1/3</strong>" in html
    assert "<html" not in html
    assert marks(visit) == {"R002": "present"}


def test_it_redirects_a_tap_without_javascript_to_the_same_place(client, visit, inspector, people):
    client.force_login(inspector)
    url = reverse("inspections:roll_call", args=[visit.pk])

    response = client.post(f"{url}?page=1", {"staff": people[1].pk, "attendance": "present"})

    assert response.status_code == 302
    assert response["Location"] == f"{url}?page=1#staff-{people[1].pk}"
    assert "<strong>1/3</strong>" in client.get(url).content.decode()


def test_it_undoes_a_tap_in_place(client, visit, inspector, people):
    client.force_login(inspector)
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="present")

    response = client.post(
        reverse("inspections:roll_call_undo", args=[visit.pk]), {"staff": people[0].pk}, **HTMX
    )

    assert response.status_code == 200
    assert "<strong>0/3</strong>" in response.content.decode()
    assert RollCallEntry.objects.count() == 0


def test_it_undoes_a_tap_that_opened_a_draft_in_place(client, visit, inspector, people):
    client.force_login(inspector)
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="absent")

    response = client.post(
        reverse("inspections:roll_call_undo", args=[visit.pk]), {"staff": people[0].pk}, **HTMX
    )

    html = response.content.decode()
    withdrawn = _("%(name)s: the mark is undone and the draft record it opened is withdrawn.")
    assert escape(withdrawn % {"name": people[0].full_name}) in html
    assert "<strong>0/3</strong>" in html
    assert f'id="mark-{people[0].pk}-absent"' in html
    assert ViolationRecord.objects.get().status == "withdrawn"


def test_it_offers_undo_on_a_row_whose_mark_opened_a_draft(client, visit, inspector, people):
    client.force_login(inspector)
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="absent")

    html = client.get(reverse("inspections:roll_call", args=[visit.pk])).content.decode()

    assert f'id="undo-{people[0].pk}"' in html
    assert escape(_("Undo the mark and withdraw its draft")) in html


def test_it_shows_a_refused_undo_in_the_row(client, visit, inspector, people):
    client.force_login(inspector)
    entry = services.roll_call_mark(
        visit=visit, actor=inspector, staff=people[0], attendance="absent"
    )
    services.record_update(record=entry.record, actor=inspector, description="Vắng cả buổi.")

    response = client.post(
        reverse("inspections:roll_call_undo", args=[visit.pk]), {"staff": people[0].pk}, **HTMX
    )

    html = response.content.decode()
    assert 'role="alert"' in html
    assert escape(str(services.UNDO_RECORD_CHANGED)) in html
    assert RollCallEntry.objects.get().attendance == "absent"
    assert ViolationRecord.objects.get().status == "draft"


def test_it_marks_the_rest_present_in_place(client, visit, inspector, people):
    client.force_login(inspector)
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="excused")
    url = reverse("inspections:roll_call_rest_present", args=[visit.pk])

    response = client.post(url, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="roll-call-sheet">')
    assert "<html" not in html
    assert "<strong>3/3</strong>" in html
    marked = ngettext("%(count)s person marked present.", "%(count)s people marked present.", 2)
    assert escape(marked % {"count": 2}) in html
    assert "roll-call__rest" not in html  # nobody left to mark
    assert html.count('class="roll-call__person"') == 3
    assert html.count("tap-button--chosen") == 3
    assert marks(visit) == {"R001": "excused", "R002": "present", "R003": "present"}


def test_it_keeps_the_search_when_marking_the_rest_in_place(client, visit, inspector, people):
    client.force_login(inspector)
    url = reverse("inspections:roll_call_rest_present", args=[visit.pk])

    html = client.post(f"{url}?q=binh", **HTMX).content.decode()

    assert html.count('class="roll-call__person"') == 1
    assert "Lê Thị Bình" in html
    assert "<strong>3/3</strong>" in html


def test_it_shows_a_refused_rest_in_place(client, visit, inspector, people):
    client.force_login(inspector)
    services.visit_finish(visit=visit, actor=inspector)
    url = reverse("inspections:roll_call_rest_present", args=[visit.pk])

    html = client.post(url, **HTMX).content.decode()

    assert 'role="alert"' in html
    assert escape(str(services.VISIT_FINISHED)) in html
    assert marks(visit) == {}


def test_it_marks_the_rest_present_from_the_page_and_comes_back(client, visit, inspector, people):
    client.force_login(inspector)
    url = reverse("inspections:roll_call_rest_present", args=[visit.pk])

    response = client.post(f"{url}?q=an")

    roll_call = reverse("inspections:roll_call", args=[visit.pk])
    assert response["Location"] == f"{roll_call}?q=an"
    assert marks(visit) == {"R001": "present", "R002": "present", "R003": "present"}


def test_it_refuses_the_new_roll_call_steps_to_another_team(client, visit, people):
    client.force_login(make_user("stranger", role=Role.INSPECTOR))
    services.roll_call_mark(
        visit=visit, actor=visit.round.lead, staff=people[0], attendance="present"
    )

    for name, data in (("roll_call_rest_present", {}), ("roll_call_undo", {"staff": people[0].pk})):
        response = client.post(reverse(f"inspections:{name}", args=[visit.pk]), data)
        assert response.status_code == 404, name
    assert marks(visit) == {"R001": "present"}


def test_it_hides_the_forms_once_the_visit_ended(client, visit, inspector, people):
    client.force_login(inspector)
    services.roll_call_mark(visit=visit, actor=inspector, staff=people[0], attendance="present")
    services.visit_finish(visit=visit, actor=inspector)

    html = client.get(reverse("inspections:roll_call", args=[visit.pk])).content.decode()

    assert "roll-call__buttons" not in html
    assert "roll-call__undo" not in html
    assert "roll-call__rest" not in html


def test_it_loads_htmx_from_the_portals_own_static_files(client, visit, inspector, people):
    client.force_login(inspector)

    html = client.get(reverse("inspections:roll_call", args=[visit.pk])).content.decode()

    assert '<script src="/static/htmx/htmx.min.js" defer></script>' in html
    assert """content='{"includeIndicatorStyles":false,"allowEval":false}'""" in html


# Today's visits on the inspector's home page


def test_it_puts_todays_visits_first_without_older_rounds(client, visit, inspector, unit_a):
    old = InspectionRound.objects.create(
        code="DX-2019-01",
        name="Đợt 2019",
        kind="surprise",
        starts_on=datetime.date(2019, 3, 1),
        ends_on=datetime.date(2019, 3, 5),
        lead=inspector,
    )
    Visit.objects.create(
        round=old,
        unit=unit_a,
        started_at=timezone.make_aware(datetime.datetime(2019, 3, 2, 8, 0)),
        finished_at=timezone.make_aware(datetime.datetime(2019, 3, 2, 11, 0)),
    )
    client.force_login(inspector)

    html = client.get(reverse("home")).content.decode()

    today = html[html.index('id="today-heading"') : html.index('class="cards"')]
    assert reverse("inspections:visit_detail", args=[visit.pk]) in today
    assert "DX-09" in today
    assert "DX-2019-01" not in today
