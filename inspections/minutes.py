"""Violation minutes as PDF, in the layout of Decree 30/2020/NĐ-CP (administrative documents):
A4, a Times-compatible serif (Liberation Serif), national title and motto, number, date and
place, the legal basis, then the parties, the facts, the explanation and the signatures or the
refusal; once reviewed, a second page records the outcome, who decided it, when and why."""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.decree30 import date_in_words
from exports.kinds import PDF, Maker, register
from exports.signed import latest_signed, signed_bytes
from inspections.models import (
    UNSENT_STATUSES,
    Appeal,
    AppealOutcome,
    RecordStatus,
    SignatureStatus,
    ViolationRecord,
)
from inspections.selectors import records_for
from personnel.models import Role
from personnel.selectors import unit_names_on

STYLESHEET = Path(__file__).with_name("minutes.css")

# The roles in the team, as the minutes name them.
TEAM_LEAD = "Trưởng đoàn"
TEAM_MEMBER = "Thành viên"


@cache
def stylesheet():
    # Imported here: WeasyPrint loads pango on import, which only the minutes need. Parsed
    # once per process: parsing the stylesheet costs as much as laying out the page.
    from weasyprint import CSS

    return CSS(filename=str(STYLESHEET))


def _team(record: ViolationRecord) -> list[tuple[str, str]]:
    """(name, role in the team) of the team's members present: the lead first."""
    if record.visit is None:
        return []
    inspection_round = record.visit.round
    present = [inspection_round.lead, *record.visit.inspectors.all()]
    if record.author is not None:
        present.append(record.author)
    team, seen = [], set()
    for user in present:
        if user.pk not in seen:
            seen.add(user.pk)
            team.append((str(user), TEAM_LEAD if user == inspection_round.lead else TEAM_MEMBER))
    return team


def _review(record: ViolationRecord) -> dict | None:
    """What the review page of the minutes records: the outcome, who decided, when and why."""
    if record.status not in (
        RecordStatus.CONFIRMED,
        RecordStatus.DISMISSED,
        RecordStatus.OVERTURNED,
    ):
        return None
    review = {
        "confirmed": record.status != RecordStatus.DISMISSED,
        "reviewer": record.reviewed_by,
        "day": date_in_words(timezone.localdate(record.reviewed_at)) if record.reviewed_at else "",
        "reason": record.review_reason,
        "appeal": None,
    }
    appeal = Appeal.objects.filter(record=record).select_related("decided_by").first()
    if appeal is not None and appeal.outcome != AppealOutcome.PENDING:
        review["appeal"] = {
            "overturned": appeal.outcome == AppealOutcome.OVERTURNED,
            "decided_by": appeal.decided_by,
            "day": date_in_words(timezone.localdate(appeal.decided_at)),
            "reason": appeal.decision_reason,
        }
    return review


def _grounds(inspection_round) -> list[str]:
    """The "Căn cứ" lines: the decision setting up the team, then the plan; a line whose
    number or date is not recorded is left out rather than cite a wrong basis."""
    if inspection_round is None:
        return []
    grounds = []
    if inspection_round.team_decision_number and inspection_round.team_decision_date:
        by = inspection_round.team_decision_signer_title
        grounds.append(
            f"Căn cứ Quyết định số {inspection_round.team_decision_number} "
            f"{date_in_words(inspection_round.team_decision_date)}"
            + (f" của {by}" if by else "")
            + " về việc thành lập Đoàn kiểm tra công vụ"
        )
    if inspection_round.plan_number:
        grounds.append(
            f"Căn cứ Kế hoạch số {inspection_round.plan_number}"
            + (
                f" {date_in_words(inspection_round.plan_date)}"
                if inspection_round.plan_date
                else ""
            )
        )
    return grounds


def _parties(record: ViolationRecord, team, unit_name: str) -> list[tuple[str, list[str]]]:
    """Section I, numbered in order of what is known: a missing party leaves no gap."""
    parties = []
    if team:
        lines = [f"- {name}, {role};" for name, role in team]
        lines[-1] = lines[-1][:-1] + "."
        if record.author is not None:
            lines.append(f"Người lập biên bản: {record.author}.")
        parties.append(("Đoàn kiểm tra", lines))
    elif record.author is not None:
        parties.append(("Người lập biên bản", [f"{record.author}."]))
    if record.visit and record.visit.representative:
        parties.append(("Đại diện đơn vị", [f"{record.visit.representative}."]))
    person = [f"Ông/Bà: {record.staff.full_name};"]
    if record.staff.position:
        person.append(f"Chức danh: {record.staff.position};")
    person.append(f"Đơn vị công tác: {unit_name}.")
    parties.append(("Người vi phạm", person))
    if record.witnesses.strip():
        parties.append(("Người chứng kiến", [f"{record.witnesses.strip()}."]))
    return parties


