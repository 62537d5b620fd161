"""Writes of the inspections app: the violation record workflow, rounds, visits, evidence.

Every function owns its transaction; those that change a record, a visit or a number lock
that row first (select_for_update), so two people acting at once cannot both win. Every
refusal raises DomainError with one of the constant messages below, before anything is
written.
"""

import datetime
import re
import uuid
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.refusals import refusals_noted
from core.uploads import atomic_with_files, checked_document
from inspections import audit, evidence, hooks, notices
from inspections.models import (
    ATTENDANCE_FAULTS,
    Appeal,
    AppealOutcome,
    Attendance,
    AuditAction,
    ChecklistAnswer,
    ChecklistItem,
    Evidence,
    FormSubmission,
    InspectionRound,
    LocationSource,
    RecordNumberCounter,
    RecordSource,
    RecordStatus,
    RollCallEntry,
    ViolationRecord,
    Visit,
    WrittenExplanation,
)
from inspections.selectors import is_team_member
from personnel.models import Role, Staff, Unit, User
from personnel.selectors import is_posted_to, staff_posted_to, unit_on

NOT_POSTED = _("This person was not posted to this unit on that day.")
IN_FUTURE = _("The time of the violation cannot be in the future.")
BEFORE_VISIT = _(
    "A record made in a visit is of what the team saw there: its time lies between the "
    "visit's start (%(start)s) and now. Older violations come in through the import of "
    "violation records."
)
UNIT_NOT_VISITED = _("The record's unit must be the unit of the visit.")
BAD_KEY = _("This form did not come from the portal as it is: open it again and send it anew.")
NOT_A_DRAFT = _("Only a draft record can be changed.")
NOT_AUTHOR = _("Only the author of the record can do this.")
DESCRIPTION_REQUIRED = _("Describe what happened before submitting.")
NOT_SUBMITTED = _("Only a submitted record can be confirmed or dismissed.")
NOT_REVIEWER = _("Only an Interior Affairs reviewer can do this.")
OWN_RECORD = _("You cannot review a record you wrote.")
REASON_REQUIRED = _("Give a reason.")
NOT_CONFIRMED = _("Only a confirmed record can be appealed.")
ALREADY_APPEALED = _("This record has already been appealed.")
NO_PENDING_APPEAL = _("This record has no appeal awaiting a decision.")
APPEAL_CONFLICT = _(
    "The appeal must be decided by a reviewer who neither wrote nor confirmed the record, "
    "nor lodged the appeal."
)
BAD_OUTCOME = _("Choose upheld or overturned.")
CANNOT_CORRECT = _("Only a confirmed, dismissed or overturned record can be corrected.")
NOT_ON_TEAM = _("Only a member of the round's team can do this.")
UNIT_NOT_PLANNED = _("This unit is not on the round's list.")
VISIT_FINISHED = _("This visit is finished.")
NOT_INSPECTORS = _("The lead and every member of the team must be inspectors.")
BAD_DATES = _("The round cannot end before it starts.")
NOT_IN_UNIT_TODAY = _("This person is not posted to the visited unit today.")
NOT_OPEN_FOR_EXPLANATION = _(
    "A written explanation can be attached only while the record awaits review."
)
NOT_HEAD_OF_UNIT = _("Only the head of the unit where the record was made can attach it.")
EXPLANATION_EMPTY = _("Write the explanation or attach the signed document.")
KEY_OF_ANOTHER_USER = _(
    "This form was already sent by another user; it was not saved. Open the form again."
)
ROLL_CALL_HAS_RECORD = _(
    "A record was already opened for this person at this visit; change it on the record."
)
ROLL_CALL_NOT_MARKED = _("This person has no mark to undo.")
UNDO_RECORD_CHANGED = _(
    "The mark cannot be undone: the draft record it opened has been changed since (edited or a "
    "photo added). Open the record and correct it there."
)
UNDO_RECORD_OF_ANOTHER = _(
    "The mark cannot be undone by you: the draft record it opened was written by another "
    "member of the team. Ask them to undo it."
)
UNDO_RECORD_SENT = _(
    "The mark cannot be undone: the record it opened has been submitted and is a document now. "
    "If it is wrong, ask the Interior Affairs reviewer to dismiss it, giving the reason."
)


