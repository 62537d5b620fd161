"""Mail to the people a record concerns, when it is submitted and when it is decided: the heads
of the unit where it was written, and the person, where an address is known. The unit heads'
home page tells them too (selectors.unit_record_news); mail is the extra, never the only way.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.mail import mail_after_commit
from inspections.models import RecordStatus, ViolationRecord
from personnel.models import Role, User


def _unit_head_addresses(record: ViolationRecord) -> list[str]:
    heads = User.objects.filter(
        unit_id=record.unit_id, is_active=True, groups__name=Role.UNIT_HEAD
    ).exclude(email="")
    return sorted(set(heads.values_list("email", flat=True)))


def _what_happened(record: ViolationRecord) -> str:
    if record.status == RecordStatus.SUBMITTED:
        return _("submitted to Interior Affairs for review")
    if record.status == RecordStatus.CONFIRMED:
        return _("confirmed by the reviewer")
    if record.status == RecordStatus.DISMISSED:
        return _("dismissed by the reviewer")
    return _("overturned on appeal")


def _body(record: ViolationRecord, *, link: str) -> str:
    occurred = timezone.localtime(record.occurred_at)
    lines = [
        _("Record no. %(number)s about %(name)s (staff code %(code)s), %(unit)s, was %(what)s.")
        % {
            "number": record.number,
            "name": record.staff.full_name,
            "code": record.staff.code,
            "unit": record.unit.name,
            "what": _what_happened(record),
        },
        _("Violation: %(type)s, at %(time)s.")
        % {"type": record.get_type_display(), "time": f"{occurred:%H:%M, %d/%m/%Y}"},
    ]
    if record.status == RecordStatus.SUBMITTED:
        lines.append(
            _(
                "Until the review ends, the person may give a written explanation; the head of "
                "the unit attaches it to the record."
            )
        )
    elif record.review_reason and record.status != RecordStatus.OVERTURNED:
        lines.append(_("Reason: %(reason)s") % {"reason": record.review_reason})
    if link:
        lines.append(_("The record: %(link)s") % {"link": link})
    lines += ["", _("Sent by the Kỷ Cương portal; please do not reply to this mail.")]
    return "\n".join(lines)


def tell_of_record(*, record: ViolationRecord) -> None:
    """Mail the unit heads and the person of the step `record` has just taken (its status),
    once the caller's transaction commits. Written in the portal's language."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Record no. %(number)s: %(status)s") % {
            "number": record.number,
            "status": record.get_status_display(),
        }
        path = reverse("inspections:record_detail", args=[record.pk])
        link = f"{settings.PORTAL_URL}{path}" if settings.PORTAL_URL else ""
        mail_after_commit(
            to=_unit_head_addresses(record), subject=subject, body=_body(record, link=link)
        )
        # The person has no account: no link, only what happened.
        if record.staff.email:
            mail_after_commit(to=[record.staff.email], subject=subject, body=_body(record, link=""))
