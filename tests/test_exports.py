"""Files prepared in the background (django.tasks): the minutes and the council's list.

Asked for on the page, shown as "being prepared" until the task has run, then downloaded by
the one who asked only. The immediate backend runs the task in the request; the database
backend stores it for `manage.py db_worker`, which a PostgreSQL test runs for real.
"""

import datetime
import io
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from emulation.models import Title
from exports.models import Export, ExportStatus
from exports.services import export_make
from inspections import services as inspections
from personnel.models import Role
from tests.conftest import PRODUCTION, run_django
from tests.factories import make_period, make_staff, make_user, nominate_directly
from tests.servers import run_db_worker

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def period(unit_a):
    Title.objects.get_or_create(
        code="lao_dong_tien_tien", defaults={"name": "Lao động tiên tiến", "kind": "individual"}
    )
    period = make_period("2019")
    nominate_directly(period, make_staff("S001", unit=unit_a, full_name="Nguyễn Văn Hùng"))
    return period


@pytest.fixture
def submitted_record(inspector, unit_a):
    staff = make_staff("S009", unit=unit_a, full_name="Trần Thị Bình")
    record = inspections.record_create(
        author=inspector,
        staff=staff,
        unit=unit_a,
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        type="no_badge",
        description="Không đeo thẻ.",
    )
    return inspections.record_submit(record=record, actor=inspector)


def workbook_codes(data: bytes) -> list[str]:
    sheet = load_workbook(BytesIO(data)).active
    return [
        row[1] for row in sheet.iter_rows(values_only=True) if str(row[1] or "").startswith("S")
    ]


def prepare_list(client, fmt="xlsx", code="2019"):
    return client.post(reverse("emulation:period_prepare", args=[code]), {"format": fmt})


