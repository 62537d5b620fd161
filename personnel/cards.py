"""The staff e-card (Decision 838/QĐ-BNV, 2023): its number reads [unit code].[citizen ID].[type]
and its QR code carries the same text. Staff.badge_number holds it, as the imports bring it."""

import datetime
import re

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from personnel.models import Staff, Unit
from personnel.selectors import is_posted_to

# CB cán bộ, CC công chức, VC viên chức, XA and XA0 at commune level, HĐ under contract.
CARD_TYPES = ("CB", "CC", "VC", "XA", "XA0", "HĐ")
# The unit code may itself hold dots (000.00.31.H42): the citizen ID and the type close it.
CARD_NUMBER = re.compile(r"^(?P<unit>\S+)\.(?P<citizen_id>\d+)\.(?P<type>[^.]+)$")

MALFORMED_CARD = _(
    "This is not a staff e-card number: it reads [unit code].[citizen ID].[type], the type "
    "one of CB, CC, VC, XA, XA0, HĐ."
)
UNKNOWN_CARD = _("No one on the staff register has this card number.")
CARD_OF_ANOTHER_UNIT = _("This card is of %(name)s, who is not posted to %(unit)s today.")


def card_number(text: str) -> str:
    """The card number as written on the card; DomainError(MALFORMED_CARD) if it is none."""
    text = "".join(text.split())
    found = CARD_NUMBER.match(text)
    if found is None or found["type"].upper() not in CARD_TYPES:
        raise DomainError(MALFORMED_CARD)
    return text


def staff_by_card(*, text: str, unit: Unit, day: datetime.date) -> Staff:
    """The person of `unit` on `day` whose card number `text` is (a typed number or a QR's)."""
    number = card_number(text)
    person = Staff.objects.filter(badge_number__iexact=number).order_by("pk").first()
    if person is None:
        raise DomainError(UNKNOWN_CARD)
    if not is_posted_to(staff=person, unit=unit, day=day):
        raise DomainError(CARD_OF_ANOTHER_UNIT, name=person.full_name, unit=unit.name)
    return person