def _check_photos(photos) -> list[evidence.CheckedPhoto]:
    try:
        return [evidence.check_photo(upload) for upload in photos]
    except DomainError as error:
        raise DomainError(error.message, **error.params) from None


def _attach(
    *,
    record: ViolationRecord,
    actor: User,
    photos: list[evidence.CheckedPhoto],
    stored: list[str],
    position: evidence.Position | None = None,
):
    for photo in photos:
        original, shared, small = evidence.store(photo)
        place = _place_of(photo=photo, position=position)
        stored += [original, shared, small]
        Evidence.objects.create(
            record=record,
            file=original,
            shared=shared,
            thumbnail=small,
            content_type=photo.kind.content_type,
            size=len(photo.data),
            sha256=photo.sha256,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
            taken_at=photo.capture.taken_at,
            **place,
        )
        audit.append(
            record=record,
            actor=actor,
            action=AuditAction.EVIDENCE_ADDED,
            changes={"evidence": (None, photo.sha256)},
        )


def _place_of(*, photo: evidence.CheckedPhoto, position: evidence.Position | None) -> dict:
    """Where the photo was taken: the phone's position when the inspector gave it, else its
    EXIF's (see inspections/evidence.py)."""
    if position is not None:
        return {
            "latitude": position.latitude,
            "longitude": position.longitude,
            "location_accuracy": position.accuracy,
            "location_source": LocationSource.PHONE,
        }
    capture = photo.capture
    if capture.latitude is None or capture.longitude is None:
        return {}
    return {
        "latitude": capture.latitude,
        "longitude": capture.longitude,
        "location_source": LocationSource.EXIF,
    }


# Fields an author may change on a draft.
DRAFT_FIELDS = (
    "staff",
    "occurred_at",
    "type",
    "description",
    "explanation",
    "witnesses",
    "signature",
)


def _check_person_and_time(
    *, staff: Staff, unit: Unit, occurred_at: datetime.datetime, visit: Visit | None
) -> None:
    if occurred_at > timezone.now():
        raise DomainError(IN_FUTURE)
    if visit is not None and visit.unit_id != unit.pk:
        raise DomainError(UNIT_NOT_VISITED)
    # Times are written to the minute: a violation seen in the visit's first minute fits.
    if visit is not None and occurred_at < visit.started_at.replace(second=0, microsecond=0):
        started = timezone.localtime(visit.started_at).strftime("%H:%M, %d/%m/%Y")
        raise DomainError(BEFORE_VISIT, start=started)
    # Which day a violation belongs to is always its local date (EXCHANGE.md).
    posted_unit = unit_on(staff=staff, day=timezone.localdate(occurred_at))
    if posted_unit is None or posted_unit.pk != unit.pk:
        raise DomainError(NOT_POSTED)


# The keys the portal gives its forms (secrets.token_urlsafe): anything else did not come from it.
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _earlier_submission(*, token: str, user: User) -> FormSubmission | None:
    """The submission an idempotency key already made, if `user` made it; the key of another
    user is refused, never answered with what that user sent."""
    if not token:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(token):
        raise DomainError(BAD_KEY)
    submission = FormSubmission.objects.filter(token=token).select_related("record").first()
    if submission is not None and submission.user_id != user.pk:
        raise DomainError(KEY_OF_ANOTHER_USER)
    return submission


def _lock(record: ViolationRecord) -> ViolationRecord:
    return ViolationRecord.objects.select_for_update().get(pk=record.pk)


