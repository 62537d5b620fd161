"""Evidence photos: checked by content, size-limited, hashed, thumbnailed, served by permission."""

import datetime
import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from core.errors import DomainError
from inspections import evidence, services
from inspections.models import AuditEntry, Evidence, ViolationRecord
from personnel.models import Posting, Role, Staff
from tests.factories import make_user


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def person(unit_a):
    staff = Staff.objects.create(code="S001", full_name="Nguyễn Văn An", category="cong_chuc")
    Posting.objects.create(staff=staff, unit=unit_a)
    return staff


@pytest.fixture
def record(inspector, person, unit_a):
    return services.record_create(
        author=inspector,
        staff=person,
        unit=unit_a,
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        type="no_badge",
        description="Không đeo thẻ.",
    )


def photo(pillow_format="JPEG", name="anh.jpg", size=(1200, 900)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(out, format=pillow_format)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def files_in(media):
    return sorted(p.name for p in media.rglob("*") if p.is_file()) if media.exists() else []


def state(record):
    return (
        ViolationRecord.objects.count(),
        Evidence.objects.count(),
        AuditEntry.objects.filter(record=record).count(),
    )


@pytest.mark.parametrize(
    ("pillow_format", "content_type", "extension"),
    [("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp")],
)
def test_it_stores_a_photo_with_its_hash_and_a_thumbnail(
    pillow_format, content_type, extension, record, inspector, media
):
    upload = photo(pillow_format, name="IMG_0001.jpg")
    original = upload.read()

    services.evidence_add(record=record, actor=inspector, photos=[upload])

    stored = Evidence.objects.get(record=record)
    assert stored.content_type == content_type
    assert stored.sha256 == hashlib.sha256(original).hexdigest()
    assert stored.size == len(original)
    assert stored.file.name.startswith("evidence/")
    assert stored.file.name.endswith(f".{extension}")
    assert "IMG_0001" not in stored.file.name
    assert (media / stored.file.name).read_bytes() == original
    with Image.open(media / stored.thumbnail.name) as small:
        assert small.format == "JPEG"
        assert max(small.size) <= 480
    entry = AuditEntry.objects.filter(record=record).last()
    assert (entry.action, entry.changes) == ("evidence_added", {"evidence": [None, stored.sha256]})


def test_it_attaches_photos_given_when_the_record_is_created(inspector, person, unit_a):
    created = services.record_create(
        author=inspector,
        staff=person,
        unit=unit_a,
        occurred_at=timezone.now(),
        type="no_badge",
        description="Không đeo thẻ.",
        photos=[photo(), photo("PNG", name="b.png")],
    )

    assert created.evidence.count() == 2


def text_file_named_jpg():
    return SimpleUploadedFile("anh.jpg", b"Day khong phai la anh", content_type="image/jpeg")


def gif_renamed_jpg():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    return SimpleUploadedFile("anh.jpg", out.getvalue(), content_type="image/jpeg")


def jpeg_header_then_garbage():
    return SimpleUploadedFile("anh.jpg", b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50)


def png_header_on_a_jpeg():
    data = photo().read()
    return SimpleUploadedFile("anh.png", b"\x89PNG\r\n\x1a\n" + data[8:])


@pytest.mark.parametrize(
    "bad_file",
    [text_file_named_jpg, gif_renamed_jpg, jpeg_header_then_garbage, png_header_on_a_jpeg],
)
def test_it_refuses_a_file_that_is_not_a_jpeg_png_or_webp(bad_file, record, inspector, media):
    before = state(record)

    with pytest.raises(DomainError) as error:
        services.evidence_add(record=record, actor=inspector, photos=[bad_file()])

    assert error.value.message == evidence.NOT_AN_IMAGE
    assert state(record) == before
    assert files_in(media) == []


def test_it_refuses_a_photo_over_the_size_limit(record, inspector, media, settings):
    settings.EVIDENCE_MAX_BYTES = 2048
    big = photo("PNG", size=(400, 400))
    big.size = 2049
    before = state(record)

    with pytest.raises(DomainError) as error:
        services.evidence_add(record=record, actor=inspector, photos=[big])

    assert error.value.message == evidence.TOO_LARGE
    assert "0.00195312" in str(error.value)
    assert state(record) == before
    assert files_in(media) == []


def test_it_refuses_the_whole_record_when_one_photo_is_bad(inspector, person, unit_a, media):
    with pytest.raises(DomainError) as error:
        services.record_create(
            author=inspector,
            staff=person,
            unit=unit_a,
            occurred_at=timezone.now(),
            type="no_badge",
            description="Không đeo thẻ.",
            photos=[photo(), text_file_named_jpg()],
        )

    assert error.value.message == evidence.NOT_AN_IMAGE
    assert (ViolationRecord.objects.count(), Evidence.objects.count()) == (0, 0)
    assert files_in(media) == []


def test_it_writes_no_photo_inside_a_transaction_it_does_not_own(
    inspector, person, unit_a, record, media
):
    """Inside a caller's transaction the photos' files could outlive its rollback: refused."""
    before = state(record)
    new_record = {
        "author": inspector,
        "staff": person,
        "unit": unit_a,
        "occurred_at": timezone.now() - datetime.timedelta(minutes=5),
        "type": "no_badge",
        "description": "Không đeo thẻ.",
    }

    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.record_create(**new_record, photos=[photo()])
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.evidence_add(record=record, actor=inspector, photos=[photo()])

    assert state(record) == before
    assert files_in(media) == []
    # Without photos a record is still made inside a caller's transaction (the roll call's).
    with transaction.atomic():
        services.record_create(**new_record)
    assert ViolationRecord.objects.count() == before[0] + 1


def test_it_refuses_photos_on_a_submitted_record(record, inspector, media):
    services.record_submit(record=record, actor=inspector)
    before = state(record)

    with pytest.raises(DomainError) as error:
        services.evidence_add(record=record, actor=inspector, photos=[photo()])

    assert error.value.message == services.NOT_A_DRAFT
    assert state(record) == before
    assert files_in(media) == []


def test_it_refuses_photos_from_someone_other_than_the_author(record, db, media):
    colleague = make_user("colleague", role=Role.INSPECTOR)
    before = state(record)

    with pytest.raises(DomainError) as error:
        services.evidence_add(record=record, actor=colleague, photos=[photo()])

    assert error.value.message == services.NOT_AUTHOR
    assert state(record) == before


# Downloads


@pytest.fixture
def stored(record, inspector):
    services.evidence_add(record=record, actor=inspector, photos=[photo()])
    services.record_submit(record=record, actor=inspector)
    return Evidence.objects.get()


@pytest.mark.parametrize("variant", ["photo", "thumbnail"])
@pytest.mark.parametrize("persona", ["inspector", "reviewer", "unit_head", "administrator"])
def test_it_serves_the_photo_to_those_who_may_see_the_record(
    persona, variant, request, client, stored
):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("inspections:evidence", args=[stored.pk, variant]))

    assert response.status_code == 200
    assert response["Content-Type"] == ("image/jpeg")
    assert response["Cache-Control"] == "private, no-store"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as served:
        assert served.format == "JPEG"


