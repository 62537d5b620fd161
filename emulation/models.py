import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.db import CodeField
from inspections.models import DisciplineDecision, ViolationRecord
from personnel.models import Staff, Unit

# Which day a violation belongs to is always its local date (EXCHANGE.md).
LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


REVIEW_OPENS_BEFORE_END = 30


class PeriodStatus(models.TextChoices):
    COLLECTING = "collecting", _("Collecting nominations")
    COUNCIL_REVIEW = "council_review", _("Under council review")
    APPROVED = "approved", _("Approved")


class Policy(models.TextChoices):
    # The article's practice (Lạng Sơn city): every confirmed violation record excludes.
    VIOLATIONS = "violations", _("Every confirmed violation record excludes")
    # The legal floor (Decree 98/2023/NĐ-CP art. 4): only discipline excludes.
    DISCIPLINE = "discipline", _("Only discipline excludes")


class Period(models.Model):
    """An emulation period: a calendar year, a school year or any span of whole local days."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    status = models.CharField(
        _("status"), max_length=16, choices=PeriodStatus.choices, default=PeriodStatus.COLLECTING
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    policy = models.CharField(
        _("what excludes"), max_length=16, choices=Policy.choices, default=Policy.VIOLATIONS
    )
    # Lao động tiên tiến: recruited at least this many months before the period's last day
    # (Circular 01/2024/TT-BNV).
    min_months = models.PositiveSmallIntegerField(_("minimum months of service"), default=6)
    # The share of a unit's members holding an eligible Lao động tiên tiến nomination that a
    # collective title needs (Law 06/2022/QH15: 70%).
    collective_share = models.PositiveSmallIntegerField(
        _("share for a collective title (%)"), default=70
    )
    # A local cap on Chiến sĩ thi đua cơ sở, as a percentage of a unit's Lao động tiên tiến;
    # it only warns the council.
    cstdcs_cap = models.PositiveSmallIntegerField(
        _("cap on Chiến sĩ thi đua cơ sở (percent of Lao động tiên tiến)"), null=True, blank=True
    )
    # The first day the list may go to the council; empty: REVIEW_OPENS_BEFORE_END days before
    # the last day, so that a yearly review in December works.
    review_opens_on = models.DateField(_("review opens on"), null=True, blank=True)
    # The council's secretary for this period (a council member): the one who types the
    # meeting's minutes and votes.
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("council secretary"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("emulation period")
        verbose_name_plural = _("emulation periods")
        ordering = ["-starts_on", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="period_ends_on_or_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(collective_share__gte=1, collective_share__lte=100),
                name="period_collective_share_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(cstdcs_cap__isnull=True)
                | models.Q(cstdcs_cap__gte=1, cstdcs_cap__lte=100),
                name="period_cstdcs_cap_in_range",
            ),
        ]

    def __str__(self):
        name = str(self.display_name)
        return f"{name} ({self.code})" if self.shows_code else name

    @property
    def display_name(self) -> str:
        """The name in the reader's language: a calendar-year period named by the portal ("Năm
        2019") reads "Year 2019" in English; a name a person gave is shown as given."""
        if self.code.isdigit() and self.name in (self.code, f"Năm {self.code}"):
            return _("Year %(year)s") % {"year": self.code}
        return self.name

    @property
    def shows_code(self) -> bool:
        """Whether the code adds anything beside the name (not "Năm 2019 (2019)")."""
        return self.code not in self.display_name

    @property
    def review_opening_day(self) -> datetime.date:
        return self.review_opens_on or self.ends_on - datetime.timedelta(
            days=REVIEW_OPENS_BEFORE_END
        )

    @property
    def is_approved(self) -> bool:
        return self.status == PeriodStatus.APPROVED

    def window(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The instants of local midnight starting the first day and ending the last day.

        A record belongs to the period when start <= occurred_at < end: an exact test of its
        local date that the database answers from the (staff, status, occurred_at) index.
        """
        start = datetime.datetime.combine(self.starts_on, datetime.time.min, tzinfo=LOCAL_ZONE)
        end = datetime.datetime.combine(
            self.ends_on + datetime.timedelta(days=1), datetime.time.min, tzinfo=LOCAL_ZONE
        )
        return start, end


class PeriodAction(models.TextChoices):
    SENT_TO_COUNCIL = "sent_to_council", _("Sent to the council")
    RETURNED = "returned", _("Returned to collection")
    APPROVED = "approved", _("Approved")
    SIGNED = "signed", _("Signed digitally by the council's secretary")


class PeriodEvent(models.Model):
    """One step of a period's life, with who took it and why: the trail the council's list
    rests on."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("step"), max_length=20, choices=PeriodAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("step of a period")
        verbose_name_plural = _("steps of periods")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.period_id}: {self.action}"


