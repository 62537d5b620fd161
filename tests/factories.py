"""Builders of the tests' objects: plain functions, no fixtures (those are in conftest.py).

People and files; the emulation rows, made directly; a year of data for the report tests and
the security tests' world of unit B, both made with the services.
"""

import datetime
import io
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from emulation.models import Nomination, Period, RevocationCase, Title
from emulation.services import nomination_create, period_create
from exports.models import Export
from exports.services import export_make, export_request
from exports.signed import signed_version_add
from inspections import citizen_report_services, services
from inspections.models import (
    CitizenReport,
    DisciplineDecision,
    Evidence,
    InspectionRound,
    RecordStatus,
    ViolationRecord,
    ViolationType,
    Visit,
    WrittenExplanation,
)
from personnel.models import Posting, Regulation, Role, Staff, StaffCategory, Unit, UnitKind, User
from personnel.services import regulation_record

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
_numbers = itertools.count(1)


# --- Time ----------------------------------------------------------------------------------------


def local(*args) -> datetime.datetime:
    """An aware datetime in Hà Nội time."""
    return datetime.datetime(*args, tzinfo=LOCAL)


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


class Clock:
    """timezone.now() frozen at `now`, moved by the test (services stamp rows with it)."""

    def __init__(self, monkeypatch, now: datetime.datetime):
        self.now = now
        monkeypatch.setattr(timezone, "now", lambda: self.now)


# --- People and files ----------------------------------------------------------------------------


def make_user(username: str, *, role: str | None = None, unit: Unit | None = None, **extra):
    user = User.objects.create_user(
        username=username, password="a-long-test-passphrase", unit=unit, **extra
    )
    if role:
        # get_or_create: transactional tests flush the groups the migration created
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def make_staff(code: str, *, unit: Unit, full_name: str = "Nguyễn Văn Hùng") -> Staff:
    staff = Staff.objects.create(code=code, full_name=full_name, category=StaffCategory.CONG_CHUC)
    Posting.objects.create(staff=staff, unit=unit, starts_on=None)
    return staff


