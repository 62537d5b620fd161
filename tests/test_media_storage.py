"""Media on S3-compatible storage: evidence, imports and prepared files go through the storage,
never a path on this server, and are served only by the permission-checked views.

The S3 tests run against a real S3 endpoint on 127.0.0.1 (moto_server, started here).
"""

import datetime
import io
from pathlib import Path

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from exports.models import Export, ExportStatus
from inspections import services
from inspections.models import Evidence
from personnel.import_views import SESSION_KEY
from personnel.models import Posting, Staff, Unit
from tests.conftest import PRODUCTION, run_django
from tests.servers import KEYS, s3_server

BUCKET = "kycuong-media"
SHOW_STORAGE = (
    "from django.conf import settings\n"
    "default = settings.STORAGES['default']\n"
    "options = default.get('OPTIONS', {})\n"
    "print(default['BACKEND'], options.get('bucket_name'), options.get('endpoint_url'),"
    " options.get('default_acl'), options.get('file_overwrite'))\n"
)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    with s3_server(tmp_path_factory.mktemp("moto") / "moto.log") as url:
        yield url


@pytest.fixture
def bucket(s3_endpoint, settings, media_root):
    """An empty private bucket, and the portal's media storage pointed at it."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["S3_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": KEYS["S3_ACCESS_KEY_ID"],
                "secret_key": KEYS["S3_SECRET_ACCESS_KEY"],
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
                "addressing_style": "path",
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (20, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def record(inspector, unit_a):
    staff = Staff.objects.create(code="S001", full_name="Nguyễn Văn An", category="cong_chuc")
    Posting.objects.create(staff=staff, unit=unit_a)
    return services.record_create(
        author=inspector,
        staff=staff,
        unit=unit_a,
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        type="no_badge",
        description="Không đeo thẻ.",
    )


def test_it_keeps_evidence_in_the_bucket_and_serves_it_only_through_the_portal(
    client, inspector, reviewer, outsider, record, bucket, media_root
):
    photo = jpeg()
    client.force_login(inspector)

    response = client.post(
        reverse("inspections:record_photos", args=[record.pk]),
        {"photos": [SimpleUploadedFile("IMG_0001.jpg", photo, content_type="image/jpeg")]},
    )

    assert response.status_code == 302
    stored = Evidence.objects.get(record=record)
    assert keys(bucket) == sorted([stored.file.name, stored.shared.name, stored.thumbnail.name])
    assert bucket.get_object(Bucket=BUCKET, Key=stored.file.name)["Body"].read() == photo
    # Private: only the owner's grant, nothing for everyone or for any signed-in AWS user.
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=stored.file.name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert "URI" not in grants[0]["Grantee"]

    services.record_submit(record=record, actor=inspector)
    client.force_login(reviewer)
    served = client.get(reverse("inspections:evidence_original", args=[stored.pk]))

    assert served.status_code == 200
    assert served["Cache-Control"] == "private, no-store"
    assert "Location" not in served  # streamed by the portal, never a redirect to the bucket
    assert b"".join(served.streaming_content) == photo

    client.force_login(outsider)
    assert client.get(reverse("inspections:evidence", args=[stored.pk, "photo"])).status_code in (
        403,
        404,
    )
    assert files_under(media_root) == []


def test_it_keeps_an_import_between_preview_and_confirmation_in_the_bucket(
    client, reviewer, bucket, media_root
):
    client.force_login(reviewer)
    content = "code,name,kind,parent_code\nUB,UBND thành phố,department,\n"

    client.post(
        reverse("personnel:import"),
        {"kind": "agencies", "file": SimpleUploadedFile("units.csv", content.encode())},
    )
    preview = client.get(reverse("personnel:import_preview"))

    token = client.session[SESSION_KEY]["file"]
    assert "UBND thành phố" in preview.content.decode()
    assert keys(bucket) == [f"imports/{token}", f"imports/{token}.preview.json"]
    assert Unit.objects.count() == 0

    client.post(reverse("personnel:import_confirm"), {"file": token})

    assert list(Unit.objects.values_list("code", flat=True)) == ["UB"]
    assert keys(bucket) == []
    assert files_under(media_root) == []


def test_it_prepares_the_minutes_into_the_bucket(
    client, inspector, reviewer, record, bucket, media_root, django_capture_on_commit_callbacks
):
    services.record_submit(record=record, actor=inspector)
    client.force_login(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("inspections:record_pdf_prepare", args=[record.pk]))

    export = Export.objects.get()
    assert response["Location"] == reverse("exports:status", args=[export.pk])
    assert export.status == ExportStatus.READY
    assert keys(bucket) == [export.file.name]
    downloaded = client.get(reverse("exports:download", args=[export.pk]))
    body = b"".join(downloaded.streaming_content)
    assert body.startswith(b"%PDF-")
    assert body == bucket.get_object(Bucket=BUCKET, Key=export.file.name)["Body"].read()
    assert files_under(media_root) == []


def test_it_reads_the_s3_settings_from_the_environment():
    result = run_django(
        SHOW_STORAGE,
        **PRODUCTION,
        **KEYS,
        MEDIA_STORAGE="s3",
        S3_BUCKET=BUCKET,
        S3_ENDPOINT_URL="https://s3.example.gov.vn",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "storages.backends.s3.S3Storage",
        BUCKET,
        "https://s3.example.gov.vn",
        "private",
        "False",
    ]


def test_it_keeps_media_on_this_server_by_default():
    result = run_django(SHOW_STORAGE, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "django.core.files.storage.FileSystemStorage"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE must be local or s3"),
        ({"MEDIA_STORAGE": "s3"}, "S3_BUCKET is required when MEDIA_STORAGE is s3"),
        (
            {"MEDIA_STORAGE": "s3", "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": "s3.example.gov.vn"},
            "S3_ENDPOINT_URL looks like https://s3.example.gov.vn",
        ),
    ],
)
def test_it_stops_start_up_on_bad_storage_settings(env, message):
    result = run_django("", **PRODUCTION, **env)

    assert result.returncode != 0
    assert message in result.stderr
