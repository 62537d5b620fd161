"""Evidence photos and the personal data a phone writes in them (Decree 13/2023/NĐ-CP): the
place (EXIF GPS, XMP), the time, the owner's name and number (a JPEG comment, PNG text). The
original is kept byte for byte, with its SHA-256, and served to reviewers alone; everyone else
gets a copy, and a thumbnail, with none of it. The time and place are kept on the row and shown
to the record's author and the reviewers. Photos of too many pixels are refused before they are
decoded, and thumbnails are decoded at a reduced size."""

import datetime
import hashlib
import io
import struct
import zlib
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image, PngImagePlugin

from inspections import evidence, services
from inspections.models import Evidence
from personnel.models import Posting, Staff
from portal.models import PersonalDataAccess
from tests.conftest import cost

PHONE = b"0912345678"
COMMENT = "Chủ máy: Nguyễn Văn Bình, điện thoại 0912345678".encode()
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="21,1.71N" '
    b'exif:GPSLongitude="105,48.285E"/></rdf:RDF></x:xmpmeta>'
)
# What must not leave the portal but to a reviewer: the comment, the XMP packet, EXIF, and the
# chunks a PNG carries text and EXIF in.
TRACES = (PHONE, b"adobe:ns:meta", b"GPSLatitude", b"Exif\x00", b"tEXt", b"iTXt", b"eXIf")


def exif() -> bytes:
    """Taken on 12 March 2026 at 08:30 (+07:00) at 21.0285 N, 105.80475 E; turned a quarter
    (orientation 6: shown upright, 60 pixels by 40 stand 40 wide and 60 high)."""
    written = Image.Exif()
    written[ExifTags.Base.Orientation] = 6
    written[ExifTags.IFD.Exif] = {
        ExifTags.Base.DateTimeOriginal: "2026:03:12 08:30:00",
        ExifTags.Base.OffsetTimeOriginal: "+07:00",
    }
    written[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (21.0, 1.0, 42.6),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (105.0, 48.0, 17.1),
    }
    return written.tobytes()


def planted_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 40)).save(
        out, format="JPEG", exif=exif(), xmp=XMP, comment=COMMENT
    )
    return out.getvalue()


def planted_png() -> bytes:
    texts = PngImagePlugin.PngInfo()
    texts.add_text("Comment", COMMENT.decode())
    texts.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 40)).save(out, format="PNG", pnginfo=texts, exif=exif())
    return out.getvalue()


PLANTED = {"jpeg": (planted_jpeg, "image/jpeg"), "png": (planted_png, "image/png")}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def record(inspector, unit_a):
    person = Staff.objects.create(code="S001", full_name="Nguyễn Văn An", category="cong_chuc")
    Posting.objects.create(staff=person, unit=unit_a)
    return services.record_create(
        author=inspector,
        staff=person,
        unit=unit_a,
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        type="no_badge",
        description="Không đeo thẻ.",
    )


@pytest.fixture(params=list(PLANTED))
def kind(request):
    return request.param


@pytest.fixture
def original(kind):
    return PLANTED[kind][0]()


@pytest.fixture
def stored(record, inspector, original):
    upload = SimpleUploadedFile("IMG_0001", original)
    services.evidence_add(record=record, actor=inspector, photos=[upload])
    services.record_submit(record=record, actor=inspector)
    return Evidence.objects.get()


def served(client, user, url) -> tuple[int, bytes]:
    client.force_login(user)
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else b""
    return response.status_code, body


def assert_carries_nothing_personal(body: bytes) -> None:
    assert [trace for trace in TRACES if trace in body] == []
    with Image.open(io.BytesIO(body)) as image:
        assert dict(image.getexif()) == {}
        assert {"exif", "xmp", "comment", "Comment", "XML:com.adobe.xmp"} & set(image.info) == set()


@pytest.mark.parametrize("persona", ["inspector", "unit_head", "reviewer", "administrator"])
def test_it_serves_the_photo_without_its_metadata_to_everyone_who_sees_the_record(
    persona, request, client, stored, kind
):
    url = reverse("inspections:evidence", args=[stored.pk, "photo"])

    status, body = served(client, request.getfixturevalue(persona), url)

    assert status == 200
    assert_carries_nothing_personal(body)
    with Image.open(io.BytesIO(body)) as image:
        assert (image.format, image.size) == (kind.upper(), (40, 60))  # upright
        assert image.getpixel((20, 30))[:3] == pytest.approx((200, 30, 40), abs=8)


@pytest.mark.parametrize("kind", ["jpeg"])  # a JPEG's comment is what thumbnails kept
@pytest.mark.parametrize("persona", ["inspector", "unit_head", "reviewer", "administrator"])
def test_it_serves_thumbnails_without_metadata(persona, request, client, stored):
    url = reverse("inspections:evidence", args=[stored.pk, "thumbnail"])

    status, body = served(client, request.getfixturevalue(persona), url)

    assert status == 200
    assert_carries_nothing_personal(body)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("reviewer", 200), ("administrator", 200), ("inspector", 403), ("unit_head", 403)],
)
def test_it_serves_the_original_to_reviewers_alone(
    persona, status, request, client, stored, original
):
    url = reverse("inspections:evidence_original", args=[stored.pk])

    answer, body = served(client, request.getfixturevalue(persona), url)

    assert answer == status
    if status == 200:
        assert body == original
        assert hashlib.sha256(body).hexdigest() == stored.sha256
        assert [trace for trace in (PHONE, b"adobe:ns:meta", b"GPS") if trace not in body] == []
    assert PersonalDataAccess.objects.filter(evidence=stored).count() == (status == 200)


