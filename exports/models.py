import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exports.kinds import MAKERS


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Could not be prepared")


def export_file_name(export: "Export", filename: str) -> str:
    # One folder per export, named by its random id: nothing to guess, nothing overwritten.
    return f"exports/{export.pk}/{filename}"


class Export(models.Model):
    """A file prepared in the background for the one who asked for it (the task worker)."""

    # Random: the address of one person's export says nothing about another's.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # One of the kinds registered in exports.kinds by the app that makes the file.
    kind = models.CharField(_("kind"), max_length=20)
    # The record's number (pk) or the period's code, by kind.
    # What the file is of, e.g. a period code and the list's filters as a query string.
    subject = models.CharField(_("subject"), max_length=255)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="exports",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    file = models.FileField(_("file"), upload_to=export_file_name, max_length=255, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("prepared file")
        verbose_name_plural = _("prepared files")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["requested_by", "-requested_at"])]

    def __str__(self):
        return f"{self.label} {self.subject}"

    @property
    def label(self) -> str:
        maker = MAKERS.get(self.kind)
        return str(maker.label) if maker else self.kind

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1] if self.file else ""


def signed_file_name(document: "SignedDocument", filename: str) -> str:
    # Random, per kind and subject: nothing to guess, and a version is never overwritten.
    return f"signed/{document.kind}/{document.subject}/{uuid.uuid4().hex}.pdf"


class SignedDocument(models.Model):
    """One signed version of a document (the minutes of a record…), kept as signed.

    A signed document is never made again: each signature adds a version holding the bytes
    as signed, and the earlier versions stay.
    """

    # What the document is, e.g. "minutes", named by the app that signs it.
    kind = models.CharField(_("kind"), max_length=32)
    # Which one, e.g. the record's number (pk).
    subject = models.CharField(_("subject"), max_length=255)
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=signed_file_name, max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # In what capacity the signature was made (the signing app's code, e.g. "team_leader").
    capacity = models.CharField(_("capacity"), max_length=32)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("signed document")
        verbose_name_plural = _("signed documents")
        ordering = ["kind", "subject", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject", "version"], name="signed_document_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="signed_document_version_from_1"
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject} v{self.version}"

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.subject}-v{self.version}.pdf"


class SignedDocumentCheck(models.Model):
    """One check of a signed version's signatures, kept: the version's page shows it instead of
    checking the PDF at every view. The first is made when the version is signed; another when
    someone asks for it, or when the trust roots changed since."""

    document = models.ForeignKey(
        SignedDocument,
        on_delete=models.CASCADE,
        related_name="checks",
        verbose_name=_("signed document"),
    )
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    # Empty when the portal checked by itself (the trust roots changed).
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked by"),
    )
    # Of the bytes checked, which may differ from the version's own if the file was changed.
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # core.signing.trust_roots_fingerprint() at the time.
    trust_roots = models.CharField(_("trust roots"), max_length=64)
    # Each signature's outcome, in signing order (core.signing.check_as_data).
    signatures = models.JSONField(_("signatures"), default=list)

    class Meta:
        verbose_name = _("signature check")
        verbose_name_plural = _("signature checks")
        ordering = ["document", "checked_at", "pk"]
        indexes = [models.Index(fields=["document", "-checked_at"])]

    def __str__(self):
        return f"{self.document} {self.checked_at:%Y-%m-%d %H:%M}"

    @property
    def file_changed(self) -> bool:
        """The bytes checked are not the ones kept when the version was signed."""
        return self.sha256 != self.document.sha256