@refusals_noted("record.create", actor="author", subject="visit")
def record_create(
    *,
    author: User,
    staff: Staff,
    unit: Unit,
    occurred_at: datetime.datetime,
    type: str,
    description: str = "",
    explanation: str = "",
    witnesses: str = "",
    signature: str = "",
    visit: Visit | None = None,
    corrects: ViolationRecord | None = None,
    source: str = RecordSource.INSPECTION,
    form_token: str = "",
    photos=(),
    position: evidence.Position | None = None,
) -> ViolationRecord:
    """A new draft. With a form token already used, the record it made, and nothing new.
    `position`, the phone's, is stored with the photos."""
    checked_photos = _check_photos(photos)
    try:
        return _record_create(
            author=author,
            staff=staff,
            unit=unit,
            occurred_at=occurred_at,
            type=type,
            description=description,
            explanation=explanation,
            witnesses=witnesses,
            signature=signature,
            visit=visit,
            corrects=corrects,
            source=source,
            form_token=form_token,
            photos=checked_photos,
            position=position,
        )
    except IntegrityError:
        # The same form arrived twice at the same moment: the other request made the record.
        submission = _earlier_submission(token=form_token, user=author)
        if submission is None:
            raise
        return submission.record


def _record_create(
    *,
    author,
    staff,
    unit,
    occurred_at,
    type,
    description,
    explanation,
    witnesses,
    signature,
    visit,
    corrects,
    source,
    form_token,
    photos,
    position,
):
    with atomic_with_files(writes_files=bool(photos)) as stored:
        if (submission := _earlier_submission(token=form_token, user=author)) is not None:
            return submission.record
        if corrects is not None:
            corrects = _lock(corrects)
            if not corrects.is_final:
                raise DomainError(CANNOT_CORRECT)
        elif visit is not None:
            # A record sent from a phone's queue may arrive after the visit ended. Finished
            # from its end on (the demo replays visits with their end already written); a
            # correction of a record of an ended visit is still made.
            visit = Visit.objects.select_for_update().select_related("round").get(pk=visit.pk)
            if visit.finished_at is not None and visit.finished_at <= timezone.now():
                raise DomainError(VISIT_FINISHED)
        _check_person_and_time(staff=staff, unit=unit, occurred_at=occurred_at, visit=visit)
        if visit is not None and not is_team_member(user=author, inspection_round=visit.round):
            raise DomainError(NOT_ON_TEAM)
        record = ViolationRecord.objects.create(
            staff=staff,
            unit=unit,
            occurred_at=occurred_at,
            type=type,
            description=description.strip(),
            explanation=explanation.strip(),
            witnesses=witnesses.strip(),
            signature=signature,
            visit=visit,
            corrects=corrects,
            source=source,
            author=author,
            status=RecordStatus.DRAFT,
        )
        audit.append(
            record=record,
            actor=author,
            action=AuditAction.CREATED,
            to_status=RecordStatus.DRAFT,
            changes={
                name: (None, getattr(record, name))
                for name in (*DRAFT_FIELDS, "unit", "visit", "corrects", "source")
            },
        )
        _attach(record=record, actor=author, photos=photos, stored=stored, position=position)
        if form_token:
            FormSubmission.objects.create(token=form_token, user=author, record=record)
    return record


def evidence_add(
    *, record: ViolationRecord, actor: User, photos, position: evidence.Position | None = None
) -> ViolationRecord:
    """Attach photos to a draft, by its author; `position`, the phone's, is stored with them."""
    checked_photos = _check_photos(photos)
    with atomic_with_files(writes_files=bool(checked_photos)) as stored:
        record = _lock(record)
        if record.status != RecordStatus.DRAFT:
            raise DomainError(NOT_A_DRAFT)
        if record.author_id != actor.pk:
            raise DomainError(NOT_AUTHOR)
        _attach(record=record, actor=actor, photos=checked_photos, stored=stored, position=position)
    return record


