import datetime
import uuid

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from personnel.models import Posting, Regulation, Staff, Unit
from portal.uploads import document_type


class PersonnelError(Exception):
    """A domain error whose message is shown to the user as it is."""


TRANSFER_BEFORE_CURRENT_POSTING = _(
    "The transfer date is before the start of the person's current posting."
)
TRANSFER_TO_SAME_UNIT = _("The person is already posted to this unit.")


@transaction.atomic
def staff_transfer(*, staff: Staff, unit: Unit, on: datetime.date) -> Posting:
    """Close the person's open posting the day before `on` and open one at `unit` from `on`."""
    current = Posting.objects.select_for_update().filter(staff=staff, ends_on__isnull=True).first()
    if current is not None:
        if current.unit_id == unit.pk:
            raise PersonnelError(TRANSFER_TO_SAME_UNIT)
        if current.starts_on is not None and current.starts_on >= on:
            raise PersonnelError(TRANSFER_BEFORE_CURRENT_POSTING)
        current.ends_on = on - datetime.timedelta(days=1)
        current.save(update_fields=["ends_on"])
    return Posting.objects.create(staff=staff, unit=unit, starts_on=on)


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
    """Add an issue or amendment of a unit's regulation to the register."""
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
        kind_of_file = document_type(document)
        document.name = f"{uuid.uuid4().hex}{kind_of_file.extension}"
        regulation.document = document
    regulation.save()
    return regulation
