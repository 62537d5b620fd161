"""Evidence photos: checked by content (magic bytes and Pillow) and by size in pixels before a
pixel is decoded, hashed, and stored under MEDIA_ROOT with random names, three times over:

- the original, byte for byte, with its SHA-256: the evidence, shown to reviewers alone;
- a copy written afresh from its pixels (upright, its colour profile kept), without EXIF,
  XMP, comments or text chunks: a phone writes there where it stood and, often, its owner's
  name and number (personal data, Decree 13/2023/NĐ-CP); everyone else who may see the record
  is served this copy;
- a small JPEG for the record's page, written afresh the same way.

When and where the photo was taken, read from its EXIF, is kept on the row instead, shown only
to those who need it. Served only by the permission-checked views.

Where: when the inspector allows the browser to give the phone's position (a checkbox on the
form, static/js/photo-position.js), that position, with its accuracy, is stored for the photos
sent with it and marked as the phone's; it wins over the EXIF position, which may be old, made
up by an app or absent (many phones strip it). Without it, the EXIF position is stored, marked
as such.
"""

import datetime
import hashlib
import io
import math
import secrets
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageOps

from core.errors import DomainError

NOT_AN_IMAGE = _("This file is not a JPEG, PNG or WebP photo.")
TOO_LARGE = _("The photo is larger than %(megabytes)s MB.")
TOO_MANY_PIXELS = _(
    "The photo has more than %(megapixels)s megapixels: take it at a lower resolution, or "
    "reduce it before sending it."
)

THUMBNAIL_SIZE = (480, 480)
# The copy served to everyone but the reviewers; the original stays as evidence.
SHARED_JPEG_QUALITY = 90


@dataclass(frozen=True)
class Kind:
    content_type: str
    extension: str
    pillow_format: str


JPEG = Kind("image/jpeg", "jpg", "JPEG")
PNG = Kind("image/png", "png", "PNG")
WEBP = Kind("image/webp", "webp", "WEBP")
KINDS = {kind.content_type: kind for kind in (JPEG, PNG, WEBP)}


def sniff(head: bytes) -> Kind | None:
    """The photo's kind from its first bytes, whatever its name says."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


@dataclass(frozen=True)
class Capture:
    """When and where the phone says the photo was taken; None where it says nothing usable."""

    taken_at: datetime.datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


BAD_POSITION = _(
    "The phone's position could not be read, so nothing was saved. Untick “Record where the "
    "photos are taken” and tick it again, or leave it unticked to send without a position."
)
POSITION_OUT_OF_RANGE = _(
    "The phone's position is impossible (the latitude must lie between -90 and 90, the "
    "longitude between -180 and 180), so nothing was saved. Untick “Record where the photos are "
    "taken” and tick it again, or leave it unticked to send without a position."
)
# Beyond this radius a position says nothing of the place (a phone without a fix says more).
MOST_ACCURACY_METRES = Decimal(1_000_000)


@dataclass(frozen=True)
class Position:
    """Where the phone says it is, given by the inspector for the photos sent with it."""

    latitude: Decimal
    longitude: Decimal
    accuracy: Decimal | None = None


def checked_position(*, latitude: str, longitude: str, accuracy: str = "") -> Position | None:
    """The phone's position as the form sends it (decimal degrees, a radius in metres), or None
    when none was given; DomainError for anything else, such as one half of it or text."""
    latitude, longitude, accuracy = latitude.strip(), longitude.strip(), accuracy.strip()
    if not (latitude or longitude or accuracy):
        return None
    degrees = (_decimal(latitude), _decimal(longitude))
    radius = _decimal(accuracy) if accuracy else None
    if None in degrees or (accuracy and radius is None):
        raise DomainError(BAD_POSITION)
    if not (-90 <= degrees[0] <= 90 and -180 <= degrees[1] <= 180):
        raise DomainError(POSITION_OUT_OF_RANGE)
    if radius is not None and not 0 <= radius <= MOST_ACCURACY_METRES:
        raise DomainError(BAD_POSITION)
    return Position(
        latitude=degrees[0].quantize(Decimal("0.000001")),
        longitude=degrees[1].quantize(Decimal("0.000001")),
        accuracy=radius.quantize(Decimal("0.1")) if radius is not None else None,
    )


def _decimal(text: str) -> Decimal | None:
    """A finite decimal number written plainly ("21.0285", "-0.5"); None for anything else."""
    if len(text) > 32 or not all(char in "0123456789.-+" for char in text):
        return None
    try:
        value = Decimal(text)
    except ArithmeticError:
        return None
    return value if value.is_finite() else None


@dataclass(frozen=True)
class CheckedPhoto:
    data: bytes
    kind: Kind
    sha256: str
    capture: Capture = field(default_factory=Capture)


def check_photo(upload) -> CheckedPhoto:
    """Read and check an uploaded photo; DomainError if it is too large, in bytes or in pixels,
    or not a photo."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise DomainError(TOO_LARGE, megabytes=f"{limit / 1024 / 1024:g}")
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise DomainError(TOO_LARGE, megabytes=f"{limit / 1024 / 1024:g}")
    kind = sniff(data[:16])
    if kind is None:
        raise DomainError(NOT_AN_IMAGE)
    return CheckedPhoto(
        data=data,
        kind=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        capture=checked_header(data, kind),
    )


