from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from personnel.models import Staff, Unit


class ViolationType(models.TextChoices):
    ABSENT_WITHOUT_REASON = "absent_without_reason", _("Absent without reason")
    LATE_OR_EARLY_LEAVE = "late_or_early_leave", _("Late arrival or early leave")
    NO_BADGE = "no_badge", _("Not wearing the staff badge")
    ALCOHOL_ON_DUTY = "alcohol_on_duty", _("Drinking alcohol on duty")
    IMPROPER_CONDUCT = "improper_conduct", _("Improper or uncivil conduct")
    TASK_NOT_COMPLETED = "task_not_completed", _("Assigned task not completed")
    OTHER = "other", _("Other")


class RecordStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting review")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")
    OVERTURNED = "overturned", _("Overturned on appeal")


class RecordSource(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    CITIZEN_REPORT = "citizen_report", _("Citizen report")
    LEGACY = "legacy", _("Imported from earlier records")


class ViolationRecord(models.Model):
    """Violation minutes (biên bản): a legal document, changed only by the review workflow."""

    # Numbered on submission ("12/BB-KTCV"), so drafts leave no gaps; imported records keep
    # the number they were given elsewhere.
    number = models.CharField(_("record number"), max_length=64, unique=True, null=True, blank=True)
    staff = models.ForeignKey(
        Staff, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="records"
    )
    # The unit the person was posted to that day; kept even if the unit is later merged.
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="records"
    )
    occurred_at = models.DateTimeField(_("time of the violation"), default=timezone.now)
    type = models.CharField(_("type of violation"), max_length=32, choices=ViolationType.choices)
    description = models.TextField(_("what happened"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.DRAFT
    )
    source = models.CharField(
        _("source"), max_length=16, choices=RecordSource.choices, default=RecordSource.INSPECTION
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("violation record")
        verbose_name_plural = _("violation records")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(
                fields=["staff", "status", "occurred_at"], name="record_staff_status_time"
            ),
            models.Index(fields=["status", "occurred_at"], name="record_status_time"),
        ]

    def __str__(self):
        return self.number or _("Draft record #%(pk)s") % {"pk": self.pk}


# --- Citizen reports (phản ánh) -----------------------------------------------------------
# Contact details are personal data under Decree 13/2023/NĐ-CP: shown to reviewers only,
# never on the public tracking page. The sender's address is kept only as a salted hash,
# for the rate limit.


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    VERIFYING = "verifying", _("Being verified")
    CONFIRMED = "confirmed", _("Confirmed")
    NOT_CONFIRMED = "not_confirmed", _("Not confirmed")


class CitizenReport(models.Model):
    """A citizen's or business's report of a staff member's conduct, sent without an account."""

    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="citizen_reports"
    )
    staff_hint = models.CharField(
        _("staff member's name or badge number"), max_length=255, blank=True
    )
    staff = models.ForeignKey(
        Staff,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="citizen_reports",
    )
    occurred_at = models.DateTimeField(_("when it happened"))
    description = models.TextField(_("what happened"))
    contact_name = models.CharField(_("sender's name"), max_length=255, blank=True)
    contact_phone = models.CharField(_("sender's phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("sender's email"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    closing_reason = models.TextField(_("reason for closing"), blank=True)
    record = models.OneToOneField(
        ViolationRecord,
        verbose_name=_("violation record"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="citizen_report",
    )
    verification_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verification started by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verification_started_at = models.DateTimeField(
        _("verification started at"), null=True, blank=True
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    sender_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("received at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("citizen report")
        verbose_name_plural = _("citizen reports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["sender_hash", "created_at"], name="report_sender_time"),
            models.Index(fields=["status", "created_at"], name="report_status_time"),
        ]
        constraints = [
            # Confirmed exactly when it became a record.
            models.CheckConstraint(
                condition=models.Q(status="confirmed", record__isnull=False)
                | (~models.Q(status="confirmed") & models.Q(record__isnull=True)),
                name="report_confirmed_has_record",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="not_confirmed") | ~models.Q(closing_reason=""),
                name="report_not_confirmed_has_reason",
            ),
        ]

    def __str__(self):
        return _("Citizen report %(code)s") % {"code": self.tracking_code}