@pytest.mark.parametrize("persona", ["reviewer", "administrator"])
def test_it_serves_the_original_to_reviewers(persona, request, client, stored):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("inspections:evidence_original", args=[stored.pk]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == stored.sha256


@pytest.mark.parametrize("persona", ["outsider", "council_member", "other_unit_head", "stranger"])
def test_it_refuses_the_photo_to_everyone_else(persona, request, client, stored, unit_b):
    users = {
        "other_unit_head": lambda: make_user("head_b", role=Role.UNIT_HEAD, unit=unit_b),
        "stranger": lambda: make_user("stranger", role=Role.INSPECTOR),
    }
    user = users[persona]() if persona in users else request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(reverse("inspections:evidence", args=[stored.pk, "photo"]))

    assert response.status_code in (403, 404)


def test_it_sends_anonymous_visitors_to_the_login_page(client, stored):
    response = client.get(reverse("inspections:evidence", args=[stored.pk, "original"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_has_no_public_url_for_uploaded_files(client, stored):
    assert client.get(f"/media/{stored.file.name}").status_code == 404
    assert client.get(f"/{stored.file.name}").status_code == 404


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10MB", "EVIDENCE_MAX_BYTES must be a whole number, got '10MB'."),
        ("0", "EVIDENCE_MAX_BYTES must be at least 1024, got 0."),
    ],
)
def test_it_stops_start_up_on_a_bad_size_limit(value, message):
    from tests.conftest import run_django

    result = run_django(
        "",
        DEBUG="true",
        EVIDENCE_MAX_BYTES=value,
    )

    assert result.returncode != 0
    assert message in result.stderr


def test_it_reads_the_size_limit_from_the_environment():
    from tests.conftest import run_django

    result = run_django(
        "from django.conf import settings; print(settings.EVIDENCE_MAX_BYTES)",
        DEBUG="true",
        EVIDENCE_MAX_BYTES="5242880",
    )

    assert result.stdout.strip() == "5242880"
