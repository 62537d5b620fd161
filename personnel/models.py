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
    # The tree is effective-dated: since 1 July 2025 wards and communes were merged and the
    # district level abolished. A merged unit keeps its rows (old records keep the unit they
    # were made under), closes on valid_to and points to its successor.
    valid_from = models.DateField(_("exists from"), null=True, blank=True)
    valid_to = models.DateField(_("exists until"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="unit_not_its_own_parent"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_to_after_valid_from",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def exists_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class UnitName(models.Model):
    """A unit's official name and its issuing body's name from a day on.

    Decree 30/2020/NĐ-CP: a document's header names the issuing body (cơ quan chủ quản) and the
    unit as they stood on the document's date, so a rename is a new row, never an edit.
    """

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="official_names"
    )
    # Empty: since before any known rename.
    valid_from = models.DateField(_("in use from"), null=True, blank=True)
    official_name = models.CharField(
        _("full official name"),
        max_length=255,
        help_text=_("As in the unit's documents, e.g. Ủy ban nhân dân phường Chi Lăng."),
    )
    issuing_body = models.CharField(
        _("issuing body"),
        max_length=255,
        blank=True,
        help_text=_(
            "The governing body named above the unit in its documents, in capitals, e.g. "
            "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN."
        ),
    )

    class Meta:
        verbose_name = _("official name of a unit")
        verbose_name_plural = _("official names of units")
        ordering = ["unit", models.F("valid_from").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(fields=["unit", "valid_from"], name="unit_name_once_a_day"),
            models.UniqueConstraint(
                fields=["unit"],
                condition=models.Q(valid_from__isnull=True),
                name="unit_name_once_undated",
            ),
        ]

    def __str__(self):
        return f"{self.official_name} ({self.valid_from or '…'})"


class StaffCategory(models.TextChoices):
    CAN_BO = "can_bo", _("Cadre (cán bộ)")
    CONG_CHUC = "cong_chuc", _("Civil servant (công chức)")
    VIEN_CHUC = "vien_chuc", _("Public employee (viên chức)")
    NGUOI_LAO_DONG = "nguoi_lao_dong", _("Employee under contract (người lao động)")


class Staff(models.Model):
    """A cadre, civil servant, public employee or employee. Identity is the code, never the name."""

    code = models.CharField(_("staff code"), max_length=32, unique=True)
    full_name = models.CharField(_("full name"), max_length=255)
    category = models.CharField(_("category"), max_length=16, choices=StaffCategory.choices)
    position = models.CharField(_("position"), max_length=255, blank=True)
    badge_number = models.CharField(
        _("badge number"),
        max_length=64,
        blank=True,
        help_text=_("The e-card number [unit code].[citizen ID].[type] is accepted."),
    )
    hired_on = models.DateField(_("recruited on"), null=True, blank=True)
    # Where the person is told of a record about them; most rosters have none.
    email = models.EmailField(_("e-mail"), blank=True, db_default="")
    is_active = models.BooleanField(_("still working"), default=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    # Folded name, initials and badge number: what on-site search matches (see search.py).
    search_text = models.CharField(max_length=600, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["code"]
        # The staff list by name, and a search that finds many people: a page walks this
        # index and stops, instead of sorting everyone. A unit's people are read from their
        # postings' copy of the name (staff_posted_to).
        indexes = [models.Index(fields=["full_name", "code"], name="staff_name_code")]

    def __str__(self):
        return f"{self.full_name} ({self.code})"

    def save(self, *args, **kwargs):
        from personnel.search import staff_search_text

        self.search_text = staff_search_text(self.full_name, self.badge_number)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)


class Posting(models.Model):
    """A person's membership of a unit from one day to another, both days included.

    starts_on empty: open back in time (the unit before any known transfer);
    ends_on empty: still posted there.
    """

    staff = models.ForeignKey(
        Staff, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="postings"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="postings"
    )
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    # The person's name and code, copied so that one index knows the unit and the name (a
    # unit's people by name, read a page at a time). Triggers in the database keep them in
    # step with the person's, whoever writes (migration 0009). A writer may give them (the
    # staff import does, to spare the trigger a rewrite): the trigger corrects a wrong copy.
    staff_full_name = models.CharField(max_length=255, editable=False, db_default="")
    staff_code = models.CharField(max_length=32, editable=False, db_default="")

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["staff", models.F("starts_on").asc(nulls_first=True)]
        indexes = [
            models.Index(fields=["staff", "starts_on"], name="posting_staff_start"),
            # Who is posted to a unit on a day is read from the index alone, in the order of
            # their ids (counted without a sort); whether one person is, in one lookup.
            models.Index(
                fields=["unit", "staff", "starts_on", "ends_on"], name="posting_unit_staff_dates"
            ),
            # A unit's people on a day by name: a walk of the unit's postings in name order,
            # the dates checked in the index, that a page stops after its last person.
            models.Index(
                fields=["unit", "staff_full_name", "staff_code", "staff", "starts_on", "ends_on"],
                name="posting_unit_name_dates",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="posting_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.staff.code} @ {self.unit.code} {self.starts_on or '…'}–{self.ends_on or '…'}"

    def covers(self, day) -> bool:
        return (self.starts_on is None or self.starts_on <= day) and (
            self.ends_on is None or day <= self.ends_on
        )


class RegulationKind(models.TextChoices):
    WORKING_RULES = "working_rules", _("Internal rules and working regulations")
    SPENDING_RULES = "spending_rules", _("Internal spending rules")
    DEMOCRACY_RULES = "democracy_rules", _("Grassroots democracy, publicity and transparency rules")
    CODE_OF_CONDUCT = "code_of_conduct", _("Code of conduct")


class RegulationAction(models.TextChoices):
    ISSUED = "issued", _("Issued")
    AMENDED = "amended", _("Amended or supplemented")


class Regulation(models.Model):
    """One issue or amendment of a unit's internal regulation, with its document."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="regulations"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=RegulationKind.choices)
    action = models.CharField(
        _("action"),
        max_length=16,
        choices=RegulationAction.choices,
        default=RegulationAction.ISSUED,
    )
    title = models.CharField(_("title"), max_length=500)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    signed_on = models.DateField(_("issued or amended on"))
    document = models.FileField(_("document"), upload_to="regulations/%Y/", blank=True)
    recorded_by = models.ForeignKey(
        "personnel.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("regulation")
        verbose_name_plural = _("regulations")
        ordering = ["unit", "-signed_on"]
        indexes = [models.Index(fields=["signed_on", "unit"], name="regulation_signed_unit")]

    def __str__(self):
        return f"{self.unit.code}: {self.title} ({self.signed_on:%d/%m/%Y})"


# Between the role names read with the signed-in user; no role name contains it.
ROLE_SEPARATOR = ","


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
        """The user's role names, read once per request (with the user when signed in)."""
        # Annotated by selectors.users_with_roles, which loads the signed-in user.
        names = self.__dict__.get("role_names")
        if names is not None:
            return frozenset(name for name in names.split(ROLE_SEPARATOR) if name)
        return frozenset(self.groups.filter(name__in=Role.values).values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        """True when the user holds one of `roles`; administrators hold every role."""
        if not self.is_active:
            return False
        return self.is_superuser or not self.roles.isdisjoint(roles)
