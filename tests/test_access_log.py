"""The personal data access log: who viewed whose records, evidence, minutes and staff page."""

import datetime

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inspections import services
from inspections.citizen_report_services import report_submit
from personnel.models import Posting, Role, Staff, StaffCategory
from portal.models import PersonalDataAccess
from tests.conftest import drained
from tests.factories import jpeg, make_user, visit_started_earlier


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def person(unit_a):
    staff = Staff.objects.create(
        code="S-0042", full_name="Hoàng Thị Lan", category=StaffCategory.CONG_CHUC
    )
    Posting.objects.create(staff=staff, unit=unit_a)
    return staff


@pytest.fixture
def record(inspector, reviewer, person, unit_a):
    today = timezone.localdate()
    the_round = services.round_create(
        code="DX-09", name="Kiểm tra đột xuất", kind="surprise", starts_on=today,
        ends_on=today, lead=inspector, members=[], units=[unit_a],
    )  # fmt: skip
    visit = visit_started_earlier(
        services.visit_start(inspection_round=the_round, unit=unit_a, actor=inspector)
    )
    draft = services.record_create(
        author=inspector, staff=person, unit=unit_a, visit=visit, type="no_badge",
        occurred_at=timezone.now() - datetime.timedelta(minutes=5), description="Không đeo thẻ.",
        photos=[jpeg()],
    )  # fmt: skip
    services.record_submit(record=draft, actor=inspector)
    return services.record_confirm(record=draft, reviewer=reviewer)


def _get(client, url, **extra):
    return drained(client.get(url, **extra))


def test_it_logs_who_viewed_a_record_and_whose_it_is(client, reviewer, record, person):
    client.force_login(reviewer)

    response = _get(client, reverse("inspections:record_detail", args=[record.pk]))

    assert response.status_code == 200
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.staff, access.record, access.evidence) == (
        reviewer,
        person,
        record,
        None,
    )
    assert access.view == "inspections:record_detail"
    assert access.ip == "127.0.0.1"
    assert timezone.now() - access.at < datetime.timedelta(minutes=1)


def test_it_writes_one_insert_per_view(client, reviewer, record):
    client.force_login(reviewer)
    url = reverse("inspections:record_detail", args=[record.pk])

    with CaptureQueriesContext(connection) as queries:
        client.get(url)

    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "portal_')]
    assert len(inserts) == 1


def test_it_logs_the_photo_with_its_record(client, unit_head, record, person):
    client.force_login(unit_head)
    photo = record.evidence.get()

    shown = _get(client, reverse("inspections:evidence", args=[photo.pk, "photo"]))
    thumbnail = _get(client, reverse("inspections:evidence", args=[photo.pk, "thumbnail"]))

    assert (shown.status_code, thumbnail.status_code) == (200, 200)
    # The thumbnail is part of the record's page, which is logged when it is opened.
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.staff, access.record, access.evidence) == (
        unit_head,
        person,
        record,
        photo,
    )
    assert access.view == "inspections:evidence"


def test_it_logs_the_minutes_pdf(client, inspector, record, person):
    client.force_login(inspector)

    response = _get(client, reverse("inspections:record_pdf", args=[record.pk]))

    assert response.status_code == 200
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.staff, access.record, access.view) == (
        inspector,
        person,
        record,
        "inspections:record_pdf",
    )


def test_it_logs_a_staff_page(client, unit_head, person):
    client.force_login(unit_head)

    assert _get(client, reverse("personnel:staff_detail", args=[person.code])).status_code == 200

    access = PersonalDataAccess.objects.get()
    assert (access.user, access.staff, access.record, access.view) == (
        unit_head,
        person,
        None,
        "personnel:staff_detail",
    )


def test_it_logs_who_read_a_citizen_report_with_its_sender(client, reviewer, unit_a):
    report = report_submit(
        unit=unit_a, staff_hint="Lan", occurred_at=timezone.now(), description="Vắng mặt.",
        contact_name="Phạm Văn Dân", contact_phone="0912345678", sender_address="192.0.2.7",
    )  # fmt: skip
    client.force_login(reviewer)

    assert _get(client, reverse("citizen_reports:detail", args=[report.pk])).status_code == 200

    access = PersonalDataAccess.objects.get()
    assert (access.user, access.citizen_report, access.staff) == (reviewer, report, None)