def jpeg(colour=(10, 120, 30), name="anh.jpg") -> SimpleUploadedFile:
    """A small, real JPEG photo as a form would send it."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


# --- Emulation rows, made directly ---------------------------------------------------------------


def make_period(code="2019", start=(2019, 1, 1), end=(2019, 12, 31), **extra) -> Period:
    return Period.objects.create(
        code=code,
        name=extra.pop("name", f"Năm {code}"),
        starts_on=datetime.date(*start),
        ends_on=datetime.date(*end),
        **extra,
    )


def visit_started_earlier(visit: Visit, *, hours: int = 3) -> Visit:
    """A visit begun a while ago, so that records of what the team saw since then fit in it
    (a record's time lies between its visit's start and now)."""
    Visit.objects.filter(pk=visit.pk).update(
        started_at=visit.started_at - datetime.timedelta(hours=hours)
    )
    visit.refresh_from_db()
    return visit


def make_record(
    staff: Staff,
    occurred_at: datetime.datetime,
    status: str = RecordStatus.CONFIRMED,
    *,
    number: str | None = None,
    type: str = ViolationType.NO_BADGE,
    unit: Unit | None = None,
) -> ViolationRecord:
    return ViolationRecord.objects.create(
        number=number or f"{next(_numbers)}/BB-KTCV",
        staff=staff,
        unit=unit or staff.postings.first().unit,
        occurred_at=occurred_at,
        type=type,
        status=status,
    )


def nominate_directly(period: Period, staff: Staff, title_code="lao_dong_tien_tien", unit=None):
    """A nomination row without the service (for bulk set-ups); no verdict yet."""
    return Nomination.objects.create(
        period=period,
        staff=staff,
        title=Title.objects.get(code=title_code),
        unit=unit or staff.postings.first().unit,
    )


def whole_period_reads(statements: list[dict]) -> list[str]:
    """The captured statements that read the nominations or the verdicts without naming which
    (no IN list or array): a read of the whole period, 1.96 million nominations at national
    scale."""
    return [
        query["sql"]
        for query in statements
        if query["sql"].lstrip().startswith("SELECT")
        and (
            'FROM "emulation_nomination"' in query["sql"]
            or 'FROM "emulation_verdict"' in query["sql"]
        )
        and " IN (" not in query["sql"]
        and "= ANY(" not in query["sql"]
    ]


# --- A year for the report tests (2019), made with the services ----------------------------------


@dataclass
class Year:
    units: dict[str, Unit]
    staff: dict[str, Staff]
    records: dict[str, ViolationRecord]


def _visit(clock, inspection_round, unit, inspector, at) -> Visit:
    clock.now = at
    return services.visit_start(inspection_round=inspection_round, unit=unit, actor=inspector)


def _confirmed(clock, *, inspector, reviewer, staff, unit, occurred_at, type, visit=None):
    clock.now = max(occurred_at, clock.now) + datetime.timedelta(hours=1)
    record = services.record_create(
        author=inspector, staff=staff, unit=unit, occurred_at=occurred_at, type=type,
        description="Biên bản kiểm tra", visit=visit,
    )  # fmt: skip
    services.record_submit(record=record, actor=inspector)
    return services.record_confirm(record=record, reviewer=reviewer)


def build_year(clock: Clock, *, inspector: User, reviewer: User, unit_a: Unit, unit_b: Unit):
    """2019: rounds DX-1, DX-2 (surprise), KH-3 (planned); unit A visited 3 times, B twice,
    C once, D never; 4 confirmed records in 2019 (two on the year's local boundaries), one in
    2018 and one in 2020; a period "2019" with 2 people excluded and 1 pending."""
    unit_c = Unit.objects.create(
        code="PB-C", name="Phòng Tài chính - Kế hoạch", kind=UnitKind.DEPARTMENT
    )
    unit_d = Unit.objects.create(code="X-D", name="Xã Mai Pha", kind=UnitKind.COMMUNE)
    an = make_staff("S1", unit=unit_a, full_name="Nguyễn Văn An")
    binh = make_staff("S2", unit=unit_a, full_name="Lê Thị Bình")
    cuong = make_staff("S3", unit=unit_b, full_name="Trần Văn Cường")
    dung = make_staff("S4", unit=unit_c, full_name="Phạm Thị Dung")

    def make_round(code, kind, start, units):
        return services.round_create(
            code=code, name=f"Đợt {code}", kind=kind, starts_on=start,
            ends_on=start + datetime.timedelta(days=4), lead=inspector, members=[], units=units,
        )  # fmt: skip

    old = make_round("DX-0", "surprise", datetime.date(2018, 11, 1), [unit_b])
    first = make_round("DX-1", "surprise", datetime.date(2019, 3, 1), [unit_a, unit_b, unit_c])
    second = make_round("DX-2", "surprise", datetime.date(2019, 6, 10), [unit_a, unit_b])
    third = make_round("KH-3", "planned", datetime.date(2019, 12, 20), [unit_a])
    _visit(clock, old, unit_b, inspector, local(2018, 11, 1, 8, 0))
    visit_a1 = _visit(clock, first, unit_a, inspector, local(2019, 3, 1, 8, 0))
    _visit(clock, first, unit_b, inspector, local(2019, 3, 2, 8, 0))
    _visit(clock, first, unit_c, inspector, local(2019, 3, 3, 8, 0))
    _visit(clock, second, unit_a, inspector, local(2019, 6, 10, 8, 0))
    _visit(clock, second, unit_b, inspector, local(2019, 6, 11, 8, 0))
    _visit(clock, third, unit_a, inspector, local(2019, 12, 20, 8, 0))

    clock.now = local(2018, 1, 1)
    people = {"inspector": inspector, "reviewer": reviewer}
    records = {
        # 23:30 local on 31 December 2018: a 2018 record.
        "late_2018": _confirmed(clock, **people, staff=an, unit=unit_a,
                                occurred_at=local(2018, 12, 31, 23, 30), type="no_badge"),
        # 00:10 local on 1 January 2019, given in UTC (17:10 on 31 December): 2019, January.
        "new_year_2019": _confirmed(clock, **people, staff=cuong, unit=unit_b,
                                    occurred_at=utc(2018, 12, 31, 17, 10), type="no_badge"),
        "visit_a1": _confirmed(clock, **people, staff=an, unit=unit_a, visit=visit_a1,
                               occurred_at=local(2019, 3, 1, 9, 30), type="no_badge"),
        "june": _confirmed(clock, **people, staff=cuong, unit=unit_b,
                           occurred_at=local(2019, 6, 11, 10, 0), type="alcohol_on_duty"),
        # 23:30 local on 31 December 2019 belongs to 2019.
        "last_evening": _confirmed(clock, **people, staff=an, unit=unit_a,
                                   occurred_at=local(2019, 12, 31, 23, 30),
                                   type="late_or_early_leave"),
        # 00:30 local on 1 January 2020, given in UTC: a 2020 record.
        "first_night_2020": _confirmed(clock, **people, staff=binh, unit=unit_a,
                                       occurred_at=utc(2019, 12, 31, 17, 30),
                                       type="improper_conduct"),
    }  # fmt: skip
    clock.now = local(2020, 1, 10)
    # Submitted but not reviewed: Bình's nomination is pending; it is no confirmed record.
    waiting = services.record_create(
        author=inspector, staff=binh, unit=unit_a, occurred_at=local(2019, 5, 5, 9, 0),
        type="no_badge", description="Chờ duyệt",
    )  # fmt: skip
    records["waiting"] = services.record_submit(record=waiting, actor=inspector)
    dismissed = services.record_create(
        author=inspector, staff=cuong, unit=unit_b, occurred_at=local(2019, 7, 7, 9, 0),
        type="absent_without_reason", description="Bác bỏ",
    )  # fmt: skip
    services.record_submit(record=dismissed, actor=inspector)
    records["dismissed"] = services.record_dismiss(
        record=dismissed, reviewer=reviewer, reason="Có giấy phép"
    )

    # Two citizen reports received in 2019, one confirmed.
    clock.now = local(2019, 8, 1, 10, 0)
    confirmed_report = citizen_report_services.report_submit(
        unit=unit_a, staff_hint="", occurred_at=local(2019, 8, 1, 9, 0),
        description="Cán bộ thiếu văn minh", sender_address="192.0.2.1",
    )  # fmt: skip
    citizen_report_services.report_start_verification(report=confirmed_report, reviewer=reviewer)
    citizen_report_services.report_confirm(
        report=confirmed_report, reviewer=reviewer, staff=binh, violation_type="improper_conduct"
    )
    clock.now = local(2019, 9, 1, 10, 0)
    citizen_report_services.report_submit(
        unit=unit_b, staff_hint="", occurred_at=local(2019, 9, 1, 9, 0),
        description="Không đeo thẻ", sender_address="192.0.2.2",
    )  # fmt: skip

    # Regulations: A and C in 2019, B in 2018, D never.
    for unit, day in ((unit_a, (2019, 2, 1)), (unit_c, (2019, 9, 9)), (unit_b, (2018, 5, 1))):
        regulation_record(
            unit=unit, recorded_by=reviewer, kind="working_rules", action="issued",
            title="Quy chế làm việc", signed_on=datetime.date(*day),
        )  # fmt: skip

    # The 2019 period: An and Cường excluded (An nominated twice), Bình pending, Dung eligible.
    clock.now = local(2020, 1, 15)
    period_create(
        code="2019", starts_on=datetime.date(2019, 1, 1), ends_on=datetime.date(2019, 12, 31)
    )
    for code, title in (("S1", "lao_dong_tien_tien"), ("S1", "chien_si_thi_dua_co_so"),
                        ("S2", "lao_dong_tien_tien"), ("S3", "lao_dong_tien_tien"),
                        ("S4", "lao_dong_tien_tien")):  # fmt: skip
        nomination_create(
            period_code="2019", staff_code=code, title_code=title, unit=None, submitted_by=reviewer
        )
    return Year(
        units={"A": unit_a, "B": unit_b, "C": unit_c, "D": unit_d},
        staff={"S1": an, "S2": binh, "S3": cuong, "S4": dung},
        records=records,
    )


def _grow(count: int) -> None:
    """More units, visits and confirmed records in 2019 (direct rows: only the volume matters)."""
    round_ = Visit.objects.first().round
    for index in range(count):
        unit = Unit.objects.create(code=f"G-{index}", name=f"Đơn vị {index}", kind=UnitKind.OTHER)
        Visit.objects.create(round=round_, unit=unit, started_at=local(2019, 4, 1 + index % 20))
        person = make_staff(f"G{index}", unit=unit)
        for month in (2, 5):
            make_record(
                person, datetime.datetime(2019, month, 3, tzinfo=LOCAL),
                RecordStatus.CONFIRMED, type=ViolationType.OTHER,
            )  # fmt: skip


# --- The security tests' world -------------------------------------------------------------------
# Everything belongs to unit B, whose unit head is `head_b`; the `unit_head` persona of
# conftest.py heads unit A and looks at it from outside.


@dataclass
class World:
    users: dict  # persona name → user (None for the anonymous visitor)
    person_b: Staff
    the_round: InspectionRound  # led by `inspector`, planned for units A and B
    visit: Visit  # to unit B, started: unit B's head may see it
    record: ViolationRecord  # confirmed, with one photo
    draft: ViolationRecord  # the inspector's
    evidence: Evidence  # the confirmed record's photo
    explanation: WrittenExplanation  # attached to the record by unit B's head, with a document
    regulation: Regulation
    period: Period
    nomination: Nomination
    case: RevocationCase
    report: CitizenReport
    export: Export  # the record's minutes, prepared for the reviewer who asked
    decision: DisciplineDecision  # person B's, long over: no verdict of the world's period moves


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
    visit = visit_started_earlier(
        services.visit_start(inspection_round=the_round, unit=unit_b, actor=inspector)
    )
    occurred_at = timezone.now() - datetime.timedelta(minutes=30)
    record = services.record_create(
        author=inspector, staff=person_b, unit=unit_b, visit=visit, type="no_badge",
        occurred_at=occurred_at, description="Không đeo thẻ.", photos=[jpeg()],
    )  # fmt: skip
    record = services.record_submit(record=record, actor=inspector)
    explanation = services.explanation_attach(
        record=record, actor=head_b, text="Tôi quên thẻ ở nhà.",
        document=SimpleUploadedFile("giai-trinh.pdf", b"%PDF-1.4\n%%EOF\n"),
    )  # fmt: skip
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
    report = citizen_report_services.report_submit(
        unit=unit_b, staff_hint="Bình", occurred_at=occurred_at, description="Vắng mặt.",
        contact_name="Phạm Văn Dân", contact_phone="0912345678", sender_address="192.0.2.1",
    )  # fmt: skip
    # A signed version of the minutes as stored (the bytes are not checked by the matrix).
    signed_version_add(
        kind="minutes", subject=str(record.pk), data=b"%PDF-1.7\n%%EOF\n",
        capacity="team_leader", signed_by=inspector,
    )  # fmt: skip
    # The list as the secretary would have signed it (a PDF stands in for the signed one).
    signed_version_add(
        kind="council_list", subject=period.code, data=b"%PDF-1.4\n%%EOF\n",
        capacity="council_secretary", signed_by=council_member,
    )  # fmt: skip
    export = export_request(kind="minutes_pdf", subject=str(record.pk), user=reviewer)
    export_make(export_id=export.pk)
    decision = DisciplineDecision.objects.create(
        number="12/QĐ-UBND", staff=person_b, form="khien_trach", status="decided",
        decided_on=datetime.date(2018, 3, 15), effective_until=datetime.date(2019, 3, 14),
    )  # fmt: skip
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
        draft=draft, evidence=evidence, explanation=explanation, regulation=regulation,
        period=period,
        nomination=nomination, case=case, report=report, export=export, decision=decision,
    )  # fmt: skip


def url_kwargs(world: World) -> dict[str, dict]:
    """What fills each URL's parameters: unit B's objects."""
    return {
        "inspections:round_detail": {"pk": world.the_round.pk},
        "inspections:visit_start": {"pk": world.the_round.pk},
        "inspections:visit_detail": {"pk": world.visit.pk},
        "inspections:visit_finish": {"pk": world.visit.pk},
        "inspections:checklist": {"pk": world.visit.pk},
        "inspections:roll_call": {"pk": world.visit.pk},
        "inspections:roll_call_rest_present": {"pk": world.visit.pk},
        "inspections:roll_call_undo": {"pk": world.visit.pk},
        "inspections:record_new": {"pk": world.visit.pk},
        "inspections:visit_roster": {"pk": world.visit.pk},
        "inspections:visit_card": {"pk": world.visit.pk},
        "inspections:record_detail": {"pk": world.record.pk},
        "inspections:record_edit": {"pk": world.draft.pk},
        "inspections:record_correct": {"pk": world.record.pk},
        "inspections:record_photos": {"pk": world.draft.pk},
        "inspections:record_submit": {"pk": world.draft.pk},
        "inspections:record_confirm": {"pk": world.record.pk},
        "inspections:record_dismiss": {"pk": world.record.pk},
        "inspections:record_appeal": {"pk": world.record.pk},
        "inspections:appeal_decide": {"pk": world.record.pk},
        "inspections:record_pdf": {"pk": world.record.pk},
        "inspections:explanation_attach": {"pk": world.record.pk},
        "inspections:explanation_document": {"pk": world.explanation.pk},
        "inspections:record_pdf_prepare": {"pk": world.record.pk},
        "inspections:record_sign": {"pk": world.record.pk},
        "inspections:record_signatures_check": {"pk": world.record.pk},
        "inspections:signed_minutes": {"pk": world.record.pk, "version": 1},
        "emulation:period_prepare": {"code": world.period.code},
        "exports:status": {"pk": world.export.pk},
        "exports:download": {"pk": world.export.pk},
        "inspections:evidence": {"pk": world.evidence.pk, "variant": "photo"},
        "inspections:evidence_original": {"pk": world.evidence.pk},
        "personnel:unit_detail": {"code": world.visit.unit.code},
        "personnel:regulation_new": {"code": world.visit.unit.code},
        "personnel:regulation_document": {"pk": world.regulation.pk},
        "personnel:staff_detail": {"code": world.person_b.code},
        "personnel:import_template": {"kind": "staff"},
        "emulation:period": {"code": world.period.code},
        "emulation:period_export": {"code": world.period.code},
        "emulation:period_export_pdf": {"code": world.period.code},
        "emulation:period_export_csv": {"code": world.period.code},
        "emulation:period_start_review": {"code": world.period.code},
        "emulation:period_approve": {"code": world.period.code},
        "emulation:period_return": {"code": world.period.code},
        "emulation:period_settings": {"code": world.period.code},
        "emulation:period_upload": {"code": world.period.code},
        "emulation:period_secretary": {"code": world.period.code},
        "emulation:council_meeting": {"code": world.period.code},
        "emulation:council_document_sign": {"code": world.period.code, "kind": "council_list"},
        "emulation:council_signed": {"code": world.period.code, "kind": "council_list"},
        "emulation:council_signed_pdf": {"code": world.period.code, "kind": "council_list"},
        "emulation:revocation_resolve": {"pk": world.case.pk},
        "citizen_reports:track": {"code": world.report.tracking_code},
        "citizen_reports:detail": {"pk": world.report.pk},
        "citizen_reports:start_verification": {"pk": world.report.pk},
        "citizen_reports:close": {"pk": world.report.pk},
        "citizen_reports:confirm": {"pk": world.report.pk},
        "inspections:discipline_detail": {"pk": world.decision.pk},
        "inspections:discipline_edit": {"pk": world.decision.pk},
        "reports:print": {"year": timezone.localdate().year},
        "reports:export": {"year": timezone.localdate().year, "table": "summary", "fmt": "csv"},
    }
