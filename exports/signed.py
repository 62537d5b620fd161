"""Signed versions of documents: each signature is a new version, the earlier ones stay."""

import hashlib

from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.utils import timezone

from exports.models import SignedDocument


def signed_versions(*, kind: str, subject: str) -> QuerySet[SignedDocument]:
    return SignedDocument.objects.filter(kind=kind, subject=subject).order_by("version")


def latest_signed(*, kind: str, subject: str) -> SignedDocument | None:
    return signed_versions(kind=kind, subject=subject).select_related("signed_by").last()


def signed_version_add(
    *, kind: str, subject: str, data: bytes, capacity: str, signed_by
) -> SignedDocument:
    """Keep `data` as the next version. Call it in the caller's transaction, holding the lock
    of the subject; the caller deletes `document.file` if that transaction fails later."""
    latest = latest_signed(kind=kind, subject=subject)
    document = SignedDocument(
        kind=kind,
        subject=subject,
        version=(latest.version + 1) if latest else 1,
        sha256=hashlib.sha256(data).hexdigest(),
        capacity=capacity,
        signed_by=signed_by,
        signed_at=timezone.now(),
    )
    document.file.save("signed.pdf", ContentFile(data), save=False)
    try:
        document.save()
    except BaseException:
        document.file.delete(save=False)
        raise
    return document


def signed_bytes(document: SignedDocument) -> bytes:
    with document.file.open("rb") as stored:
        return stored.read()
