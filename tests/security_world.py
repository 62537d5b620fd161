"""The data the security tests share: everything belongs to unit B, whose unit head is `head_b`;
the `unit_head` persona of tests/conftest.py heads unit A and looks at it from outside."""

import datetime
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from emulation.models import Nomination, Period, RevocationCase, Title
from exports.models import Export, ExportKind
from exports.services import export_make, export_request
from inspections import services
from inspections.models import CitizenReport, Evidence, InspectionRound, ViolationRecord, Visit
from inspections.report_services import report_submit
from personnel.models import Posting, Regulation, Role, Staff, StaffCategory
from personnel.services import regulation_record
from tests.conftest import jpeg, make_user


@dataclass
class World:
    users: dict  # persona name → user (None for the anonymous visitor)
    person_b: Staff
    the_round: InspectionRound  # led by `inspector`, planned for units A and B
    visit: Visit  # to unit B, started: unit B's head may see it
    record: ViolationRecord  # confirmed, with one photo
    draft: ViolationRecord  # the inspector's
    evidence: Evidence  # the confirmed record's photo
    regulation: Regulation
    period: Period
    nomination: Nomination
    case: RevocationCase
    report: CitizenReport
    export: Export  # the record's minutes, prepared for the reviewer who asked


def build_world(
    *, unit_a, unit_b, inspector, reviewer, council_member, unit_head, outsider, administrator
) -> World:
    """A round, a visit, records, evidence, a regulation, a period, a report… of unit B."""
    other_inspector = make_user("other_inspector", role=Role.INSPECTOR)
    head_b = make_user("head_b", role=Role.UNIT_HEAD, unit=unit_b)
    person_b = Staff.objects.create(
        code="B-0001", full_name="Lê Thị Bình", category=StaffCategory.CONG_CHUC
    )
    Posting.objects.create(staff=person_b, unit=unit_b)
    today = timezone.localdate()
    the_round = services.round_create(
        code="DX-01", name="Kiểm tra đột xuất", kind="surprise", starts_on=today,
        ends_on=today + datetime.timedelta(days=7), lead=inspector, members=[],
        units=[unit_a, unit_b],
    )  # fmt: skip
    visit = services.visit_start(inspection_round=the_round, unit=unit_b, actor=inspector)
    occurred_at = timezone.now() - datetime.timedelta(minutes=30)
    record = services.record_create(
        author=inspector, staff=person_b, unit=unit_b, visit=visit, type="no_badge",
        occurred_at=occurred_at, description="Không đeo thẻ.", photos=[jpeg()],
    )  # fmt: skip
    record = services.record_submit(record=record, actor=inspector)
    record = services.record_confirm(record=record, reviewer=reviewer)
    draft = services.record_create(
        author=inspector, staff=person_b, unit=unit_b, visit=visit, type="no_badge",
        occurred_at=occurred_at, description="Đi muộn.",
    )  # fmt: skip
    evidence = record.evidence.get()
    regulation = regulation_record(
        unit=unit_b, recorded_by=reviewer, kind="working_rules", action="issued",
        title="Quy chế làm việc", signed_on=today,
        document=SimpleUploadedFile("quy-che.pdf", b"%PDF-1.4\n%%EOF\n"),
    )  # fmt: skip
    period = Period.objects.create(
        code=str(today.year), name=f"Năm {today.year}",
        starts_on=datetime.date(today.year, 1, 1), ends_on=datetime.date(today.year, 12, 31),
    )  # fmt: skip
    nomination = Nomination.objects.create(
        period=period, staff=person_b, unit=unit_b, title=Title.objects.order_by("code").first()
    )
    case = RevocationCase.objects.create(
        nomination=nomination, record=record, opened_at=timezone.now()
    )
    report = report_submit(
        unit=unit_b, staff_hint="Bình", occurred_at=occurred_at, description="Vắng mặt.",
        contact_name="Phạm Văn Dân", contact_phone="0912345678", sender_address="192.0.2.1",
    )  # fmt: skip
    export = export_request(kind=ExportKind.MINUTES_PDF, subject=str(record.pk), user=reviewer)
    export_make(export_id=export.pk)
    users = {
        "anonymous": None,
        "outsider": outsider,
        "inspector": inspector,
        "other_inspector": other_inspector,
        "reviewer": reviewer,
        "council": council_member,
        "head_a": unit_head,
        "head_b": head_b,
        "administrator": administrator,
    }
    return World(
        users=users, person_b=person_b, the_round=the_round, visit=visit, record=record,
        draft=draft, evidence=evidence, regulation=regulation, period=period,
        nomination=nomination, case=case, report=report, export=export,
    )  # fmt: skip