def evidence_copies(*, photo: Evidence) -> Evidence:
    """The copies of a photo stored before they were made at upload: the copy without its
    metadata and a thumbnail without its comment, written from the original, which stays as
    it is; and the time and place it was taken, read from it. Made once, whoever asks first.
    DomainError for an original that is no photo of its kind, or has too many pixels."""
    if photo.shared:
        return photo
    with atomic_with_files(writes_files=True) as stored:
        photo = Evidence.objects.select_for_update().get(pk=photo.pk)
        if photo.shared:
            return photo
        with photo.file.open("rb") as original:
            data = original.read()
        kind = evidence.KINDS[photo.content_type]
        capture = evidence.checked_header(data, kind)
        old_thumbnail = photo.thumbnail.name
        name = Path(photo.file.name).name.partition(".")[0]
        photo.shared, photo.thumbnail = evidence.store_copies(name, data, kind)
        stored += [photo.shared.name, photo.thumbnail.name]
        photo.taken_at = capture.taken_at
        if photo.location_source != LocationSource.PHONE:
            photo.latitude, photo.longitude = capture.latitude, capture.longitude
            if capture.latitude is not None and capture.longitude is not None:
                photo.location_source = LocationSource.EXIF
        photo.save(
            update_fields=[
                "shared",
                "thumbnail",
                "taken_at",
                "latitude",
                "longitude",
                "location_source",
            ]
        )
    evidence.discard(old_thumbnail)
    return photo


@refusals_noted("record.update", actor="actor", subject="record")
def record_update(*, record: ViolationRecord, actor: User, **fields) -> ViolationRecord:
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise TypeError(f"record_update cannot change {sorted(unknown)}")
    with transaction.atomic():
        record = _lock(record)
        if record.status != RecordStatus.DRAFT:
            raise DomainError(NOT_A_DRAFT)
        if record.author_id != actor.pk:
            raise DomainError(NOT_AUTHOR)
        for text_field in ("description", "explanation", "witnesses"):
            if text_field in fields:
                fields[text_field] = fields[text_field].strip()
        changes = {
            name: (getattr(record, name), value)
            for name, value in fields.items()
            if getattr(record, name) != value
        }
        if not changes:
            return record
        _check_person_and_time(
            staff=fields.get("staff", record.staff),
            unit=record.unit,
            occurred_at=fields.get("occurred_at", record.occurred_at),
            visit=record.visit,
        )
        for name, (_old, new) in changes.items():
            setattr(record, name, new)
        record.save(update_fields=list(changes))
        audit.append(record=record, actor=actor, action=AuditAction.UPDATED, changes=changes)
    return record


def _next_number(year: int) -> tuple[int, str]:
    RecordNumberCounter.objects.get_or_create(year=year)
    counter = RecordNumberCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number, f"{counter.last_number}/BB-KTCV"


@refusals_noted("record.submit", actor="actor", subject="record")
def record_submit(*, record: ViolationRecord, actor: User) -> ViolationRecord:
    """Draft → submitted, by its author; the record gets the next number of the year."""
    with transaction.atomic():
        record = _lock(record)
        if record.status != RecordStatus.DRAFT:
            raise DomainError(NOT_A_DRAFT)
        if record.author_id != actor.pk:
            raise DomainError(NOT_AUTHOR)
        if not record.description:
            raise DomainError(DESCRIPTION_REQUIRED)
        now = timezone.now()
        # Numbered in the (local) year the minutes are issued, as official documents are.
        year = timezone.localdate(now).year
        sequence, number = _next_number(year)
        record.number, record.number_year, record.number_sequence = number, year, sequence
        record.status = RecordStatus.SUBMITTED
        record.submitted_at = now
        record.save(
            update_fields=["number", "number_year", "number_sequence", "status", "submitted_at"]
        )
        audit.append(
            record=record,
            actor=actor,
            action=AuditAction.SUBMITTED,
            from_status=RecordStatus.DRAFT,
            to_status=RecordStatus.SUBMITTED,
            changes={"number": (None, number)},
        )
        # Decree 98/2023/NĐ-CP art. 4: from now on the person's nominations wait on the review.
        hooks.person_records_changed(staff=record.staff)
        notices.tell_of_record(record=record)
    return record


def review_refusal(*, record: ViolationRecord, reviewer: User) -> Promise | None:
    """Why `reviewer` may not confirm or dismiss `record` now; None when they may.

    The rule of the review: the service enforces it, the record's page offers the buttons by it.
    """
    if record.status != RecordStatus.SUBMITTED:
        return NOT_SUBMITTED
    if not reviewer.has_role(Role.REVIEWER):
        return NOT_REVIEWER
    if record.author_id == reviewer.pk:
        return OWN_RECORD
    return None