def test_it_takes_the_address_from_the_proxy_when_told_to(client, reviewer, record, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    client.force_login(reviewer)

    _get(
        client,
        reverse("inspections:record_detail", args=[record.pk]),
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.4",
    )

    assert PersonalDataAccess.objects.get().ip == "198.51.100.4"


def test_it_keeps_no_address_rather_than_fail_on_an_odd_one(client, reviewer, record, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    client.force_login(reviewer)

    response = _get(
        client,
        reverse("inspections:record_detail", args=[record.pk]),
        HTTP_X_FORWARDED_FOR="unknown",
    )

    assert response.status_code == 200
    assert PersonalDataAccess.objects.get().ip is None


@pytest.mark.parametrize("persona", ["anonymous", "council_member", "other_head", "stranger"])
@pytest.mark.parametrize("page", ["record_detail", "record_pdf", "evidence", "staff_detail"])
def test_it_logs_nothing_when_the_view_is_refused(client, request, persona, page, record, unit_b):
    users = {
        "anonymous": lambda: None,
        "council_member": lambda: request.getfixturevalue("council_member"),
        "other_head": lambda: make_user("head_b", role=Role.UNIT_HEAD, unit=unit_b),
        "stranger": lambda: make_user("stranger", role=Role.UNIT_HEAD),  # no unit
    }
    user = users[persona]()
    if user is not None:
        client.force_login(user)
    args = {
        "record_detail": ("inspections:record_detail", [record.pk]),
        "record_pdf": ("inspections:record_pdf", [record.pk]),
        "evidence": ("inspections:evidence", [record.evidence.get().pk, "photo"]),
        "staff_detail": ("personnel:staff_detail", [record.staff.code]),
    }[page]

    response = _get(client, reverse(args[0], args=args[1]))

    assert response.status_code in (302, 403, 404)
    assert not PersonalDataAccess.objects.exists()


def test_it_logs_nothing_for_lists_of_many_people(client, reviewer, unit_head, record):
    client.force_login(reviewer)
    _get(client, reverse("inspections:review_queue"))
    _get(client, reverse("personnel:staff_list"))
    client.force_login(unit_head)
    _get(client, reverse("inspections:unit_records"))

    assert not PersonalDataAccess.objects.exists()


# Reading the log


@pytest.fixture
def logged(client, reviewer, unit_head, record, person):
    client.force_login(reviewer)
    _get(client, reverse("inspections:record_detail", args=[record.pk]))
    client.force_login(unit_head)
    _get(client, reverse("personnel:staff_detail", args=[person.code]))
    client.logout()
    return PersonalDataAccess.objects.order_by("pk")


def test_it_lists_the_log_to_administrators_filtered_by_person(client, administrator, logged):
    client.force_login(administrator)
    changelist = reverse("admin:portal_personaldataaccess_changelist")

    everything = client.get(changelist)
    by_user = client.get(changelist, {"user__id__exact": logged[1].user_id})
    by_person = client.get(changelist, {"q": "S-0042"})
    by_nobody = client.get(changelist, {"q": "S-9999"})

    assert everything.status_code == 200
    assert len(everything.context["cl"].result_list) == 2
    assert [a.view for a in by_user.context["cl"].result_list] == ["personnel:staff_detail"]
    assert len(by_person.context["cl"].result_list) == 2
    assert len(by_nobody.context["cl"].result_list) == 0


def test_it_lets_no_one_change_or_delete_the_log(client, administrator, logged):
    client.force_login(administrator)
    access = logged[0]

    add = client.get(reverse("admin:portal_personaldataaccess_add"))
    change = client.post(
        reverse("admin:portal_personaldataaccess_change", args=[access.pk]),
        {"view": "forged", "at_0": "01/01/2020", "at_1": "00:00:00"},
    )
    delete = client.post(
        reverse("admin:portal_personaldataaccess_delete", args=[access.pk]), {"post": "yes"}
    )

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    access.refresh_from_db()
    assert access.view == "inspections:record_detail"
    assert PersonalDataAccess.objects.count() == 2


@pytest.mark.parametrize("persona", ["reviewer", "council_member", "unit_head", "staff_clerk"])
def test_it_keeps_the_log_from_everyone_but_administrators(client, request, persona, logged):
    if persona == "staff_clerk":
        user = make_user("clerk", is_staff=True)
    else:
        user = request.getfixturevalue(persona)
    client.force_login(user)

    listing = client.get(reverse("admin:portal_personaldataaccess_changelist"))
    change = client.post(
        reverse("admin:portal_personaldataaccess_delete", args=[logged[0].pk]), {"post": "yes"}
    )

    assert listing.status_code == 302
    assert listing["Location"].startswith(reverse("admin:login"))
    assert change.status_code == 302
    assert PersonalDataAccess.objects.count() == 2


def test_it_exports_the_log_as_csv(logged, person, record, capsys):
    call_command("export_access_log", "--staff", person.code)

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "at,username,staff_code,staff_name,view,record_number,evidence_id,citizen_report,ip"
    )
    assert len(lines) == 3
    assert lines[1].endswith(f",reviewer,S-0042,Hoàng Thị Lan,inspections:record_detail,"
                             f"{record.number},,,127.0.0.1")  # fmt: skip
    assert ",unit_head,S-0042,Hoàng Thị Lan,personnel:staff_detail,,,,127.0.0.1" in lines[2]


def test_it_exports_the_days_asked_for(logged, capsys):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)

    call_command("export_access_log", "--until", f"{yesterday:%d/%m/%Y}")
    before = capsys.readouterr().out.splitlines()
    call_command("export_access_log", "--since", f"{today:%d/%m/%Y}", "--user", "reviewer")
    today_by_reviewer = capsys.readouterr().out.splitlines()

    assert len(before) == 1  # the header alone
    assert len(today_by_reviewer) == 2


@pytest.mark.postgresql
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE portal_personaldataaccess SET view = 'forged' WHERE id = %s",
        "DELETE FROM portal_personaldataaccess WHERE id = %s",
    ],
)
def test_it_refuses_updates_and_deletes_in_the_database(sql, logged):
    before = list(logged.values())

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [logged[0].pk])

    assert list(PersonalDataAccess.objects.order_by("pk").values()) == before
