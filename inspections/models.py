from django.conf import settings
from django.db import models
from django.db.models import Q
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
    # A draft opened by a roll call mark that was undone before anyone touched it: kept, as
    # every record and its trail are, but never sent, counted or shown to anyone else.
    WITHDRAWN = "withdrawn", _("Withdrawn: the roll call mark was undone")


class RecordSource(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    CITIZEN_REPORT = "citizen_report", _("Citizen report")
    LEGACY = "legacy", _("Imported from earlier records")


class SignatureStatus(models.TextChoices):
    SIGNED = "signed", _("Signed by the person")
    REFUSED = "refused", _("The person refused to sign")


class ViolationRecord(models.Model):
    """Violation minutes (biên bản): a legal document, changed only by the review workflow."""

    # Numbered on submission ("12/BB-KTCV"), so drafts leave no gaps; imported records keep
    # the number they were given elsewhere. Unique within its year (see Meta); NULL, not "",
    # while a draft, so that unnumbered drafts do not collide.
    number = models.CharField(  # noqa: DJ001
        _("record number"), max_length=64, null=True, blank=True
    )
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
    explanation = models.TextField(_("the person's explanation"), blank=True)
    witnesses = models.TextField(_("witnesses"), blank=True)
    signature = models.CharField(
        _("signature"), max_length=16, choices=SignatureStatus.choices, blank=True
    )
    visit = models.ForeignKey(
        "Visit",
        verbose_name=_("visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
    )
    # A confirmed, dismissed or overturned record is never edited: a correction is a new record.
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects record"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    # The year the number belongs to: numbers restart at 1 each year ("1/BB-KTCV").
    number_year = models.PositiveSmallIntegerField(_("year of the number"), null=True, blank=True)
    number_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_reason = models.TextField(_("reason of the review decision"), blank=True)

    class Meta:
        verbose_name = _("violation record")
        verbose_name_plural = _("violation records")
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["number_year", "number"], name="record_number_unique_in_year"
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(number_year__isnull=True),
                name="record_number_unique_without_year",
            ),
            models.UniqueConstraint(
                fields=["number_year", "number_sequence"], name="record_sequence_unique_in_year"
            ),
        ]
        indexes = [
            models.Index(
                fields=["staff", "status", "occurred_at"], name="record_staff_status_time"
            ),
            models.Index(fields=["status", "occurred_at"], name="record_status_time"),
        ]

    def __str__(self):
        if self.number:
            return self.number
        # A draft has no number yet: named by its person and the time it was made, never by
        # a database id (WORDING.md).
        made_at = timezone.localtime(self.created_at) if self.created_at else timezone.now()
        return _("Draft record of %(person)s, made at %(time)s") % {
            "person": self.staff.full_name,
            "time": made_at.strftime("%H:%M, %d/%m/%Y"),
        }

    @property
    def is_final(self) -> bool:
        """Confirmed, dismissed and overturned records are never edited; they are corrected."""
        return self.status in FINAL_STATUSES


FINAL_STATUSES = frozenset(
    {RecordStatus.CONFIRMED, RecordStatus.DISMISSED, RecordStatus.OVERTURNED}
)
# Never submitted: seen by the author alone, never cited, counted or printed.
UNSENT_STATUSES = (RecordStatus.DRAFT, RecordStatus.WITHDRAWN)


