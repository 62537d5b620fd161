"""Evidence photos: checked by content (magic bytes and Pillow), hashed, thumbnailed, stored
under MEDIA_ROOT with random names. Served only by the permission-checked view."""

import hashlib
import io
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from core.errors import DomainError

NOT_AN_IMAGE = _("This file is not a JPEG, PNG or WebP photo.")
TOO_LARGE = _("The photo is larger than %(megabytes)s MB.")

THUMBNAIL_SIZE = (480, 480)


@dataclass(frozen=True)
class Kind:
    content_type: str
    extension: str
    pillow_format: str


JPEG = Kind("image/jpeg", "jpg", "JPEG")
PNG = Kind("image/png", "png", "PNG")
WEBP = Kind("image/webp", "webp", "WEBP")


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
class CheckedPhoto:
    data: bytes
    kind: Kind
    sha256: str


def check_photo(upload) -> CheckedPhoto:
    """Read and check an uploaded photo; DomainError if it is too large or not a photo."""
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
    try:
        with Image.open(io.BytesIO(data)) as image:
            pillow_format = image.format
            image.verify()
    except Exception:  # Pillow raises many kinds of errors on a broken file
        raise DomainError(NOT_AN_IMAGE) from None
    if pillow_format != kind.pillow_format:
        raise DomainError(NOT_AN_IMAGE)
    return CheckedPhoto(data=data, kind=kind, sha256=hashlib.sha256(data).hexdigest())


def thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        small = ImageOps.exif_transpose(image).convert("RGB")
        small.thumbnail(THUMBNAIL_SIZE)
        # Saved afresh: the thumbnail carries no EXIF (no location of the phone).
        out = io.BytesIO()
        small.save(out, format="JPEG", quality=80)
    return out.getvalue()


def store(photo: CheckedPhoto) -> tuple[str, str]:
    """Write the original and its thumbnail under random names; return both names."""
    name = secrets.token_urlsafe(24)
    original = default_storage.save(
        f"evidence/{name}.{photo.kind.extension}", ContentFile(photo.data)
    )
    small = default_storage.save(f"evidence/{name}.thumb.jpg", ContentFile(thumbnail(photo.data)))
    return original, small


def discard(*names: str) -> None:
    for name in names:
        default_storage.delete(name)