def appeal_decision_refusal(
    *, record: ViolationRecord, appeal: Appeal | None, reviewer: User
) -> Promise | None:
    """Why `reviewer` may not decide the appeal against `record`; None when they may."""
    if appeal is None or appeal.outcome != AppealOutcome.PENDING:
        return NO_PENDING_APPEAL
    if not reviewer.has_role(Role.REVIEWER):
        return NOT_REVIEWER
    # Nobody decides on their own act: the author, the confirming reviewer, the appellant.
    if reviewer.pk in (record.author_id, record.reviewed_by_id, appeal.lodged_by_id):
        return APPEAL_CONFLICT
    return None


def _review(
    *, record: ViolationRecord, reviewer: User, to_status: str, reason: str, action: str
) -> ViolationRecord:
    with transaction.atomic():
        record = _lock(record)
        if refusal := review_refusal(record=record, reviewer=reviewer):
            raise DomainError(refusal)
        record.status = to_status
        record.reviewed_by = reviewer
        record.reviewed_at = timezone.now()
        record.review_reason = reason
        record.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])
        audit.append(
            record=record,
            actor=reviewer,
            action=action,
            from_status=RecordStatus.SUBMITTED,
            to_status=to_status,
            reason=reason,
        )
        hooks.person_records_changed(staff=record.staff)
        notices.tell_of_record(record=record)
    return record


@refusals_noted("record.confirm", actor="reviewer", subject="record")
def record_confirm(*, record: ViolationRecord, reviewer: User, note: str = "") -> ViolationRecord:
    return _review(
        record=record,
        reviewer=reviewer,
        to_status=RecordStatus.CONFIRMED,
        reason=note.strip(),
        action=AuditAction.CONFIRMED,
    )


@refusals_noted("record.dismiss", actor="reviewer", subject="record")
def record_dismiss(*, record: ViolationRecord, reviewer: User, reason: str) -> ViolationRecord:
    if not reason.strip():
        raise DomainError(REASON_REQUIRED)
    return _review(
        record=record,
        reviewer=reviewer,
        to_status=RecordStatus.DISMISSED,
        reason=reason.strip(),
        action=AuditAction.DISMISSED,
    )


def explanation_refusal(*, record: ViolationRecord, user: User) -> Promise | None:
    """Why `user` may not attach a written explanation to `record` now; None when they may."""
    if record.status != RecordStatus.SUBMITTED:
        return NOT_OPEN_FOR_EXPLANATION
    if not user.has_role(Role.UNIT_HEAD) or user.unit_id != record.unit_id:
        return NOT_HEAD_OF_UNIT
    return None


@refusals_noted("record.explain", actor="actor", subject="record")
def explanation_attach(
    *, record: ViolationRecord, actor: User, text: str = "", document=None
) -> WrittenExplanation:
    """Attach the person's written explanation (giải trình) to a record awaiting review."""
    text = text.strip()
    if not text and not document:
        raise DomainError(EXPLANATION_EMPTY)
    if document:
        # Stored under a random name: the uploader's file name is never trusted.
        document.name = f"{uuid.uuid4().hex}{checked_document(document).extension}"
    with transaction.atomic():
        record = _lock(record)
        if refusal := explanation_refusal(record=record, user=actor):
            raise DomainError(refusal)
        explanation = WrittenExplanation.objects.create(
            record=record,
            text=text,
            document=document or "",
            attached_by=actor,
            attached_at=timezone.now(),
        )
        audit.append(
            record=record,
            actor=actor,
            action=AuditAction.EXPLAINED,
            from_status=record.status,
            to_status=record.status,
            changes={"written_explanation": (None, explanation.pk)},
        )
    return explanation