class RecordNumberCounter(models.Model):
    """The last number given in a year; its row is locked while a number is assigned."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("record number counter")
        verbose_name_plural = _("record number counters")

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class AppealOutcome(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    UPHELD = "upheld", _("Upheld: the record stands")
    OVERTURNED = "overturned", _("Overturned: the record no longer counts")


class Appeal(models.Model):
    """An appeal against a confirmed record, and its decision: a row, never a deletion."""

    record = models.OneToOneField(
        ViolationRecord, verbose_name=_("record"), on_delete=models.PROTECT, related_name="appeal"
    )
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lodged_at = models.DateTimeField(_("lodged at"))
    reason = models.TextField(_("grounds of the appeal"))
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=AppealOutcome.choices, default=AppealOutcome.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason of the decision"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self):
        return f"{self.record}: {self.get_outcome_display()}"


class WrittenExplanation(models.Model):
    """The person's written explanation (giải trình) of a submitted record, attached by the
    unit's head, as text, a signed document, or both. Added, never changed."""

    record = models.ForeignKey(
        ViolationRecord,
        verbose_name=_("record"),
        on_delete=models.PROTECT,
        related_name="written_explanations",
    )
    text = models.TextField(_("explanation"), blank=True)
    document = models.FileField(_("document"), upload_to="explanations/%Y/", blank=True)
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    attached_at = models.DateTimeField(_("attached at"))

    class Meta:
        verbose_name = _("written explanation")
        verbose_name_plural = _("written explanations")
        ordering = ["attached_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(text="") | ~models.Q(document=""),
                name="explanation_has_text_or_document",
            )
        ]

    def __str__(self):
        return f"{self.record}: {self.attached_at:%d/%m/%Y %H:%M}"


class AuditAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Draft changed")
    EVIDENCE_ADDED = "evidence_added", _("Photo added")
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")
    APPEALED = "appealed", _("Appealed")
    APPEAL_UPHELD = "appeal_upheld", _("Appeal decided: upheld")
    APPEAL_OVERTURNED = "appeal_overturned", _("Appeal decided: overturned")
    EXPLAINED = "explained", _("Written explanation attached")
    SIGNED = "signed", _("Minutes signed digitally")
    WITHDRAWN = "withdrawn", _("Withdrawn with the roll call mark that opened it")
    # Created or changed by `import_violations` (EXCHANGE.md); the actor is empty (the system).
    IMPORTED = "imported", _("Imported")


class SigningCapacity(models.TextChoices):
    """In what capacity the minutes are signed digitally."""

    TEAM_LEADER = "team_leader", _("Team leader")
    REVIEWER = "reviewer", _("Reviewer, countersigning")


class AuditEntry(models.Model):
    """One step in a record's life. Append-only: each entry's hash covers the previous one.

    On PostgreSQL a trigger refuses UPDATE and DELETE (migration 0004); `verify_audit`
    recomputes the chain everywhere.
    """

    record = models.ForeignKey(
        ViolationRecord, on_delete=models.PROTECT, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # {"field": [before, after]}, values as JSON (dates in ISO 8601, objects by primary key).
    changes = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["id"]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.record_id}"


class AuditChainHead(models.Model):
    """The hash of the last audit entry; locked while an entry is appended (one row)."""

    last_hash = models.CharField(max_length=64)
    last_entry_id = models.BigIntegerField(null=True)

    def __str__(self):
        return self.last_hash


class RoundKind(models.TextChoices):
    SURPRISE = "surprise", _("Surprise")
    PLANNED = "planned", _("Planned")


class InspectionRound(models.Model):
    """An inspection round (đợt kiểm tra): a team visiting a list of units."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(
        _("kind"), max_length=16, choices=RoundKind.choices, default=RoundKind.SURPRISE
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        on_delete=models.PROTECT,
        related_name="rounds_led",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team members"),
        related_name="rounds_joined",
        blank=True,
    )
    units = models.ManyToManyField(
        Unit, verbose_name=_("units to visit"), related_name="inspection_rounds", blank=True
    )
    # The legal basis the minutes cite ("Căn cứ …"). Blank on rounds set up before it was
    # recorded: their minutes then leave the line out rather than cite nothing.
    team_decision_number = models.CharField(
        _("number of the decision setting up the team"),
        max_length=64,
        blank=True,
        help_text=_("For example 125/QĐ-UBND."),
    )
    team_decision_date = models.DateField(
        _("date of the decision setting up the team"), null=True, blank=True
    )
    team_decision_signer = models.CharField(
        _("decision signed by (name)"), max_length=255, blank=True
    )
    team_decision_signer_title = models.CharField(
        _("decision signed by (title)"),
        max_length=255,
        blank=True,
        help_text=_("For example Chủ tịch Ủy ban nhân dân thành phố Lạng Sơn."),
    )
    plan_number = models.CharField(
        _("number of the plan followed"),
        max_length=64,
        blank=True,
        help_text=_("For example 15/KH-UBND. Empty for a round outside any plan."),
    )
    plan_date = models.DateField(_("date of the plan"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        ordering = ["-starts_on", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="round_ends_after_start"
            )
        ]

    def __str__(self):
        return f"{self.code}: {self.name}"


class Visit(models.Model):
    """A round's team at one unit."""

    round = models.ForeignKey(
        InspectionRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="visits"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="visits"
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("inspectors present"), related_name="visits"
    )
    representative = models.CharField(
        _("unit representative"),
        max_length=255,
        blank=True,
        help_text=_("Name and position of the unit's representative."),
    )

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["unit", "started_at"], name="visit_unit_started")]

    def __str__(self):
        return f"{self.round.code} @ {self.unit.code}"


