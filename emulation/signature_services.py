"""Digital signatures of the council's documents: the period's secretary signs the list and
the minutes of the council's meeting. Each signature keeps a signed version
(exports.SignedDocument) that is served from then on; a signed document is never made again."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core import signing
from core.errors import DomainError
from core.refusals import refusals_noted
from core.uploads import atomic_with_files
from emulation.documents import SIGNED_LIST, SIGNED_MEETING, council_list, meeting_minutes
from emulation.models import Period, PeriodAction, PeriodEvent, PeriodStatus
from exports.models import SignedDocument
from exports.signed import latest_signed, signed_version_add
from personnel.models import Role, User

SIGNED_KINDS = (SIGNED_LIST, SIGNED_MEETING)
SECRETARY = "council_secretary"
SECRETARY_POST = "Thư ký Hội đồng Thi đua - Khen thưởng"
# As the period's history names them: the documents are Vietnamese, whatever the reader's page.
SIGNED_NAMES = {
    SIGNED_LIST: "Danh sách xét thi đua, khen thưởng",
    SIGNED_MEETING: "Biên bản họp Hội đồng",
}

NOT_SECRETARY = _("Only the period's council secretary signs the council's documents.")
LIST_NOT_WITH_COUNCIL = _("The list is signed once it is with the council, or approved.")
MEETING_NOT_RECORDED = _("The minutes of the meeting are signed once the meeting is recorded.")
DOCUMENT_ALREADY_SIGNED = _("The secretary has already signed this document.")
UNKNOWN_DOCUMENT = _("Choose the list or the minutes of the meeting.")


def council_document_refusal(*, period: Period, user: User, kind: str) -> Promise | None:
    """Why `user` may not sign the period's document `kind` now; None when they may. The
    service enforces it, the period page offers the buttons by it."""
    if not signing.signing_enabled():
        return signing.SIGNING_OFF
    if kind not in SIGNED_KINDS:
        return UNKNOWN_DOCUMENT
    if period.secretary_id != user.pk or not user.has_role(Role.COUNCIL):
        return NOT_SECRETARY
    if kind == SIGNED_LIST and period.status == PeriodStatus.COLLECTING:
        return LIST_NOT_WITH_COUNCIL
    if kind == SIGNED_MEETING and getattr(period, "meeting", None) is None:
        return MEETING_NOT_RECORDED
    if latest_signed(kind=kind, subject=period.code) is not None:
        return DOCUMENT_ALREADY_SIGNED
    return None


@refusals_noted("council.sign", actor="signer", subject="period")
def council_document_sign(*, period: Period, kind: str, signer: User, pin: str) -> SignedDocument:
    """Sign the whole list, or the meeting's minutes, as the period's secretary.

    The period stays locked while the PDF is signed; a refusal (the rule above, a wrong PIN, a
    certificate that does not hold) writes nothing: the file is stored last, and deleted if
    the transaction does not commit."""
    with atomic_with_files() as stored:
        period = Period.objects.select_for_update(of=("self",)).get(pk=period.pk)
        if refusal := council_document_refusal(period=period, user=signer, kind=kind):
            raise DomainError(refusal)
        document_pdf = council_list if kind == SIGNED_LIST else meeting_minutes
        data = signing.sign_pdf(
            document_pdf(period=period),
            username=signer.username,
            pin=pin,
            title=SECRETARY_POST,
            # The secretary's block stands on the left, as on the minutes' review page.
            box=signing.COUNTERSIGNATURE_BOX,
            field_name="ThuKy",
            reason=f"{period.display_name}",
        )
        document = signed_version_add(
            kind=kind, subject=period.code, data=data, capacity=SECRETARY, signed_by=signer
        )
        stored.append(document.file.name)
        PeriodEvent.objects.create(
            period=period,
            action=PeriodAction.SIGNED,
            actor=signer,
            at=document.signed_at,
            reason=f"{SIGNED_NAMES[kind]} (bản ký số {document.version})",
        )
    return document