@refusals_noted("record.appeal", actor="actor", subject="record")
def record_appeal(*, record: ViolationRecord, actor: User, reason: str) -> Appeal:
    if not reason.strip():
        raise DomainError(REASON_REQUIRED)
    with transaction.atomic():
        record = _lock(record)
        if record.status != RecordStatus.CONFIRMED:
            raise DomainError(NOT_CONFIRMED)
        if Appeal.objects.filter(record=record).exists():
            raise DomainError(ALREADY_APPEALED)
        appeal = Appeal.objects.create(
            record=record, lodged_by=actor, lodged_at=timezone.now(), reason=reason.strip()
        )
        audit.append(
            record=record,
            actor=actor,
            action=AuditAction.APPEALED,
            from_status=record.status,
            to_status=record.status,
            reason=appeal.reason,
        )
        hooks.person_records_changed(staff=record.staff)
    return appeal


@refusals_noted("record.appeal_decide", actor="reviewer", subject="record")
def appeal_decide(*, record: ViolationRecord, reviewer: User, outcome: str, reason: str) -> Appeal:
    if outcome not in (AppealOutcome.UPHELD, AppealOutcome.OVERTURNED):
        raise DomainError(BAD_OUTCOME)
    if not reason.strip():
        raise DomainError(REASON_REQUIRED)
    with transaction.atomic():
        record = _lock(record)
        appeal = Appeal.objects.select_for_update().filter(record=record).first()
        if refusal := appeal_decision_refusal(record=record, appeal=appeal, reviewer=reviewer):
            raise DomainError(refusal)
        appeal.outcome = outcome
        appeal.decided_by = reviewer
        appeal.decided_at = timezone.now()
        appeal.decision_reason = reason.strip()
        appeal.save(update_fields=["outcome", "decided_by", "decided_at", "decision_reason"])
        from_status = record.status
        if outcome == AppealOutcome.OVERTURNED:
            record.status = RecordStatus.OVERTURNED
            record.save(update_fields=["status"])
        audit.append(
            record=record,
            actor=reviewer,
            action=AuditAction.APPEAL_OVERTURNED
            if outcome == AppealOutcome.OVERTURNED
            else AuditAction.APPEAL_UPHELD,
            from_status=from_status,
            to_status=record.status,
            reason=appeal.decision_reason,
        )
        hooks.person_records_changed(staff=record.staff)
        if outcome == AppealOutcome.OVERTURNED:
            notices.tell_of_record(record=record)
    return appeal


def round_create(
    *,
    code: str,
    name: str,
    kind: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    lead: User,
    members: list[User],
    units: list[Unit],
    team_decision_number: str = "",
    team_decision_date: datetime.date | None = None,
    team_decision_signer: str = "",
    team_decision_signer_title: str = "",
    plan_number: str = "",
    plan_date: datetime.date | None = None,
) -> InspectionRound:
    """A round with its team, its units and its legal basis (the decision setting up the team,
    the plan it follows), which its minutes cite."""
    if ends_on < starts_on:
        raise DomainError(BAD_DATES)
    if not all(user.has_role(Role.INSPECTOR) for user in (lead, *members)):
        raise DomainError(NOT_INSPECTORS)
    with transaction.atomic():
        inspection_round = InspectionRound.objects.create(
            code=code,
            name=name,
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            lead=lead,
            team_decision_number=team_decision_number.strip(),
            team_decision_date=team_decision_date,
            team_decision_signer=team_decision_signer.strip(),
            team_decision_signer_title=team_decision_signer_title.strip(),
            plan_number=plan_number.strip(),
            plan_date=plan_date,
        )
        inspection_round.members.set(members)
        inspection_round.units.set(units)
    return inspection_round


def visit_start(
    *,
    inspection_round: InspectionRound,
    unit: Unit,
    actor: User,
    representative: str = "",
    inspectors: list[User] | None = None,
) -> Visit:
    """The team arrives at a unit; from now on the unit's head can see the round."""
    if not is_team_member(user=actor, inspection_round=inspection_round):
        raise DomainError(NOT_ON_TEAM)
    if not inspection_round.units.filter(pk=unit.pk).exists():
        raise DomainError(UNIT_NOT_PLANNED)
    if not all(
        is_team_member(user=user, inspection_round=inspection_round) for user in inspectors or []
    ):
        raise DomainError(NOT_ON_TEAM)
    with transaction.atomic():
        visit = Visit.objects.create(
            round=inspection_round,
            unit=unit,
            started_at=timezone.now(),
            representative=representative.strip(),
        )
        visit.inspectors.set(inspectors or [actor])
    return visit