class ChecklistTemplate(models.Model):
    name = models.CharField(_("name"), max_length=255)
    is_active = models.BooleanField(
        _("in use"), default=True, help_text=_("New visits use the active template.")
    )

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")

    def __str__(self):
        return self.name


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("what is checked"), max_length=500)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "position", "id"]

    def __str__(self):
        return self.text


class ChecklistResult(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class ChecklistAnswer(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="checklist_answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="answers")
    result = models.CharField(_("result"), max_length=16, choices=ChecklistResult.choices)
    note = models.TextField(_("note"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = [
            models.UniqueConstraint(fields=["visit", "item"], name="checklist_answer_once")
        ]

    def __str__(self):
        return f"{self.visit}: {self.item} = {self.result}"


class Attendance(models.TextChoices):
    PRESENT = "present", _("Present")
    NO_BADGE = "no_badge", _("Present without badge")
    LATE = "late", _("Late")
    EXCUSED = "excused", _("Absent with leave or on business")
    ABSENT = "absent", _("Absent without reason")


# Roll call faults and the violation each one opens as a draft record.
ATTENDANCE_FAULTS = {
    Attendance.NO_BADGE: ViolationType.NO_BADGE,
    Attendance.LATE: ViolationType.LATE_OR_EARLY_LEAVE,
    Attendance.ABSENT: ViolationType.ABSENT_WITHOUT_REASON,
}


class RollCallEntry(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="roll_call")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="roll_calls")
    attendance = models.CharField(_("attendance"), max_length=16, choices=Attendance.choices)
    # The mark this one replaced, so that a wrong tap can be undone; empty for a first mark.
    previous_attendance = models.CharField(
        _("previous attendance"), max_length=16, choices=Attendance.choices, blank=True
    )
    record = models.OneToOneField(
        ViolationRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roll_call_entry",
    )
    noted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    noted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("roll call entry")
        verbose_name_plural = _("roll call entries")
        constraints = [
            models.UniqueConstraint(fields=["visit", "staff"], name="roll_call_once_per_visit")
        ]

    def __str__(self):
        return f"{self.visit}: {self.staff.code} {self.attendance}"


class LocationSource(models.TextChoices):
    PHONE = "phone", _("the phone's position, given by the inspector")
    EXIF = "exif", _("the photo's own data (EXIF)")


class Evidence(models.Model):
    """A photo attached to a record. Files have random names and are served only by a view:
    the original to reviewers, to everyone else a copy without its metadata (see
    inspections/evidence.py)."""

    record = models.ForeignKey(ViolationRecord, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(max_length=255)
    # Empty for a photo stored before such copies were made: made when first asked for.
    shared = models.FileField(max_length=255, blank=True)
    thumbnail = models.FileField(max_length=255)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    # Of the original bytes as received, so a copy can be proven identical later.
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    # When and where the phone says it was taken (EXIF): personal data, shown only to the
    # reviewers and the record's author.
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # Where the position came from: the phone's own, given by the inspector when writing,
    # wins over the photo's EXIF (which stays in the original, for the reviewers).
    location_source = models.CharField(
        _("source of the position"), max_length=8, choices=LocationSource.choices, blank=True
    )
    # The radius, in metres, the phone gives for its position; none for an EXIF position.
    location_accuracy = models.DecimalField(
        _("accuracy of the position (m)"), max_digits=8, decimal_places=1, null=True, blank=True
    )

    class Meta:
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return f"{self.record}: {self.sha256[:12]}"


class FormSubmission(models.Model):
    """A one-time form token (an idempotency key), the user who first sent it and the record it
    created (none for a checklist save): a retried form lands on that record, and the same key
    from another user is refused."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(
        ViolationRecord, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self):
        return self.token


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


class DisciplineForm(models.TextChoices):
    """Mildest first. Cán bộ and công chức: Decree 172/2025/NĐ-CP; viên chức: Decree 112/2020/
    NĐ-CP as amended."""

    KHIEN_TRACH = "khien_trach", _("Reprimand (khiển trách)")
    CANH_CAO = "canh_cao", _("Warning (cảnh cáo)")
    HA_BAC_LUONG = "ha_bac_luong", _("Salary grade lowered (hạ bậc lương)")
    GIANG_CHUC = "giang_chuc", _("Demotion (giáng chức)")
    CACH_CHUC = "cach_chuc", _("Removal from office (cách chức)")
    BUOC_THOI_VIEC = "buoc_thoi_viec", _("Dismissal (buộc thôi việc)")
    BAI_NHIEM = "bai_nhiem", _("Removal by vote (bãi nhiệm)")


class DisciplineStatus(models.TextChoices):
    UNDER_REVIEW = "under_review", _("Discipline procedure open")
    DECIDED = "decided", _("Decided")
    ANNULLED = "annulled", _("Annulled")


class DisciplineDecision(models.Model):
    """A discipline decision (quyết định kỷ luật), or a discipline procedure still open.

    A legal document: every change is a row of DisciplineChange, and the award rule reads it
    (Decree 98/2023/NĐ-CP art. 4: achievements count only after the discipline ends).
    """

    number = models.CharField(_("decision number"), max_length=64, unique=True)
    staff = models.ForeignKey(
        Staff,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="discipline_decisions",
    )
    form = models.CharField(_("form of discipline"), max_length=16, choices=DisciplineForm.choices)
    status = models.CharField(_("status"), max_length=16, choices=DisciplineStatus.choices)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    # The last day of the decision's effect.
    effective_until = models.DateField(_("in effect until"), null=True, blank=True)
    signer = models.CharField(_("signed by"), max_length=255, blank=True)
    records = models.ManyToManyField(
        ViolationRecord,
        verbose_name=_("violation records it rests on"),
        blank=True,
        related_name="discipline_decisions",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("discipline decision")
        verbose_name_plural = _("discipline decisions")
        ordering = ["-decided_on", "number"]
        indexes = [models.Index(fields=["staff", "status"], name="discipline_staff_status")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="decided")
                | models.Q(decided_on__isnull=False, effective_until__isnull=False),
                name="discipline_decided_has_dates",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(decided_on__isnull=True)
                | models.Q(effective_until__gte=models.F("decided_on")),
                name="discipline_effect_after_decision",
            ),
        ]

    def __str__(self):
        return f"{self.number} ({self.get_form_display()}, {self.get_status_display()})"


class DisciplineChange(models.Model):
    """One change of a discipline decision: who, when, and each field's old and new value."""

    decision = models.ForeignKey(
        DisciplineDecision, on_delete=models.PROTECT, related_name="changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    # "created", "changed" or "imported".
    action = models.CharField(_("action"), max_length=16)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("change of a discipline decision")
        verbose_name_plural = _("changes of discipline decisions")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.decision_id} {self.action} {self.at:%Y-%m-%d %H:%M}"