class CouncilMeeting(models.Model):
    """The council's meeting on a period's list (biên bản họp Hội đồng), typed by the period's
    secretary: who sat, and how the members present voted on the list."""

    period = models.OneToOneField(
        Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="meeting"
    )
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=255)
    chair = models.CharField(_("chaired by"), max_length=255)
    members_present = models.PositiveSmallIntegerField(_("members present"))
    members_absent = models.PositiveSmallIntegerField(_("members absent"))
    votes_agree = models.PositiveSmallIntegerField(_("votes in favour"))
    votes_disagree = models.PositiveSmallIntegerField(_("votes against"))
    votes_abstain = models.PositiveSmallIntegerField(_("abstentions"))
    opinions = models.TextField(_("opinions expressed"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("council meeting")
        verbose_name_plural = _("council meetings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    members_present=models.F("votes_agree")
                    + models.F("votes_disagree")
                    + models.F("votes_abstain")
                ),
                name="meeting_votes_are_the_members_present",
            ),
            models.CheckConstraint(
                condition=models.Q(members_present__gte=1), name="meeting_has_members_present"
            ),
        ]

    def __str__(self):
        return f"{self.period_id}: {self.held_at:%Y-%m-%d}"

    @property
    def members_total(self) -> int:
        return self.members_present + self.members_absent


class TitleKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    COLLECTIVE = "collective", _("Collective")


class Title(models.Model):
    """An emulation title (danh hiệu thi đua) of the catalogue, kept by administrators."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=TitleKind.choices)

    class Meta:
        verbose_name = _("emulation title")
        verbose_name_plural = _("emulation titles")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Rating(models.TextChoices):
    """The year's quality rating of a cán bộ, công chức or viên chức (Decree 90/2020/NĐ-CP as
    amended by Decree 48/2023/NĐ-CP), best first."""

    XUAT_SAC = "xuat_sac", _("Tasks completed excellently")
    TOT = "tot", _("Tasks completed well")
    HOAN_THANH = "hoan_thanh", _("Tasks completed")
    KHONG_HOAN_THANH = "khong_hoan_thanh", _("Tasks not completed")


class ListGroup(models.IntegerChoices):
    """The parts of the council's list, the exceptions first."""

    EXCLUDED = 0, _("Excluded")
    PENDING = 1, _("Pending review")
    NOT_FULLY_CHECKED = 2, _("Eligible, not fully checked")
    ELIGIBLE = 3, _("Eligible")


def list_group_of(*, status: str, unchecked: str) -> int:
    """The part of the council's list a verdict puts its nomination in."""
    if status == "excluded":
        return ListGroup.EXCLUDED
    if status == "pending":
        return ListGroup.PENDING
    return ListGroup.NOT_FULLY_CHECKED if unchecked else ListGroup.ELIGIBLE


def list_codes(*, staff: Staff | None, unit: Unit, title: Title) -> tuple[str, str]:
    """A nomination's Nomination.list_code and list_title: the nominee's code (the unit's for
    a collective) and the title's."""
    return (staff.code if staff is not None else unit.code), title.code


def _eligible_order_index(name: str, *, collective: bool, by: tuple[str, ...] = ()):
    """The council list's order of the plainly eligible (nominee's code, title's code, id)
    within a period and a filter, people's and collectives' apart: the nominations without a
    verdict row, read after the exceptions (Verdict's order indexes)."""
    return models.Index(
        fields=["period", *by, "list_code", "list_title", "id"],
        condition=models.Q(staff__isnull=collective),
        name=name,
    )


class NominationQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """As Django's, filling the list codes a writer left out (save() does the same)."""
        objs = list(objs)
        missing = [nomination for nomination in objs if not nomination.list_code]
        if missing:
            staff = dict(
                Staff.objects.filter(
                    pk__in={nomination.staff_id for nomination in missing}
                ).values_list("pk", "code")
            )
            units = dict(
                Unit.objects.filter(
                    pk__in={nomination.unit_id for nomination in missing}
                ).values_list("pk", "code")
            )
            titles = dict(
                Title.objects.filter(
                    pk__in={nomination.title_id for nomination in missing}
                ).values_list("pk", "code")
            )
            for nomination in missing:
                nomination.list_code = (
                    staff[nomination.staff_id]
                    if nomination.staff_id is not None
                    else units[nomination.unit_id]
                )
                nomination.list_title = titles[nomination.title_id]
        return super().bulk_create(objs, *args, **kwargs)


class Nomination(models.Model):
    """A person, or a unit for a collective title, proposed for a title in a period (đề nghị
    khen thưởng). A collective nomination has no person; its unit is the unit nominated."""

    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="nominations"
    )
    staff = models.ForeignKey(
        Staff,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations",
    )
    title = models.ForeignKey(
        Title, verbose_name=_("title"), on_delete=models.PROTECT, related_name="nominations"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("nominating unit"),
        on_delete=models.PROTECT,
        related_name="nominations",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    rating = models.CharField(_("rating"), max_length=16, choices=Rating.choices, blank=True)
    # The recognised initiative or research the nomination rests on (Chiến sĩ thi đua cơ sở).
    initiative = models.TextField(_("initiative"), blank=True)
    objects = NominationQuerySet.as_manager()
    # The nominee's code (the staff member's, or the unit's for a collective) and the title's:
    # the council list's order for the nominations plainly eligible, which have no verdict row
    # (Verdict). Written with the nomination (save, or the writer in bulk), never by the rule.
    list_code = CodeField(max_length=32, blank=True, default="")
    list_title = CodeField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "staff", "title"],
                condition=models.Q(staff__isnull=False),
                name="nomination_once_per_title",
            ),
            models.UniqueConstraint(
                fields=["period", "unit", "title"],
                condition=models.Q(staff__isnull=True),
                name="collective_nomination_once_per_title",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "period"], name="nomination_unit_period"),
            _eligible_order_index("nomination_people_order", collective=False),
            _eligible_order_index("nomination_people_unit_order", collective=False, by=("unit",)),
            _eligible_order_index("nomination_people_title_order", collective=False, by=("title",)),
            _eligible_order_index("nomination_units_order", collective=True),
            _eligible_order_index("nomination_units_unit_order", collective=True, by=("unit",)),
            _eligible_order_index("nomination_units_title_order", collective=True, by=("title",)),
        ]

    def __str__(self):
        return f"{self.staff or self.unit} — {self.title} ({self.period.code})"

    def save(self, *args, **kwargs):
        if not self.list_code:
            self.list_code, self.list_title = list_codes(
                staff=self.staff if self.staff_id else None, unit=self.unit, title=self.title
            )
        super().save(*args, **kwargs)

    @property
    def effective_verdict(self) -> "Verdict":
        """The rule's verdict: the stored row, or, for a nomination without one, eligible with
        every criterion checked (the rule service stores only the exceptions)."""
        verdict = getattr(self, "verdict", None)
        return verdict if verdict is not None else Verdict(status=VerdictStatus.ELIGIBLE)

    @property
    def is_collective(self) -> bool:
        return self.staff_id is None

    @property
    def nominee_name(self) -> str:
        return self.unit.name if self.staff_id is None else self.staff.full_name

    @property
    def nominee_code(self) -> str:
        return "" if self.staff_id is None else self.staff.code


