"""What the server does for work done on a phone without a network: the queue's forms sent
again (idempotency keys bound to their user, the same rules as online, answers in JSON), the
unit's roster kept on the phone, the staff e-card, and signing out clearing the phone's store.
The browser's side is in tests/system/browser/test_offline_visit.py."""

import datetime
import json
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inspections import services
from inspections.models import (
    ChecklistAnswer,
    ChecklistItem,
    ChecklistResult,
    FormSubmission,
    RollCallEntry,
    ViolationRecord,
)
from personnel import cards
from personnel.models import Posting, Role, Staff
from personnel.services import staff_transfer
from tests.conftest import SignedInClient
from tests.factories import jpeg, make_staff, make_user, visit_started_earlier

# A form sent again from the phone's queue; sent at once from its page, without the second header.
QUEUE = {"HTTP_ACCEPT": "application/json", "HTTP_X_KEPT_ON_PHONE": "1"}
AT_ONCE = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def partner(db):
    return make_user("partner", role=Role.INSPECTOR)


@pytest.fixture
def visit(inspector, partner, unit_a):
    today = timezone.localdate()
    the_round = services.round_create(
        code="DX-01", name="Kiểm tra đột xuất", kind="surprise", starts_on=today,
        ends_on=today + datetime.timedelta(days=7), lead=inspector, members=[partner],
        units=[unit_a],
    )  # fmt: skip
    return visit_started_earlier(
        services.visit_start(inspection_round=the_round, unit=unit_a, actor=inspector)
    )


@pytest.fixture
def hang(unit_a):
    person = Staff.objects.create(
        code="DK-001", full_name="Nguyễn Thị Hằng", category="cong_chuc",
        badge_number="P-A.001234567890.CC",
    )  # fmt: skip
    Posting.objects.create(staff=person, unit=unit_a)
    return person


def signed_in(user) -> SignedInClient:
    client = SignedInClient()
    client.force_login(user)
    return client


def record_form(person, token: str, **extra) -> dict:
    return {
        "staff": person.pk,
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "type": "no_badge",
        "description": "Không đeo thẻ khi tiếp dân.",
        "token": token,
        **extra,
    }


def checklist_form(token: str, result: str) -> dict:
    item = ChecklistItem.objects.order_by("position").first()
    return {f"item{item.pk}-result": result, "token": token}


# --- Idempotency keys -------------------------------------------------------------------------


def test_it_refuses_a_record_key_first_used_by_another_user(visit, hang, inspector, partner):
    url = reverse("inspections:record_new", args=[visit.pk])
    signed_in(inspector).post(url, record_form(hang, "key-of-the-inspector"))
    record = ViolationRecord.objects.get()

    response = signed_in(partner).post(url, record_form(hang, "key-of-the-inspector"), **QUEUE)

    assert response.status_code == 422
    assert response.json() == {"refused": [str(services.KEY_OF_ANOTHER_USER)]}
    assert reverse("inspections:record_detail", args=[record.pk]) not in response.content.decode()
    assert ViolationRecord.objects.get() == record
    assert FormSubmission.objects.get().user == inspector


def test_it_refuses_a_replayed_record_key_on_the_page_too(visit, hang, inspector, partner):
    url = reverse("inspections:record_new", args=[visit.pk])
    signed_in(inspector).post(url, record_form(hang, "key-of-the-inspector"))

    response = signed_in(partner).post(url, record_form(hang, "key-of-the-inspector"))

    assert response.status_code == 200
    assert str(services.KEY_OF_ANOTHER_USER) in response.content.decode()
    assert ViolationRecord.objects.count() == 1


def test_it_answers_the_queue_with_the_record_made_once(visit, hang, inspector):
    url = reverse("inspections:record_new", args=[visit.pk])
    client = signed_in(inspector)

    first = client.post(url, record_form(hang, "queued-1", photos=[jpeg()]), **QUEUE)
    again = client.post(url, record_form(hang, "queued-1", photos=[jpeg()]), **QUEUE)

    record = ViolationRecord.objects.get()
    expected = {"sent": True, "url": reverse("inspections:record_detail", args=[record.pk])}
    assert first.json() == again.json() == expected
    assert record.evidence.count() == 1


def test_it_says_saved_on_the_next_page_only_to_the_page_that_sent_it(visit, hang, inspector):
    url = reverse("inspections:record_new", args=[visit.pk])
    client = signed_in(inspector)

    client.post(url, record_form(hang, "at-once"), **AT_ONCE)
    at_once = client.get(reverse("inspections:visit_detail", args=[visit.pk]))
    client.post(url, record_form(hang, "from-the-queue"), **QUEUE)
    queued = client.get(reverse("inspections:visit_detail", args=[visit.pk]))

    assert [str(m) for m in at_once.context["messages"]] == ["Đã lưu biên bản nháp."]
    assert list(queued.context["messages"]) == []
    assert ViolationRecord.objects.count() == 2