def test_it_keeps_when_and_where_the_photo_was_taken(stored):
    vietnam = datetime.timezone(datetime.timedelta(hours=7))
    assert stored.taken_at == datetime.datetime(2026, 3, 12, 8, 30, tzinfo=vietnam)
    assert (stored.latitude, stored.longitude) == (Decimal("21.028500"), Decimal("105.804750"))


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("inspector", True), ("reviewer", True), ("administrator", True), ("unit_head", False)],
)
def test_it_shows_when_and_where_to_the_author_and_reviewers(
    persona, sees, request, client, stored
):
    client.force_login(request.getfixturevalue(persona))

    html = client.get(reverse("inspections:record_detail", args=[stored.record_id])).content
    html = html.decode()

    assert ("21.028500, 105.804750" in html) is sees
    assert ("12/03/2026 08:30" in html) is sees
    assert (reverse("inspections:evidence_original", args=[stored.pk]) in html) is (
        persona in ("reviewer", "administrator")
    )


def test_it_makes_the_copies_of_a_photo_stored_before_them(
    client, record, inspector, unit_head, media, original, kind
):
    """Photos stored before copies without metadata were made have an original and a thumbnail
    that kept the comment: the first request makes what is missing, from the original."""
    old_thumbnail = io.BytesIO()
    with Image.open(io.BytesIO(original)) as image:
        image.convert("RGB").save(old_thumbnail, format="JPEG", comment=COMMENT)
    photo = Evidence.objects.create(
        record=record,
        file=default_storage.save(f"evidence/old.{kind}", ContentFile(original)),
        thumbnail=default_storage.save(
            "evidence/old.thumb.jpg", ContentFile(old_thumbnail.getvalue())
        ),
        content_type=PLANTED[kind][1],
        size=len(original),
        sha256=hashlib.sha256(original).hexdigest(),
        uploaded_by=inspector,
        uploaded_at=timezone.now(),
    )
    services.record_submit(record=record, actor=inspector)

    thumbnail = served(
        client, unit_head, reverse("inspections:evidence", args=[photo.pk, "thumbnail"])
    )
    shown = served(client, unit_head, reverse("inspections:evidence", args=[photo.pk, "photo"]))

    assert (thumbnail[0], shown[0]) == (200, 200)
    assert_carries_nothing_personal(thumbnail[1])
    assert_carries_nothing_personal(shown[1])
    photo.refresh_from_db()
    assert photo.shared.name
    assert (photo.latitude, photo.longitude) == (Decimal("21.028500"), Decimal("105.804750"))
    assert (media / photo.file.name).read_bytes() == original
    assert not (media / "evidence" / "old.thumb.jpg").exists()


# --- Photos of too many pixels ------------------------------------------------------------------


def single_colour_png(width: int, height: int) -> bytes:
    """A PNG of one bit a pixel, all black: 13,000 pixels by 13,000 take about 20 KB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    packer = zlib.compressobj(9)
    row = bytes(1 + (width + 7) // 8)  # the filter byte, then the row's bits
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_it_refuses_a_photo_of_too_many_pixels_before_decoding_it(client, record, inspector, media):
    bomb = single_colour_png(13_000, 13_000)
    assert len(bomb) < 30_000
    client.force_login(inspector)

    with cost() as spent:
        response = client.post(
            reverse("inspections:record_photos", args=[record.pk]),
            {"photos": [SimpleUploadedFile("anh.png", bomb, content_type="image/png")]},
            follow=True,
        )

    assert str(evidence.TOO_MANY_PIXELS) % {"megapixels": "50"} in response.content.decode()
    assert Evidence.objects.count() == 0
    assert not (media / "evidence").exists() or list((media / "evidence").iterdir()) == []
    assert spent["seconds"] < 2
    assert spent["megabytes"] < 100


def test_it_takes_photos_up_to_the_pixel_cap(record, inspector, settings):
    settings.PHOTO_MAX_PIXELS = 1_000_000
    at_cap = SimpleUploadedFile("a.png", single_colour_png(1000, 1000))
    above = SimpleUploadedFile("b.png", single_colour_png(1001, 1000))

    services.evidence_add(record=record, actor=inspector, photos=[at_cap])
    with pytest.raises(evidence.DomainError) as error:
        services.evidence_add(record=record, actor=inspector, photos=[above])

    assert Evidence.objects.count() == 1
    assert error.value.message == evidence.TOO_MANY_PIXELS
    assert str(error.value) == str(evidence.TOO_MANY_PIXELS) % {"megapixels": "1"}


def test_it_decodes_a_large_photo_at_a_reduced_size_for_its_thumbnail():
    # 36 megapixels: decoded in full, 108 MB; at an eighth of its size, under 2 MB.
    out = io.BytesIO()
    Image.new("RGB", (6000, 6000), (200, 30, 40)).save(out, format="JPEG", quality=50)
    photo = out.getvalue()
    del out

    with cost() as spent:
        small = evidence.thumbnail(photo)

    with Image.open(io.BytesIO(small)) as image:
        assert image.size == (480, 480)
    assert spent["megabytes"] < 40