class VerdictStatus(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible")
    EXCLUDED = "excluded", _("Excluded")
    # Decree 98/2023/NĐ-CP art. 4: no award while a discipline review is open.
    PENDING = "pending", _("Pending review")


def _list_order_index(name: str, *, collective: bool, by: tuple[str, ...] = ()):
    """The council list's order (group, nominee's code, title's code, nomination) within a
    period and a filter, people's and collectives' apart: a page reads its rows in order from
    here."""
    return models.Index(
        fields=["period", *by, "list_group", "list_code", "list_title", "nomination"],
        condition=models.Q(collective=collective),
        name=name,
    )


def _copy_of(model):
    """A nomination's period, unit or title copied onto its verdict for the list's indexes:
    the nomination's own foreign key already guards it, so no second constraint (it would
    cost a deferred check per verdict) and no index of its own."""
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )


class Verdict(models.Model):
    """The rule's verdict on one nomination that is an exception: excluded, pending, or
    eligible with a criterion unchecked; its reasons are rows of VerdictReason. A nomination
    without a verdict row is eligible with every criterion checked
    (Nomination.effective_verdict): at national scale most are, and a row each would cost more
    than the whole evaluation may.
    """

    nomination = models.OneToOneField(
        Nomination, verbose_name=_("nomination"), on_delete=models.CASCADE, related_name="verdict"
    )
    status = models.CharField(_("verdict"), max_length=16, choices=VerdictStatus.choices)
    # When the verdict last changed: running the rule again without news changes nothing.
    evaluated_at = models.DateTimeField(_("evaluated at"))
    # The criteria without data (emulation.rule.UNCHECKED_ORDER), comma-separated: never
    # passed silently.
    unchecked = models.CharField(_("not checked"), max_length=64, blank=True, default="")
    # The nomination's place in the council's list, written in the same row as the verdict
    # so that one INSERT stores both and the indexes below serve every page of the list: the
    # nomination's period, unit and title, whether a unit is nominated, the group
    # (list_group_of) and the nominee's and title's codes.
    period = _copy_of(Period)
    unit = _copy_of(Unit)
    title = _copy_of(Title)
    collective = models.BooleanField(default=False)
    list_group = models.PositiveSmallIntegerField(choices=ListGroup.choices)
    list_code = CodeField(max_length=32)
    list_title = CodeField(max_length=64)

    class Meta:
        verbose_name = _("verdict")
        verbose_name_plural = _("verdicts")
        indexes = [
            models.Index(fields=["status"], name="verdict_status"),
            _list_order_index("verdict_people_order", collective=False),
            _list_order_index("verdict_people_unit_order", collective=False, by=("unit",)),
            _list_order_index("verdict_people_title_order", collective=False, by=("title",)),
            _list_order_index("verdict_units_order", collective=True),
            _list_order_index("verdict_units_unit_order", collective=True, by=("unit",)),
            _list_order_index("verdict_units_title_order", collective=True, by=("title",)),
        ]

    def __str__(self):
        return f"{self.nomination_id}: {self.status}"

    @property
    def unchecked_criteria(self) -> list[str]:
        return self.unchecked.split(",") if self.unchecked else []

    @property
    def not_fully_checked(self) -> bool:
        return self.status == VerdictStatus.ELIGIBLE and bool(self.unchecked)


class VerdictTally(models.Model):
    """How many of a period's nominations from one unit for one title are eligible, excluded
    and pending. The rule service keeps it in step with the verdicts, so that the council's
    list reads its counts from a few rows instead of counting the whole period on every page.
    """

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="+")
    eligible = models.PositiveIntegerField(default=0)
    excluded = models.PositiveIntegerField(default=0)
    pending = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("verdict count")
        verbose_name_plural = _("verdict counts")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "unit", "title"], name="verdict_tally_once_per_group"
            ),
        ]

    def __str__(self):
        return f"{self.period_id}/{self.unit_id}/{self.title_id}"


class ReasonKind(models.TextChoices):
    """What a reason is about, in the order the list gives them (EXCHANGE.md)."""

    VIOLATION = "violation", _("Violation record")
    # Decree 98/2023/NĐ-CP art. 4.
    DISCIPLINE = "discipline", _("Discipline")
    RATING = "rating", _("Quality rating")
    TENURE = "tenure", _("Length of service")
    REQUIRES_TITLE = "requires_title", _("Lao động tiên tiến in the same period")
    MERIT = "merit", _("Excellent rating or initiative")
    COLLECTIVE_SHARE = "collective_share", _("Share of members with Lao động tiên tiến")
    MEMBER_DISCIPLINED = "member_disciplined", _("Member disciplined")
    NO_CSTDCS_MEMBER = "no_cstdcs_member", _("No member with Chiến sĩ thi đua cơ sở")