def test_it_refuses_a_queued_record_of_a_visit_ended_meanwhile(visit, hang, inspector):
    services.visit_finish(visit=visit, actor=inspector)

    response = signed_in(inspector).post(
        reverse("inspections:record_new", args=[visit.pk]), record_form(hang, "late"), **QUEUE
    )

    assert response.status_code == 422
    assert response.json() == {"refused": [str(services.VISIT_FINISHED)]}
    assert not ViolationRecord.objects.exists()
    assert not FormSubmission.objects.exists()


def test_it_refuses_a_queued_record_of_a_person_moved_away(visit, hang, inspector, unit_b):
    staff_transfer(staff=hang, unit=unit_b, on=timezone.localdate())

    response = signed_in(inspector).post(
        reverse("inspections:record_new", args=[visit.pk]), record_form(hang, "moved"), **QUEUE
    )

    assert response.status_code == 422
    assert response.json()["refused"]  # the person is no longer a choice of the form
    assert not ViolationRecord.objects.exists()


def test_it_refuses_a_queued_photo_over_the_limit(visit, hang, inspector, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    big = jpeg()
    big.file.write(b"\0" * 2048)
    big.size = len(big.file.getvalue())
    big.file.seek(0)

    response = signed_in(inspector).post(
        reverse("inspections:record_new", args=[visit.pk]),
        record_form(hang, "big", photos=[big]),
        **QUEUE,
    )

    assert response.status_code == 422
    assert not ViolationRecord.objects.exists()


def test_it_saves_a_checklist_key_once_and_never_undoes_a_later_answer(visit, inspector):
    url = reverse("inspections:checklist", args=[visit.pk])
    client = signed_in(inspector)
    client.post(url, checklist_form("older", ChecklistResult.PASSED), **QUEUE)
    client.post(url, checklist_form("later", ChecklistResult.FAILED), **QUEUE)

    response = client.post(url, checklist_form("older", ChecklistResult.PASSED), **QUEUE)

    assert response.json() == {
        "sent": True,
        "url": reverse("inspections:visit_detail", args=[visit.pk]),
    }
    assert ChecklistAnswer.objects.get().result == ChecklistResult.FAILED


def test_it_answers_a_checklist_saved_before_the_visit_ended_as_saved(visit, inspector):
    url = reverse("inspections:checklist", args=[visit.pk])
    client = signed_in(inspector)
    client.post(url, checklist_form("before-end", ChecklistResult.PASSED), **QUEUE)
    services.visit_finish(visit=visit, actor=inspector)

    again = client.post(url, checklist_form("before-end", ChecklistResult.PASSED), **QUEUE)
    other = client.post(url, checklist_form("after-end", ChecklistResult.FAILED), **QUEUE)

    assert again.json()["sent"] is True
    assert other.json() == {"refused": [str(services.VISIT_FINISHED)]}
    assert ChecklistAnswer.objects.get().result == ChecklistResult.PASSED


def test_it_refuses_a_checklist_key_of_another_user(visit, inspector, partner):
    url = reverse("inspections:checklist", args=[visit.pk])
    signed_in(inspector).post(url, checklist_form("mine", ChecklistResult.PASSED))

    response = signed_in(partner).post(url, checklist_form("mine", ChecklistResult.FAILED), **QUEUE)

    assert response.json() == {"refused": [str(services.KEY_OF_ANOTHER_USER)]}
    assert ChecklistAnswer.objects.get().result == ChecklistResult.PASSED


def test_it_refuses_a_key_the_portal_did_not_give(visit, inspector):
    url = reverse("inspections:checklist", args=[visit.pk])

    response = signed_in(inspector).post(
        url, checklist_form("a\x00b", ChecklistResult.PASSED), **QUEUE
    )

    assert response.json() == {"refused": [str(services.BAD_KEY)]}
    assert not ChecklistAnswer.objects.exists()
    assert not FormSubmission.objects.exists()


def test_it_puts_a_fresh_key_on_every_checklist_page(visit, inspector):
    client = signed_in(inspector)
    url = reverse("inspections:checklist", args=[visit.pk])

    first, second = client.get(url).context["token"], client.get(url).context["token"]

    assert len(first) >= 32
    assert first != second


# --- The roll call taken without a network --------------------------------------------------------


def queued_tap(client, visit, name: str, token: str, **fields):
    return client.post(
        reverse(f"inspections:{name}", args=[visit.pk]), {"token": token, **fields}, **QUEUE
    )


def test_it_applies_a_queued_mark_once_and_opens_one_draft(visit, hang, inspector):
    client = signed_in(inspector)

    first = queued_tap(client, visit, "roll_call", "mark-1", staff=hang.pk, attendance="late")
    again = queued_tap(client, visit, "roll_call", "mark-1", staff=hang.pk, attendance="late")

    expected = {"sent": True, "url": reverse("inspections:roll_call", args=[visit.pk])}
    assert first.json() == again.json() == expected
    entry = RollCallEntry.objects.get()
    assert (entry.staff, entry.attendance, entry.previous_attendance) == (hang, "late", "")
    assert ViolationRecord.objects.get() == entry.record
    assert FormSubmission.objects.get(token="mark-1").record == entry.record


def test_it_dates_a_queued_mark_and_its_draft_when_it_was_taken(visit, hang, inspector):
    taken = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2)

    queued_tap(
        signed_in(inspector), visit, "roll_call", "late-at-8", staff=hang.pk, attendance="late",
        tapped_at=taken.isoformat(),
    )  # fmt: skip

    entry = RollCallEntry.objects.get()
    assert entry.noted_at == entry.record.occurred_at == taken


