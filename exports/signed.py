"""Signed versions of documents: each signature is a new version, the earlier ones stay."""

import hashlib

from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.utils import timezone

from core.signing import (
    SignatureCheck,
    check_as_data,
    check_from_data,
    stored_checks,
    trust_roots_fingerprint,
)
from exports.models import SignedDocument, SignedDocumentCheck


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
        _keep_check(document, data, checked_by=signed_by)
    except BaseException:
        document.file.delete(save=False)
        raise
    return document


def signed_bytes(document: SignedDocument) -> bytes:
    with document.file.open("rb") as stored:
        return stored.read()


def _keep_check(document: SignedDocument, data: bytes, *, checked_by) -> SignedDocumentCheck:
    return SignedDocumentCheck.objects.create(
        document=document,
        checked_by=checked_by,
        sha256=hashlib.sha256(data).hexdigest(),
        trust_roots=trust_roots_fingerprint(),
        signatures=[check_as_data(check) for check in stored_checks(data)],
    )


def signed_version_check(*, document: SignedDocument, checked_by=None) -> SignedDocumentCheck:
    """Check the signatures of the stored file of `document` now, and keep the outcome."""
    return _keep_check(document, signed_bytes(document), checked_by=checked_by)


def signed_version_outcome(document: SignedDocument) -> SignedDocumentCheck:
    """The latest kept check of `document`: checked again first only when there is none, or
    when the trust roots changed since (a check is costly, a page view should not make one)."""
    latest = document.checks.select_related("checked_by").order_by("-checked_at", "-pk").first()
    if latest is None or latest.trust_roots != trust_roots_fingerprint():
        latest = signed_version_check(document=document)
    return latest


def kept_signatures(check: SignedDocumentCheck) -> list[SignatureCheck]:
    """The signatures as `check` found them."""
    return [check_from_data(data) for data in check.signatures]