class VerdictReason(models.Model):
    """One reason that decides a verdict: a record, a discipline decision (the person's, or a
    member's for a collective), or a failed criterion with the data that decided it."""

    # No index of its own: the unique (verdict, record) constraint's index serves the reads.
    verdict = models.ForeignKey(
        Verdict, on_delete=models.CASCADE, related_name="reasons", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ReasonKind.choices)
    record = models.ForeignKey(
        ViolationRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.ForeignKey(
        DisciplineDecision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The criterion's data, as EXCHANGE.md's reason object gives it (e.g. {"rating": "tot"}).
    data = models.JSONField(default=dict, blank=True)
    # The reason's place in the verdict's list: by kind, then oldest first.
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("verdict reason")
        verbose_name_plural = _("verdict reasons")
        ordering = ["verdict", "position"]
        constraints = [
            models.UniqueConstraint(fields=["verdict", "record"], name="reason_once_per_record"),
            models.UniqueConstraint(
                fields=["verdict", "decision"], name="reason_once_per_decision"
            ),
        ]

    def __str__(self):
        return f"{self.verdict_id}: {self.kind} {self.record_id or self.decision_id or ''}"


class RevocationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REVOKED = "revoked", _("Title revoked")
    REINSTATED = "reinstated", _("Title reinstated")
    GRANTED = "granted", _("Title granted")
    CLOSED = "closed", _("Closed without change")


class CaseKind(models.TextChoices):
    # Law 06/2022/QH15, chapter VII: a violation established after the approval.
    REVOCATION = "revocation", _("Revocation")
    # The record that excluded the person was overturned or dismissed after the approval.
    REINSTATEMENT = "reinstatement", _("Reinstatement")
    # Decree 98/2023/NĐ-CP art. 4: a deferred nomination whose review has ended.
    DEFERRED = "deferred", _("Deferred nomination")


# What the council may decide on each kind of case, besides closing it without change.
CASE_OUTCOMES = {
    CaseKind.REVOCATION: RevocationStatus.REVOKED,
    CaseKind.REINSTATEMENT: RevocationStatus.REINSTATED,
    CaseKind.DEFERRED: RevocationStatus.GRANTED,
}


class RevocationCase(models.Model):
    """A finding inside an approved period made after its approval, for the council.

    Law on Emulation and Commendation 06/2022/QH15, chapter VII: the approved list is never
    edited silently. A violation established later: revoke the title or close the case. A
    record that excluded the person overturned or dismissed later: reinstate. A deferred
    nomination whose review ended: grant the title or not. Closing needs a reason.
    """

    kind = models.CharField(
        _("kind"), max_length=16, choices=CaseKind.choices, default=CaseKind.REVOCATION
    )
    nomination = models.ForeignKey(
        Nomination, on_delete=models.PROTECT, related_name="revocation_cases"
    )
    record = models.ForeignKey(
        ViolationRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.ForeignKey(
        DisciplineDecision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"))
    status = models.CharField(
        _("status"), max_length=16, choices=RevocationStatus.choices, default=RevocationStatus.OPEN
    )
    reason = models.TextField(_("reason"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("revocation case")
        verbose_name_plural = _("revocation cases")
        ordering = ["opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["nomination", "record", "kind"], name="revocation_once_per_record"
            ),
            models.UniqueConstraint(
                fields=["nomination", "decision", "kind"], name="revocation_once_per_decision"
            ),
            models.CheckConstraint(
                condition=models.Q(record__isnull=False, decision__isnull=True)
                | models.Q(record__isnull=True, decision__isnull=False),
                name="revocation_names_a_record_or_a_decision",
            ),
        ]

    def __str__(self):
        return f"{self.nomination_id}: {self.record_id} ({self.status})"