@pytest.mark.parametrize(
    ("offset", "expected"),
    [("+1 day", "now"), ("-1 day", "the visit's start")],
)
def test_it_reads_a_phone_clock_off_the_visit_as_its_nearest_end(
    visit, hang, inspector, offset, expected
):
    told = timezone.now() + datetime.timedelta(days=1 if offset == "+1 day" else -1)
    before = timezone.now()

    queued_tap(
        signed_in(inspector), visit, "roll_call", "off-clock", staff=hang.pk, attendance="present",
        tapped_at=told.isoformat(),
    )  # fmt: skip

    noted = RollCallEntry.objects.get().noted_at
    if expected == "now":
        assert before <= noted <= timezone.now()
    else:
        assert noted == visit.started_at


@pytest.mark.parametrize("told", ["hôm qua", "2026-12-07T08:00", "2026-13-45T99:00+07:00"])
def test_it_refuses_a_mark_whose_time_is_no_time(visit, hang, inspector, told):
    response = queued_tap(
        signed_in(inspector), visit, "roll_call", "bad-time", staff=hang.pk, attendance="absent",
        tapped_at=told,
    )  # fmt: skip

    assert response.status_code == 422
    assert response.json() == {"refused": [str(services.BAD_KEY)]}
    assert not RollCallEntry.objects.exists()
    assert not ViolationRecord.objects.exists()
    assert not FormSubmission.objects.exists()


def test_it_undoes_a_queued_undo_once(visit, hang, inspector):
    client = signed_in(inspector)
    for token, attendance in (("m-1", "present"), ("m-2", "excused")):
        queued_tap(client, visit, "roll_call", token, staff=hang.pk, attendance=attendance)

    for _sent in range(2):  # the answer lost, the same undo sent again
        response = queued_tap(client, visit, "roll_call_undo", "undo-1", staff=hang.pk)
        assert response.json()["sent"] is True

    entry = RollCallEntry.objects.get()
    assert (entry.attendance, entry.previous_attendance) == ("present", "")
    assert FormSubmission.objects.count() == 3


def test_it_marks_the_rest_present_once_from_the_queue(visit, hang, inspector, unit_a):
    client = signed_in(inspector)
    queued_tap(client, visit, "roll_call_rest_present", "rest-1")
    late = make_staff("DK-002", unit=unit_a, full_name="Trần Văn Muộn")  # posted after the tap

    response = queued_tap(client, visit, "roll_call_rest_present", "rest-1")

    assert response.json()["sent"] is True
    assert list(RollCallEntry.objects.values_list("staff", "attendance")) == [(hang.pk, "present")]
    assert not RollCallEntry.objects.filter(staff=late).exists()