def checked_header(data: bytes, kind: Kind) -> Capture:
    """When and where the photo was taken, read with its header; DomainError if it is not a
    photo of `kind`, or has more pixels than PHOTO_MAX_PIXELS. No pixel is decoded."""
    try:
        with _opened(data) as image:
            if image.format != kind.pillow_format:
                raise DomainError(NOT_AN_IMAGE)
            if image.width * image.height > settings.PHOTO_MAX_PIXELS:
                raise _too_many_pixels()
            capture = _capture_of(image)
            image.verify()
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except Exception:  # Pillow raises many kinds of errors on a broken file
        raise DomainError(NOT_AN_IMAGE) from None
    return capture


def _too_many_pixels() -> DomainError:
    return DomainError(TOO_MANY_PIXELS, megapixels=f"{settings.PHOTO_MAX_PIXELS / 1e6:g}")


@contextmanager
def _opened(data: bytes) -> Iterator[Image.Image]:
    """The photo opened by Pillow, which reads its header alone until pixels are asked for.
    Pillow warns of a decompression bomb above its own limit (about 89 megapixels) and refuses
    twice that: the warning is raised too."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as image:
            yield image


# EXIF tags (CIPA DC-008): in the Exif IFD, the original's date-time and its offset from UTC;
# in the GPS IFD, latitude and longitude, each with its hemisphere.
_TAKEN_AT, _TAKEN_AT_OFFSET = 0x9003, 0x9011
_LATITUDE_REF, _LATITUDE, _LONGITUDE_REF, _LONGITUDE = 1, 2, 3, 4


def _capture_of(image: Image.Image) -> Capture:
    """When and where the photo was taken, as its EXIF says. The phone's say is no part of the
    evidence: a value it writes badly is left out, never a reason to refuse the photo."""
    written = image.info.get("exif")  # as read with the header: no pixel is decoded for it
    if not written:
        return Capture()
    try:
        exif = Image.Exif()
        exif.load(written)
        details = exif.get_ifd(ExifTags.IFD.Exif)
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # a broken EXIF block: Pillow raises many kinds of errors
        return Capture()
    return Capture(
        taken_at=_taken_at(details.get(_TAKEN_AT), details.get(_TAKEN_AT_OFFSET)),
        latitude=_degrees(gps.get(_LATITUDE), gps.get(_LATITUDE_REF), "S", 90),
        longitude=_degrees(gps.get(_LONGITUDE), gps.get(_LONGITUDE_REF), "W", 180),
    )


def _taken_at(written, offset) -> datetime.datetime | None:
    """EXIF writes "2026:03:12 08:30:00", local time; an offset ("+07:00") when the phone
    knows it, else the time is taken as Vietnam's."""
    try:
        moment = datetime.datetime.strptime(str(written).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    try:
        zone = datetime.datetime.strptime(str(offset).strip("\x00 "), "%z").tzinfo
    except ValueError:
        zone = timezone.get_default_timezone()
    return moment.replace(tzinfo=zone)


def _degrees(written, hemisphere, negative: str, bound: int) -> Decimal | None:
    """Degrees, minutes and seconds as EXIF writes them, to six decimals (about 10 cm)."""
    try:
        degrees, minutes, seconds = (float(part) for part in written)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(value) or not 0 <= value <= bound:
        return None
    if isinstance(hemisphere, bytes):
        hemisphere = hemisphere.decode("ascii", "replace")
    sign = -1 if str(hemisphere).strip("\x00 ").upper() == negative else 1
    return Decimal(f"{sign * value:.6f}")


def shared_copy(data: bytes, kind: Kind) -> bytes:
    """The photo written afresh from its pixels, in its own format: upright, its colour profile
    (and a PNG's transparency) kept, nothing else of what the file carried."""
    with _opened(data) as image:
        kept = {
            key: image.info[key] for key in ("icc_profile", "transparency") if key in image.info
        }
        ImageOps.exif_transpose(image, in_place=True)
        image.info = {}  # a JPEG's comment would be written again from here
        out = io.BytesIO()
        quality = {"quality": SHARED_JPEG_QUALITY} if kind is not PNG else {}
        image.save(out, format=kind.pillow_format, **kept, **quality)
    return out.getvalue()


def thumbnail(data: bytes) -> bytes:
    """A small JPEG of the photo, upright, with nothing but its pixels. Pillow's thumbnail
    decodes at a reduced size first: a JPEG at 1/2 to 1/8 of its own (draft), another reduced
    by a whole factor (reduce), before the last resize."""
    with _opened(data) as image:
        image.thumbnail(THUMBNAIL_SIZE, reducing_gap=2.0)
        small = ImageOps.exif_transpose(image).convert("RGB")
        small.info = {}  # a JPEG's comment would be written again from here
        out = io.BytesIO()
        small.save(out, format="JPEG", quality=80)
    return out.getvalue()


def store(photo: CheckedPhoto) -> tuple[str, str, str]:
    """Write the original, its copy without metadata and its thumbnail under random names;
    the three names."""
    name = secrets.token_urlsafe(24)
    original = default_storage.save(
        f"evidence/{name}.{photo.kind.extension}", ContentFile(photo.data)
    )
    return original, *store_copies(name, photo.data, photo.kind)


def store_copies(name: str, data: bytes, kind: Kind) -> tuple[str, str]:
    """Write the copy without metadata and the thumbnail of the photo `data`; their names."""
    shared = default_storage.save(
        f"evidence/{name}.shared.{kind.extension}", ContentFile(shared_copy(data, kind))
    )
    small = default_storage.save(f"evidence/{name}.thumb.jpg", ContentFile(thumbnail(data)))
    return shared, small


def discard(*names: str) -> None:
    for name in names:
        default_storage.delete(name)
