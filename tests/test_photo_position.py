"""Where a photo was taken, as the phone says when the inspector allows it: read from the form's
hidden fields, checked (junk and impossible positions refused with a message, nothing saved),
stored with the photos and marked as the phone's, ahead of the photo's EXIF; shown to the author
and the reviewers, never to anyone else. The browser's side is in
tests/system/browser/test_photo_position.py."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from PIL import ExifTags, Image

from core.errors import DomainError
from inspections import evidence, services
from inspections.models import Evidence, ViolationRecord
from personnel.models import Posting, Role, Staff
from tests.conftest import SignedInClient
from tests.factories import jpeg, make_user, visit_started_earlier

LANG_SON = {"latitude": "21.853708", "longitude": "106.761519", "accuracy": "12.4"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def visit(inspector, unit_a):
    today = timezone.localdate()
    the_round = services.round_create(
        code="DX-05", name="Kiểm tra đột xuất", kind="surprise", starts_on=today,
        ends_on=today + datetime.timedelta(days=7), lead=inspector, members=[], units=[unit_a],
    )  # fmt: skip
    return visit_started_earlier(
        services.visit_start(inspection_round=the_round, unit=unit_a, actor=inspector)
    )


@pytest.fixture
def person(unit_a):
    staff = Staff.objects.create(code="VT-001", full_name="Hoàng Văn Tú", category="cong_chuc")
    Posting.objects.create(staff=staff, unit=unit_a)
    return staff


def signed_in(user) -> SignedInClient:
    client = SignedInClient()
    client.force_login(user)
    return client


def record_form(person, **extra) -> dict:
    return {
        "staff": person.pk,
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "type": "no_badge",
        "description": "Không đeo thẻ khi tiếp dân.",
        "token": "position-form-1",
        "photos": [jpeg()],
        **extra,
    }


def jpeg_with_gps() -> SimpleUploadedFile:
    """A photo whose EXIF says Hà Nội (21.0285 N, 105.80475 E)."""
    written = Image.Exif()
    written[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (21.0, 1.0, 42.6),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (105.0, 48.0, 17.1),
    }
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 30)).save(out, format="JPEG", exif=written.tobytes())
    return SimpleUploadedFile("gps.jpg", out.getvalue(), content_type="image/jpeg")


def places() -> list[tuple]:
    return list(
        Evidence.objects.values_list(
            "latitude", "longitude", "location_accuracy", "location_source"
        )
    )


# The check of what the form sends


def test_it_reads_a_position_to_six_decimals_and_its_radius_to_a_tenth():
    position = evidence.checked_position(
        latitude=" 21.8537081234 ", longitude="-106.7615199", accuracy="12.44"
    )

    assert position == evidence.Position(
        latitude=Decimal("21.853708"), longitude=Decimal("-106.761520"), accuracy=Decimal("12.4")
    )


def test_it_reads_no_position_from_empty_fields():
    assert evidence.checked_position(latitude="", longitude=" ", accuracy="") is None


@pytest.mark.parametrize(
    ("latitude", "longitude", "accuracy", "message"),
    [
        ("abc", "106.7", "", evidence.BAD_POSITION),
        ("21.8", "", "", evidence.BAD_POSITION),
        ("", "106.7", "10", evidence.BAD_POSITION),
        ("NaN", "106.7", "", evidence.BAD_POSITION),
        ("Infinity", "106.7", "", evidence.BAD_POSITION),
        ("1e2", "106.7", "", evidence.BAD_POSITION),
        ("21.8", "106.7", "-5", evidence.BAD_POSITION),
        ("21.8", "106.7", "near", evidence.BAD_POSITION),
        ("21.8", "106.7", "2000000", evidence.BAD_POSITION),
        ("90.000001", "106.7", "", evidence.POSITION_OUT_OF_RANGE),
        ("-91", "106.7", "", evidence.POSITION_OUT_OF_RANGE),
        ("21.8", "180.5", "", evidence.POSITION_OUT_OF_RANGE),
        ("21.8", "-181", "", evidence.POSITION_OUT_OF_RANGE),
    ],
)
def test_it_refuses_a_position_that_is_not_one(latitude, longitude, accuracy, message):
    with pytest.raises(DomainError) as error:
        evidence.checked_position(latitude=latitude, longitude=longitude, accuracy=accuracy)

    assert error.value.message == message


def test_it_takes_the_poles_and_the_date_line():
    position = evidence.checked_position(latitude="-90", longitude="180")

    assert (position.latitude, position.longitude, position.accuracy) == (
        Decimal("-90"),
        Decimal("180"),
        None,
    )


# The new record's page


def test_it_stores_the_phones_position_with_the_photos_of_a_new_record(visit, person, inspector):
    response = signed_in(inspector).post(
        reverse("inspections:record_new", args=[visit.pk]),
        record_form(person, photos=[jpeg(), jpeg(colour=(1, 2, 3))], **LANG_SON),
    )

    assert response.status_code == 302
    phone = (Decimal("21.853708"), Decimal("106.761519"), Decimal("12.4"), "phone")
    assert places() == [phone, phone]


def test_it_puts_the_phones_position_ahead_of_the_photos_exif(visit, person, inspector):
    signed_in(inspector).post(
        reverse("inspections:record_new", args=[visit.pk]),
        record_form(person, photos=[jpeg_with_gps()], **LANG_SON),
    )

    assert places() == [(Decimal("21.853708"), Decimal("106.761519"), Decimal("12.4"), "phone")]


def test_it_stores_the_exif_position_marked_as_such_without_the_phones(visit, person, inspector):
    signed_in(inspector).post(
        reverse("inspections:record_new", args=[visit.pk]),
        record_form(person, photos=[jpeg_with_gps()]),
    )

    assert places() == [(Decimal("21.028500"), Decimal("105.804750"), None, "exif")]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"latitude": "21.8'; DROP TABLE", "longitude": "106.7"}, evidence.BAD_POSITION),
        ({"latitude": "95", "longitude": "106.7"}, evidence.POSITION_OUT_OF_RANGE),
        ({"latitude": "21.8"}, evidence.BAD_POSITION),
        ({"latitude": "2" * 40, "longitude": "106.7"}, evidence.BAD_POSITION),  # too long
    ],
)
def test_it_refuses_a_record_with_a_junk_position_and_saves_nothing(
    given, message, visit, person, inspector
):
    response = signed_in(inspector).post(
        reverse("inspections:record_new", args=[visit.pk]), record_form(person, **given)
    )

    assert response.status_code == 200
    assert escape(str(message)) in response.content.decode()
    assert (ViolationRecord.objects.count(), Evidence.objects.count()) == (0, 0)


def test_it_answers_the_phones_queue_with_the_refused_position(visit, person, inspector):
    response = signed_in(inspector).post(
        reverse("inspections:record_new", args=[visit.pk]),
        record_form(person, latitude="91", longitude="106.7"),
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 422
    assert response.json() == {"refused": [str(evidence.POSITION_OUT_OF_RANGE)]}
    assert not ViolationRecord.objects.exists()


def test_it_offers_the_position_box_only_with_photos(visit, person, inspector):
    client = signed_in(inspector)

    new = client.get(reverse("inspections:record_new", args=[visit.pk])).content.decode()
    record = services.record_create(
        author=inspector, staff=person, unit=visit.unit, visit=visit,
        occurred_at=timezone.now(), type="no_badge", description="Không đeo thẻ.",
    )  # fmt: skip
    edit = client.get(reverse("inspections:record_edit", args=[record.pk])).content.decode()
    detail = client.get(reverse("inspections:record_detail", args=[record.pk])).content.decode()

    for html in (new, detail):
        assert 'class="field photo-position" hidden' in html
        assert '<script src="/static/js/photo-position.js" defer></script>' in html
        assert 'name="latitude"' in html and 'type="hidden"' in html
    assert "photo-position" not in edit


# Photos added to a draft


@pytest.fixture
def draft(visit, person, inspector):
    return services.record_create(
        author=inspector, staff=person, unit=visit.unit, visit=visit,
        occurred_at=timezone.now(), type="no_badge", description="Không đeo thẻ.",
    )  # fmt: skip


def test_it_stores_the_phones_position_with_photos_added_later(draft, inspector):
    signed_in(inspector).post(
        reverse("inspections:record_photos", args=[draft.pk]), {"photos": [jpeg()], **LANG_SON}
    )

    assert places() == [(Decimal("21.853708"), Decimal("106.761519"), Decimal("12.4"), "phone")]


def test_it_refuses_photos_added_with_a_junk_position(draft, inspector):
    client = signed_in(inspector)
    url = reverse("inspections:record_photos", args=[draft.pk])

    response = client.post(url, {"photos": [jpeg()], "latitude": "x", "longitude": "y"})

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert escape(str(evidence.BAD_POSITION)) in page
    assert Evidence.objects.count() == 0


def test_it_refuses_photos_with_a_junk_position_to_someone_who_cannot_see_the_draft(draft):
    stranger = make_user("stranger", role=Role.INSPECTOR)

    response = signed_in(stranger).post(
        reverse("inspections:record_photos", args=[draft.pk]), {"latitude": "x"}
    )

    assert response.status_code == 404


# Who sees it


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("inspector", True), ("reviewer", True), ("unit_head", False)],
)
def test_it_shows_the_phones_position_to_the_author_and_reviewers_alone(
    persona, sees, request, draft, inspector
):
    services.evidence_add(
        record=draft,
        actor=inspector,
        photos=[jpeg()],
        position=evidence.checked_position(**LANG_SON),
    )
    services.record_submit(record=draft, actor=inspector)

    html = (
        signed_in(request.getfixturevalue(persona))
        .get(reverse("inspections:record_detail", args=[draft.pk]))
        .content.decode()
    )

    assert ("21.853708, 106.761519" in html) is sees
    assert ("± 12 m" in html) is sees