def test_it_refuses_a_queued_mark_of_a_person_moved_away(visit, hang, inspector, unit_b):
    staff_transfer(staff=hang, unit=unit_b, on=timezone.localdate())
    client = signed_in(inspector)

    mark = queued_tap(client, visit, "roll_call", "moved", staff=hang.pk, attendance="absent")
    undo = queued_tap(client, visit, "roll_call_undo", "moved-undo", staff=hang.pk)

    assert mark.status_code == undo.status_code == 422
    assert mark.json() == undo.json() == {"refused": [str(services.NOT_IN_UNIT_TODAY)]}
    assert not RollCallEntry.objects.exists()
    assert not ViolationRecord.objects.exists()
    assert not FormSubmission.objects.exists()


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("roll_call", {"attendance": "absent"}),
        ("roll_call_undo", {}),
        ("roll_call_rest_present", {}),
    ],
)
def test_it_refuses_a_queued_tap_of_a_visit_ended_meanwhile(visit, hang, inspector, name, fields):
    services.roll_call_mark(visit=visit, actor=inspector, staff=hang, attendance="present")
    services.visit_finish(visit=visit, actor=inspector)

    response = queued_tap(signed_in(inspector), visit, name, "after-end", staff=hang.pk, **fields)

    assert response.status_code == 422
    assert response.json() == {"refused": [str(services.VISIT_FINISHED)]}
    assert list(RollCallEntry.objects.values_list("attendance", flat=True)) == ["present"]
    assert not ViolationRecord.objects.exists()
    assert not FormSubmission.objects.exists()


def test_it_answers_a_mark_applied_before_the_visit_ended_as_applied(visit, hang, inspector):
    client = signed_in(inspector)
    queued_tap(client, visit, "roll_call", "before-end", staff=hang.pk, attendance="present")
    services.visit_finish(visit=visit, actor=inspector)

    again = queued_tap(
        client, visit, "roll_call", "before-end", staff=hang.pk, attendance="present"
    )

    assert again.json()["sent"] is True
    assert RollCallEntry.objects.count() == 1


@pytest.mark.postgresql
def test_it_locks_the_visit_before_it_reads_a_taps_key(visit, hang, inspector):
    with CaptureQueriesContext(connection) as captured:
        services.roll_call_mark(
            visit=visit, actor=inspector, staff=hang, attendance="present", form_token="tap-1"
        )

    queries = [q["sql"] for q in captured.captured_queries]
    key_read = next(
        i for i, sql in enumerate(queries) if 'FROM "inspections_formsubmission"' in sql
    )
    # The same tap sent twice at once waits here for the first, then finds its key.
    assert 'FROM "inspections_visit"' in queries[key_read - 1]
    assert queries[key_read - 1].endswith("FOR UPDATE")


def test_it_refuses_a_roll_call_key_of_another_user(visit, hang, inspector, partner):
    queued_tap(
        signed_in(inspector), visit, "roll_call", "mine", staff=hang.pk, attendance="present"
    )

    response = queued_tap(
        signed_in(partner), visit, "roll_call", "mine", staff=hang.pk, attendance="absent"
    )

    assert response.json() == {"refused": [str(services.KEY_OF_ANOTHER_USER)]}
    assert RollCallEntry.objects.get().attendance == "present"
    assert not ViolationRecord.objects.exists()


def test_it_keeps_the_roll_call_on_the_phone(visit, hang, inspector):
    page = signed_in(inspector).get(reverse("inspections:roll_call", args=[visit.pk]))

    offline = page.context["offline"]
    assert reverse("inspections:roll_call", args=[visit.pk]) in offline["pages"]
    assert offline["roll_call"]["undo"] == reverse("inspections:roll_call_undo", args=[visit.pk])
    assert 'id="offline-data"' in page.content.decode()


# --- The roster kept on the phone ---------------------------------------------------------------


def test_it_gives_the_team_the_units_people_folded_for_search(visit, hang, inspector, unit_b):
    make_staff("X-001", unit=unit_b, full_name="Lưu Văn Bình")  # another unit's: not listed

    response = signed_in(inspector).get(reverse("inspections:visit_roster", args=[visit.pk]))

    assert response["Cache-Control"] == "private, no-store"
    roster = response.json()
    assert roster.pop("at")
    assert roster == {
        "visit": visit.pk,
        "people": [
            {
                "id": hang.pk,
                "code": "DK-001",
                "name": "Nguyễn Thị Hằng",
                "card": "P-A.001234567890.CC",
                "search": "nguyen thi hang|nth|p-a.001234567890.cc",
                "mark": "",
                "previous": "",
                "record": None,
            }
        ],
    }


def test_it_gives_the_marks_taken_with_the_roster(visit, hang, inspector):
    services.roll_call_mark(visit=visit, actor=inspector, staff=hang, attendance="excused")
    entry = services.roll_call_mark(visit=visit, actor=inspector, staff=hang, attendance="absent")

    response = signed_in(inspector).get(reverse("inspections:visit_roster", args=[visit.pk]))

    (person,) = response.json()["people"]
    assert (person["mark"], person["previous"], person["record"]) == (
        "absent",
        "excused",
        entry.record_id,
    )


