import datetime
import uuid

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.uploads import checked_document
from personnel import hooks
from personnel.models import Posting, Regulation, Staff, Unit

TRANSFER_BEFORE_CURRENT_POSTING = _(
    "The transfer date is before the start of the person's current posting."
)
TRANSFER_TO_SAME_UNIT = _("The person is already posted to this unit.")


def current_posting_ends_on(*, current_starts_on: datetime.date | None, on: datetime.date):
    """The rule of a transfer on `on`: the current posting ends the day before, and so it must
    have started before `on`. The web form and the staff import both apply it."""
    if current_starts_on is not None and current_starts_on >= on:
        raise DomainError(TRANSFER_BEFORE_CURRENT_POSTING)
    return on - datetime.timedelta(days=1)


@transaction.atomic
def staff_transfer(*, staff: Staff, unit: Unit, on: datetime.date) -> Posting:
    """Close the person's open posting the day before `on` and open one at `unit` from `on`."""
    current = Posting.objects.select_for_update().filter(staff=staff, ends_on__isnull=True).first()
    if current is not None:
        if current.unit_id == unit.pk:
            raise DomainError(TRANSFER_TO_SAME_UNIT)
        current.ends_on = current_posting_ends_on(current_starts_on=current.starts_on, on=on)
        current.save(update_fields=["ends_on"])
    posting = Posting.objects.create(staff=staff, unit=unit, starts_on=on)
    hooks.staff_changed(staff_ids=[staff.pk])
    return posting


def regulation_record(
    *,
    unit: Unit,
    recorded_by,
    kind: str,
    action: str,
    title: str,
    signed_on: datetime.date,
    document_number: str = "",
    document=None,
) -> Regulation:
    """Add an issue or amendment of a unit's regulation to the register; DomainError when the
    document is too large or not a PDF, DOCX or DOC file."""
    regulation = Regulation(
        unit=unit,
        recorded_by=recorded_by,
        kind=kind,
        action=action,
        title=title,
        document_number=document_number,
        signed_on=signed_on,
    )
    if document:
        # Stored under a random name: the uploader's file name is never trusted.
        kind_of_file = checked_document(document)
        document.name = f"{uuid.uuid4().hex}{kind_of_file.extension}"
        regulation.document = document
    regulation.save()
    return regulation
