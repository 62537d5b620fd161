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