def test_it_gives_no_roster_to_an_inspector_of_another_team(visit, hang):
    outside = make_user("outside", role=Role.INSPECTOR)

    response = signed_in(outside).get(reverse("inspections:visit_roster", args=[visit.pk]))

    assert response.status_code == 404
    assert "Hằng" not in response.content.decode()


def test_it_keeps_nothing_for_a_visit_already_finished(visit, inspector):
    services.visit_finish(visit=visit, actor=inspector)

    response = signed_in(inspector).get(reverse("inspections:visit_detail", args=[visit.pk]))

    assert response.context["offline"] == {}
    assert "offline-data" not in response.content.decode()


def test_it_keeps_the_visit_for_its_team_and_nothing_for_a_reviewer(visit, inspector, reviewer):
    url = reverse("inspections:visit_detail", args=[visit.pk])

    team_page = signed_in(inspector).get(url).content.decode()
    reviewer_page = signed_in(reviewer).get(url).content.decode()

    assert 'id="offline-data"' in team_page
    assert "js/offline.js" in team_page
    assert "offline-data" not in reviewer_page
    assert "js/offline.js" not in reviewer_page


def test_it_gives_the_phone_its_texts_in_the_pages_language(visit, inspector):
    url = reverse("inspections:visit_detail", args=[visit.pk])

    def texts(language: str) -> dict:
        client = signed_in(inspector)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        html = client.get(url).content.decode()
        data = re.search(r'<script id="offline-data" type="application/json">(.*?)</script>', html)
        return json.loads(data.group(1))["texts"]

    vietnamese, english = texts("vi"), texts("en")

    assert vietnamese["waiting_other"] == "%(count)s mục đang chờ gửi."
    assert [key for key in english if vietnamese[key] == english[key]] == []


# --- The staff e-card ------------------------------------------------------------------------


def card_answer(client, visit, number):
    return client.get(reverse("inspections:visit_card", args=[visit.pk]), {"number": number})


def test_it_finds_the_person_of_the_visited_unit_by_card(visit, hang, inspector):
    response = card_answer(signed_in(inspector), visit, " P-A.001234567890.cc ")

    assert response.json() == {
        "person": {"id": hang.pk, "code": "DK-001", "name": "Nguyễn Thị Hằng"}
    }


def test_it_says_a_card_is_of_another_unit(visit, hang, inspector, unit_b):
    staff_transfer(staff=hang, unit=unit_b, on=timezone.localdate())

    response = card_answer(signed_in(inspector), visit, "P-A.001234567890.CC")

    said = cards.CARD_OF_ANOTHER_UNIT % {"name": "Nguyễn Thị Hằng", "unit": "Phường Đông Kinh"}
    assert response.json() == {"refused": str(said)}


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("P-A.999999999999.CC", cards.UNKNOWN_CARD),
        ("P-A.001234567890", cards.MALFORMED_CARD),
        ("P-A.001234567890.XY", cards.MALFORMED_CARD),
        ("https://example.com/", cards.MALFORMED_CARD),
        ("", cards.MALFORMED_CARD),
    ],
)
def test_it_says_why_a_card_finds_nobody(visit, hang, inspector, number, message):
    assert card_answer(signed_in(inspector), visit, number).json() == {"refused": str(message)}


def test_it_reads_every_card_type_of_the_decision():
    for kind in ("CB", "CC", "VC", "XA", "XA0", "HĐ"):
        number = f"000.00.31.H42.001234567890.{kind}"
        assert cards.card_number(number) == number


# --- The service worker, the manifest and signing out ---------------------------------------------


def test_it_serves_the_service_worker_from_the_root(client):
    response = client.get("/sw.js")

    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    assert b'addEventListener("fetch"' in response.content


def test_it_allows_the_worker_and_the_manifest_in_the_policy(client):
    policy = client.get("/")["Content-Security-Policy"]

    assert "worker-src 'self'" in policy
    assert "manifest-src 'self'" in policy
    assert "script-src 'self';" in policy  # still nothing inline


def test_it_serves_an_installable_manifest(client):
    response = client.get("/manifest.webmanifest")

    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["icons"][0]["src"].endswith("emblem.svg")
    assert '<link rel="manifest" href="/manifest.webmanifest">' in client.get("/").text


def test_it_tells_the_browser_to_clear_the_phone_on_sign_out(inspector):
    client = signed_in(inspector)

    response = client.post(reverse("logout"))

    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "_auth_user_id" not in client.session