def _signatures(record: ViolationRecord, lead: str, refused: bool) -> list[dict]:
    """The signature blocks, two to a row: the person and the team's lead first, then the
    witness and the author when the author is not the lead."""
    blocks = [
        {
            "title": "NGƯỜI VI PHẠM",
            "name": "" if refused else record.staff.full_name,
            "remark": "Người vi phạm từ chối ký biên bản" if refused else "",
        }
    ]
    author = str(record.author) if record.author else ""
    if lead:
        blocks.append({"title": "TRƯỞNG ĐOÀN KIỂM TRA", "name": lead, "remark": ""})
    if record.witnesses.strip():
        blocks.append(
            {
                "title": "NGƯỜI CHỨNG KIẾN",
                "name": record.witnesses.strip().splitlines()[0],
                "remark": "Xác nhận người vi phạm từ chối ký" if refused else "",
            }
        )
    if author and author != lead:
        blocks.append({"title": "NGƯỜI LẬP BIÊN BẢN", "name": author, "remark": ""})
    return [blocks[index : index + 2] for index in range(0, len(blocks), 2)]


def minutes_context(record: ViolationRecord) -> dict:
    """What the minutes say, in Vietnamese, with the names as they stood on their date."""
    written_on = timezone.localtime(record.submitted_at or record.created_at)
    official_name, issuing_body = unit_names_on(record.unit, written_on.date())
    inspection_round = record.visit.round if record.visit else None
    team = _team(record)
    lead = team[0][0] if team else ""
    # The body that writes the minutes: the inspection team, or the unit where they are made.
    issuer = "ĐOÀN KIỂM TRA CÔNG VỤ" if inspection_round else official_name.upper()
    refused = record.signature == SignatureStatus.REFUSED
    occurred_at = timezone.localtime(record.occurred_at)
    return {
        "record": record,
        "issuing_body": issuing_body,
        "issuer": issuer,
        "unit_name": official_name,
        "place": settings.DOCUMENT_PLACE or record.unit.name,
        "written_on": date_in_words(written_on.date()),
        "occurred_at": occurred_at,
        "occurred_on": date_in_words(occurred_at.date()),
        "grounds": _grounds(inspection_round),
        "parties": _parties(record, team, official_name),
        "refused": refused,
        "signature_rows": _signatures(record, lead, refused),
        "review": _review(record),
    }


def render_minutes(record: ViolationRecord) -> bytes:
    from weasyprint import HTML

    # Minutes are a Vietnamese legal document, whatever language the reader chose.
    with translation.override("vi"), timezone.override("Asia/Ho_Chi_Minh"):
        html = render_to_string("inspections/minutes_pdf.html", minutes_context(record))
    return HTML(string=html).write_pdf(stylesheets=[stylesheet()])


# The kind of the minutes' signed versions (exports.SignedDocument), their subject the record's pk.
SIGNED_MINUTES = "minutes"


def minutes_pdf(record: ViolationRecord) -> bytes:
    """The minutes as served: once signed, the latest signed version as it was signed (a
    signed document is never made again); before, made now."""
    signed = latest_signed(kind=SIGNED_MINUTES, subject=str(record.pk))
    return signed_bytes(signed) if signed else render_minutes(record)


def minutes_filename(record: ViolationRecord) -> str:
    return f"bien-ban-{(record.number or str(record.pk)).replace('/', '-')}.pdf"


MINUTES_PDF = "minutes_pdf"


def _sees_record(user, subject: str) -> bool:
    return (
        subject.isdigit()
        and records_for(user).filter(pk=int(subject)).exclude(status__in=UNSENT_STATUSES).exists()
    )


def _minutes_file(subject: str) -> tuple[str, bytes]:
    record = ViolationRecord.objects.select_related(
        "staff", "unit__parent", "author", "reviewed_by", "visit__round__lead", "corrects"
    ).get(pk=int(subject))
    return minutes_filename(record), minutes_pdf(record)


def register_exports() -> None:
    register(
        MINUTES_PDF,
        Maker(
            _("Violation minutes (PDF)"),
            PDF,
            (Role.INSPECTOR, Role.REVIEWER, Role.UNIT_HEAD, Role.COUNCIL),
            _sees_record,
            _minutes_file,
        ),
    )
