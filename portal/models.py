"""The access log of personal data (Decree 13/2023/NĐ-CP on the protection of personal data)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PersonalDataAccess(models.Model):
    """One page or file showing a person's data, opened by one user: who, whom, what, when.

    Written by the views that show one person's records, evidence, minutes, staff page or a
    citizen report with its sender's contact; never changed afterwards.
    """

    at = models.DateTimeField(_("at"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        "personnel.Staff",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    record = models.ForeignKey(
        "inspections.ViolationRecord",
        verbose_name=_("violation record"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    evidence = models.ForeignKey(
        "inspections.Evidence",
        verbose_name=_("evidence"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    citizen_report = models.ForeignKey(
        "inspections.CitizenReport",
        verbose_name=_("citizen report"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    view = models.CharField(_("page"), max_length=100)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["staff", "at"], name="portal_access_staff_at"),
            models.Index(fields=["user", "at"], name="portal_access_user_at"),
            models.Index(fields=["at"], name="portal_access_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(staff__isnull=False) | Q(citizen_report__isnull=False),
                name="portal_access_names_a_person",
            )
        ]

    def __str__(self):
        whom = self.staff_id or f"report {self.citizen_report_id}"
        return f"{self.at:%Y-%m-%d %H:%M} user {self.user_id} → {whom} ({self.view})"