def test_it_prepares_the_list_and_offers_it_for_download(
    client, council_member, period, django_capture_on_commit_callbacks
):
    client.force_login(council_member)

    with django_capture_on_commit_callbacks(execute=True):
        response = prepare_list(client)

    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exports:status", args=[export.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Sẵn sàng" in page
    assert "Tải về danh-sach-2019.xlsx" in page
    # The download starts by itself, without a script and without a second tap.
    download_url = reverse("exports:download", args=[export.pk])
    assert f'<meta http-equiv="refresh" content="0;url={download_url}">' in page
    assert "<script" not in page
    download = client.get(reverse("exports:download", args=[export.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="danh-sach-2019.xlsx"'
    assert download["Cache-Control"] == "private, no-store"
    assert workbook_codes(b"".join(download.streaming_content)) == ["S001"]


def test_it_shows_a_page_that_looks_again_while_the_file_is_prepared(
    client, council_member, period, settings
):
    settings.TASKS = DATABASE_TASKS  # stored for the worker, which is not running here
    client.force_login(council_member)

    response = prepare_list(client, "pdf", "2019")
    page = client.get(response["Location"])

    export = Export.objects.get()
    assert export.status == ExportStatus.PENDING
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "Đang chuẩn bị" in html
    assert reverse("exports:download", args=[export.pk]) not in html
    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 404
    # Once the worker has made it, the next look starts the download.
    export_make(export_id=export.pk)
    ready = client.get(response["Location"]).content.decode()
    download_url = reverse("exports:download", args=[export.pk])
    assert f'<meta http-equiv="refresh" content="0;url={download_url}">' in ready
    download = client.get(download_url)
    assert download.status_code == 200
    download.close()


def test_it_says_when_a_file_waits_far_longer_than_usual(client, council_member, period):
    client.force_login(council_member)
    export = Export.objects.create(kind="period_pdf", subject="2019", requested_by=council_member)
    status_url = reverse("exports:status", args=[export.pk])
    warning = "lâu hơn bình thường nhiều"

    fresh = client.get(status_url).content.decode()
    Export.objects.filter(pk=export.pk).update(
        requested_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    late = client.get(status_url).content.decode()

    assert warning not in fresh
    assert '<meta http-equiv="refresh" content="3">' in fresh
    assert warning in late
    assert '<meta http-equiv="refresh" content="30">' in late
    assert "Đang chuẩn bị" in late


def test_it_prepares_the_minutes(
    client, reviewer, submitted_record, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("inspections:record_pdf_prepare", args=[submitted_record.pk]))

    export = Export.objects.get()
    assert (export.kind, export.status) == ("minutes_pdf", ExportStatus.READY)
    download = client.get(reverse("exports:download", args=[export.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert export.filename == f"bien-ban-{submitted_record.number.replace('/', '-')}.pdf"


def test_it_gives_the_file_to_the_one_who_asked_only(client, council_member, period):
    export = Export.objects.create(kind="period_xlsx", subject="2019", requested_by=council_member)
    export_make(export_id=export.pk)
    other_member = make_user("council2", role=Role.COUNCIL)
    former_member = council_member

    client.force_login(other_member)
    assert client.get(reverse("exports:status", args=[export.pk])).status_code == 404
    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 404

    former_member.groups.clear()
    client.force_login(former_member)
    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 403

    client.logout()
    response = client.get(reverse("exports:download", args=[export.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_refuses_to_prepare_for_those_who_may_not_see(
    client, outsider, inspector, unit_head, period, submitted_record
):
    client.force_login(outsider)
    assert prepare_list(client).status_code == 403
    client.force_login(unit_head)
    assert prepare_list(client).status_code == 403
    other_inspector = make_user("inspector2", role=Role.INSPECTOR)
    client.force_login(other_inspector)
    url = reverse("inspections:record_pdf_prepare", args=[submitted_record.pk])
    assert client.post(url).status_code == 404
    client.force_login(inspector)
    assert client.get(url).status_code == 405
    assert Export.objects.count() == 0


def test_it_records_a_failure_instead_of_leaving_the_file_pending(client, council_member):
    export = Export.objects.create(
        kind="period_xlsx", subject="no-such-period", requested_by=council_member
    )

    export_make(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert not export.file


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_is_made_by_the_database_worker(
    restore_migrated_rows, client, settings, period, council_member, media_root
):
    settings.TASKS = DATABASE_TASKS
    client.force_login(council_member)

    prepare_list(client)

    export = Export.objects.get()
    assert export.status == ExportStatus.PENDING
    assert DBTaskResult.objects.get().status == "READY"

    worker = run_db_worker(MEDIA_ROOT=str(media_root))

    assert worker.returncode == 0, worker.stderr
    export.refresh_from_db()
    assert export.status == ExportStatus.READY
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert (media_root / export.file.name).is_file()
    download = client.get(reverse("exports:download", args=[export.pk]))
    assert workbook_codes(b"".join(download.streaming_content)) == ["S001"]


SHOW_TASKS = "from django.conf import settings\nprint(settings.TASKS['default']['BACKEND'])"


@pytest.mark.parametrize(
    ("value", "backend"),
    [
        ("", "django.tasks.backends.immediate.ImmediateBackend"),
        ("immediate", "django.tasks.backends.immediate.ImmediateBackend"),
        ("database", "django_tasks_db.DatabaseBackend"),
    ],
)
def test_it_reads_the_task_backend_from_the_environment(value, backend):
    result = run_django(SHOW_TASKS, **PRODUCTION, TASKS_BACKEND=value)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == backend


def test_it_stops_start_up_on_an_unknown_task_backend():
    result = run_django("", **PRODUCTION, TASKS_BACKEND="celery")

    assert result.returncode != 0
    assert "TASKS_BACKEND must be immediate or database" in result.stderr


def test_it_deletes_prepared_files_after_a_week(council_member, period, media_root):
    from django.core.management import call_command

    old = Export.objects.create(kind="period_xlsx", subject="2019", requested_by=council_member)
    export_make(export_id=old.pk)
    old.refresh_from_db()
    Export.objects.filter(pk=old.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=8)
    )
    recent = Export.objects.create(kind="period_xlsx", subject="2019", requested_by=council_member)
    export_make(export_id=recent.pk)
    output = io.StringIO()

    call_command("prune_exports", "--days", "7", stdout=output)

    assert output.getvalue().strip() == "Đã xóa tệp đã chuẩn bị: 1"
    assert list(Export.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not (media_root / old.file.name).exists()
    recent.refresh_from_db()
    assert (media_root / recent.file.name).is_file()


def test_it_makes_the_file_once_when_the_task_runs_twice(council_member, period, media_root):
    export = Export.objects.create(kind="period_xlsx", subject="2019", requested_by=council_member)

    first = export_make(export_id=export.pk)
    second = export_make(export_id=export.pk)

    assert second.file.name == first.file.name
    assert len([path for path in (media_root / "exports").rglob("*") if path.is_file()]) == 1