def _lock_open_visit(*, visit: Visit, actor: User) -> Visit:
    visit = Visit.objects.select_for_update().select_related("round").get(pk=visit.pk)
    if not is_team_member(user=actor, inspection_round=visit.round):
        raise DomainError(NOT_ON_TEAM)
    if visit.finished_at is not None:
        raise DomainError(VISIT_FINISHED)
    return visit


def visit_finish(*, visit: Visit, actor: User, representative: str | None = None) -> Visit:
    with transaction.atomic():
        visit = _lock_open_visit(visit=visit, actor=actor)
        visit.finished_at = timezone.now()
        if representative is not None:
            visit.representative = representative.strip()
        visit.save(update_fields=["finished_at", "representative"])
    return visit


def _applied_before(*, visit: Visit, actor: User, form_token: str) -> bool:
    """Whether a tap with this idempotency key was already applied. The visit is locked first:
    the same tap sent twice at once waits for the first; and a tap applied before the visit
    ended, sent again because its answer was lost, is answered as applied, not refused."""
    Visit.objects.select_for_update().filter(pk=visit.pk).first()
    return _earlier_submission(token=form_token, user=actor) is not None


def _remember_key(*, form_token: str, actor: User, record: ViolationRecord | None = None):
    if form_token:
        FormSubmission.objects.create(token=form_token, user=actor, record=record)


def checklist_save(
    *,
    visit: Visit,
    actor: User,
    answers: list[tuple[ChecklistItem, str, str]],
    form_token: str = "",
) -> list[ChecklistAnswer]:
    """Record (or change) the result and note of each checklist item answered. A form token
    already used saves nothing: an older copy sent again from a phone's queue never undoes a
    later answer."""
    with transaction.atomic():
        if _applied_before(visit=visit, actor=actor, form_token=form_token):
            return []
        visit = _lock_open_visit(visit=visit, actor=actor)
        saved = []
        for item, result, note in answers:
            answer, _created = ChecklistAnswer.objects.update_or_create(
                visit=visit,
                item=item,
                defaults={
                    "result": result,
                    "note": note.strip(),
                    "answered_by": actor,
                    "answered_at": timezone.now(),
                },
            )
            saved.append(answer)
        _remember_key(form_token=form_token, actor=actor)
    return saved


def roll_call_mark(
    *,
    visit: Visit,
    actor: User,
    staff: Staff,
    attendance: str,
    form_token: str = "",
    tapped_at: datetime.datetime | None = None,
) -> RollCallEntry | None:
    """One tap of the roll call; a fault opens a draft record already filled in. A tap kept on
    the phone carries the time it was taken: the mark and its draft are of that time, not of
    their arrival; as a phone's clock may be off, a time outside the visit so far counts as its
    nearest end. A form token already used changes nothing: the person's entry as it stands."""
    with transaction.atomic():
        if _applied_before(visit=visit, actor=actor, form_token=form_token):
            return RollCallEntry.objects.filter(visit=visit, staff=staff).first()
        visit = _lock_open_visit(visit=visit, actor=actor)
        now = timezone.now()
        if tapped_at is not None:
            now = min(max(tapped_at, visit.started_at), now)
        if not is_posted_to(staff=staff, unit=visit.unit, day=timezone.localdate(now)):
            raise DomainError(NOT_IN_UNIT_TODAY)
        entry = RollCallEntry.objects.filter(visit=visit, staff=staff).first()
        if entry is not None and entry.record_id is not None:
            raise DomainError(ROLL_CALL_HAS_RECORD)
        if entry is None:
            entry = RollCallEntry(visit=visit, staff=staff)
        elif entry.attendance != attendance:
            entry.previous_attendance = entry.attendance
        entry.attendance = attendance
        entry.noted_by = actor
        entry.noted_at = now
        if attendance in ATTENDANCE_FAULTS:
            entry.record = record_create(
                author=actor,
                staff=staff,
                unit=visit.unit,
                occurred_at=now,
                type=ATTENDANCE_FAULTS[attendance],
                description=str(
                    _("Found at the roll call of the inspection visit: %(attendance)s.")
                    % {"attendance": Attendance(attendance).label}
                ),
                visit=visit,
            )
        entry.save()
        _remember_key(form_token=form_token, actor=actor, record=entry.record)
    return entry


