from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("Department")
    WARD = "ward", _("Ward")
    COMMUNE = "commune", _("Commune")
    PUBLIC_UNIT = "public_unit", _("Public service unit")
    OTHER = "other", _("Other")


class Unit(models.Model):
    """An agency, unit, ward or commune (cơ quan, đơn vị, phường, xã)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="unit_not_its_own_parent"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Role(models.TextChoices):
    """The portal's roles; each is a Django group of the same name."""

    INSPECTOR = "inspector", _("Inspection team member")
    REVIEWER = "reviewer", _("Interior Affairs reviewer")
    COUNCIL = "council", _("Award council member")
    UNIT_HEAD = "unit_head", _("Head of unit")


class User(AbstractUser):
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("A unit head sees only this unit."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    def get_full_name(self):
        # Vietnamese order: family and middle names (last_name) before the given name.
        return f"{self.last_name} {self.first_name}".strip()

    @cached_property
    def roles(self) -> frozenset[str]:
        """The user's role names, read once per request."""
        return frozenset(self.groups.filter(name__in=Role.values).values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        """True when the user holds one of `roles`; administrators hold every role."""
        if not self.is_active:
            return False
        return self.is_superuser or not self.roles.isdisjoint(roles)
