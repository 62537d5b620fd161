"""Digital signatures of the minutes: the team leader signs once the record is submitted, the
reviewer who confirmed it countersigns. Each signature keeps a new signed version of the
minutes (exports.SignedDocument); the earlier versions stay, and the minutes are never made
again once signed."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core import signing
from core.errors import DomainError
from core.refusals import refusals_noted
from core.uploads import atomic_with_files
from exports.models import SignedDocument, SignedDocumentCheck
from exports.signed import signed_version_add, signed_version_check, signed_versions
from inspections import audit
from inspections.minutes import SIGNED_MINUTES, minutes_pdf
from inspections.models import AuditAction, RecordStatus, SigningCapacity, ViolationRecord
from inspections.selectors import legal_basis_missing
from personnel.models import Role, User

NOT_SIGNABLE = _("Only submitted or confirmed minutes can be signed.")
NOT_TEAM_LEADER = _("Only the lead of the round's team signs the minutes as team leader.")
NO_LEGAL_BASIS = _(
    "The round has no legal basis yet (the decision setting up the team): its minutes cannot "
    "be signed."
)
NOT_CONFIRMED_YET = _("The reviewer countersigns the minutes once the record is confirmed.")
NOT_CONFIRMING_REVIEWER = _("Only the reviewer who confirmed the record countersigns its minutes.")
LEADER_FIRST = _("The team leader signs the minutes first.")
ALREADY_SIGNED = _("The minutes already carry this signature.")
NOT_SIGNED_YET = _("The minutes are not signed yet.")

# Where each signature goes and the post the stamp names (Decree 30/2020/NĐ-CP, annex I:
# the signer's post above the name; the stamp is Vietnamese, as the document is).
STAMPS = {
    SigningCapacity.TEAM_LEADER: (signing.TEAM_LEADER_BOX, "Trưởng đoàn kiểm tra", "TruongDoan"),
    SigningCapacity.REVIEWER: (signing.COUNTERSIGNATURE_BOX, "Chuyên viên Phòng Nội vụ", "NoiVu"),
}


def minutes_versions(record: ViolationRecord):
    return signed_versions(kind=SIGNED_MINUTES, subject=str(record.pk)).select_related("signed_by")


def signing_refusal(
    *, record: ViolationRecord, user: User, capacity: str, signed: set[str]
) -> Promise | None:
    """Why `user` may not sign `record`'s minutes in `capacity` now; None when they may.

    `signed`: the capacities the minutes are already signed in. The service enforces it, the
    record's page offers the buttons by it.
    """
    if not signing.signing_enabled():
        return signing.SIGNING_OFF
    inspection_round = record.visit.round if record.visit_id else None
    if capacity == SigningCapacity.TEAM_LEADER:
        if record.status not in (RecordStatus.SUBMITTED, RecordStatus.CONFIRMED):
            return NOT_SIGNABLE
        if inspection_round is None or inspection_round.lead_id != user.pk:
            return NOT_TEAM_LEADER
    elif capacity == SigningCapacity.REVIEWER:
        if record.status != RecordStatus.CONFIRMED:
            return NOT_CONFIRMED_YET
        if not user.has_role(Role.REVIEWER) or record.reviewed_by_id != user.pk:
            return NOT_CONFIRMING_REVIEWER
        if SigningCapacity.TEAM_LEADER not in signed:
            return LEADER_FIRST
    else:
        return NOT_SIGNABLE
    if inspection_round is not None and legal_basis_missing(inspection_round):
        return NO_LEGAL_BASIS
    if capacity in signed:
        return ALREADY_SIGNED
    return None


@refusals_noted("record.sign", actor="signer", subject="record")
def minutes_sign(
    *, record: ViolationRecord, signer: User, capacity: str, pin: str
) -> SignedDocument:
    """Sign the minutes in `capacity`: a new signed version on top of the latest one.

    The record stays locked while the PDF is signed, so that two signatures never start from
    the same version. A refusal (the rule above, a wrong PIN, a certificate that is expired,
    revoked or untrusted) writes nothing: the file is stored last, and deleted if the
    transaction does not commit.
    """
    with atomic_with_files() as stored:
        record = (
            ViolationRecord.objects.select_for_update(of=("self",))
            .select_related("visit__round", "staff", "unit", "author", "reviewed_by")
            .get(pk=record.pk)
        )
        signed = set(minutes_versions(record).values_list("capacity", flat=True))
        if refusal := signing_refusal(record=record, user=signer, capacity=capacity, signed=signed):
            raise DomainError(refusal)
        box, title, field_name = STAMPS[capacity]
        data = signing.sign_pdf(
            minutes_pdf(record),
            username=signer.username,
            pin=pin,
            title=title,
            box=box,
            field_name=field_name,
            reason=f"Biên bản {record.number}",
        )
        document = signed_version_add(
            kind=SIGNED_MINUTES,
            subject=str(record.pk),
            data=data,
            capacity=capacity,
            signed_by=signer,
        )
        stored.append(document.file.name)
        audit.append(
            record=record,
            actor=signer,
            action=AuditAction.SIGNED,
            from_status=record.status,
            to_status=record.status,
            changes={
                "capacity": (None, capacity),
                "signed_version": (None, document.version),
                "sha256": (None, document.sha256),
            },
        )
    return document


def minutes_signatures_recheck(*, record: ViolationRecord, user: User) -> SignedDocumentCheck:
    """Check the signatures of the latest signed minutes again, on the stored file as it is
    now, and keep the outcome that the record's page shows from then on."""
    latest = minutes_versions(record).last()
    if latest is None:
        raise DomainError(NOT_SIGNED_YET)
    return signed_version_check(document=latest, checked_by=user)