def roll_call_rest_present(*, visit: Visit, actor: User, form_token: str = "") -> int:
    """Everyone posted to the unit today and not yet marked is marked present, at once; how
    many were marked (none for a form token already used)."""
    with transaction.atomic():
        if _applied_before(visit=visit, actor=actor, form_token=form_token):
            return 0
        visit = _lock_open_visit(visit=visit, actor=actor)
        now = timezone.now()
        rest = staff_posted_to(unit=visit.unit, day=timezone.localdate(now)).exclude(
            pk__in=RollCallEntry.objects.filter(visit=visit).values("staff_id")
        )
        entries = RollCallEntry.objects.bulk_create(
            RollCallEntry(
                visit=visit,
                staff_id=staff_id,
                attendance=Attendance.PRESENT,
                noted_by=actor,
                noted_at=now,
            )
            for staff_id in rest.values_list("pk", flat=True)
        )
        _remember_key(form_token=form_token, actor=actor)
    return len(entries)


def _withdraw_roll_call_draft(*, entry: RollCallEntry, actor: User) -> None:
    """Withdraw the draft a roll call mark opened, if nobody has touched it since: not
    submitted, not edited, no photo. A record is never deleted (its audit trail refers to
    it): it stays, withdrawn, seen by its author alone."""
    record = _lock(entry.record)
    if record.status != RecordStatus.DRAFT:
        raise DomainError(UNDO_RECORD_SENT)
    if record.author_id != actor.pk:
        raise DomainError(UNDO_RECORD_OF_ANOTHER)
    # Every change to a draft (an edit, a photo) leaves an entry after its creation.
    if record.audit_entries.exclude(action=AuditAction.CREATED).exists():
        raise DomainError(UNDO_RECORD_CHANGED)
    record.status = RecordStatus.WITHDRAWN
    record.save(update_fields=["status"])
    audit.append(
        record=record,
        actor=actor,
        action=AuditAction.WITHDRAWN,
        from_status=RecordStatus.DRAFT,
        to_status=RecordStatus.WITHDRAWN,
        changes={"attendance": (entry.attendance, entry.previous_attendance or None)},
    )
    entry.record = None


def roll_call_undo(
    *, visit: Visit, actor: User, staff: Staff, form_token: str = ""
) -> RollCallEntry | None:
    """A wrong tap taken back while the visit is open: the mark it replaced comes back, or the
    person is unmarked again (None). The untouched draft the mark opened is withdrawn with it;
    a draft changed since, or a submitted record, is settled on the record instead. A form
    token already used changes nothing: the person's entry as it stands."""
    with transaction.atomic():
        if _applied_before(visit=visit, actor=actor, form_token=form_token):
            return RollCallEntry.objects.filter(visit=visit, staff=staff).first()
        visit = _lock_open_visit(visit=visit, actor=actor)
        entry = RollCallEntry.objects.select_for_update().filter(visit=visit, staff=staff).first()
        if entry is None:
            raise DomainError(ROLL_CALL_NOT_MARKED)
        if entry.record_id is not None:
            _withdraw_roll_call_draft(entry=entry, actor=actor)
        _remember_key(form_token=form_token, actor=actor)
        if not entry.previous_attendance:
            entry.delete()
            return None
        entry.attendance = entry.previous_attendance
        entry.previous_attendance = ""
        entry.noted_by = actor
        entry.noted_at = timezone.now()
        entry.save(
            update_fields=["attendance", "previous_attendance", "record", "noted_by", "noted_at"]
        )
    return entry
