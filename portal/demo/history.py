"""The demo city's history, replayed through the portal's own services.

It reproduces the article's figures (DOMAIN.md): in 2019 six surprise rounds over 49 units,
26 of them inspected two or three times, 20 confirmed minutes, and a nomination list from
which exactly 3 people are excluded; from 1 January to 30 March 2020, 13 units inspected and
no violation. Then a little of today, so that every screen has something to show: a round
under way, minutes waiting in the reviewer's queue, citizen reports, this year's nominations.

Each past event runs at its own moment (time_machine), so numbers, visit times, audit
entries and review dates read as they would have then.
"""

import datetime
import random
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from emulation.models import Nomination, Title
from emulation.services import evaluate_period, period_approve, period_create, period_start_review
from inspections import citizen_report_services, discipline_services, services
from inspections.models import (
    DisciplineForm,
    DisciplineStatus,
    RoundKind,
    SignatureStatus,
    ViolationType,
)
from personnel.models import Staff, Unit, User
from personnel.selectors import staff_posted_to

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

ROUNDS_2019 = [  # code, name, first day
    ("KT-2019-01", "Kiểm tra đột xuất đợt 1 năm 2019", datetime.date(2019, 3, 11)),
    ("KT-2019-02", "Kiểm tra đột xuất đợt 2 năm 2019", datetime.date(2019, 5, 6)),
    ("KT-2019-03", "Kiểm tra đột xuất đợt 3 năm 2019", datetime.date(2019, 6, 17)),
    ("KT-2019-04", "Kiểm tra đột xuất đợt 4 năm 2019", datetime.date(2019, 8, 19)),
    ("KT-2019-05", "Kiểm tra đột xuất đợt 5 năm 2019", datetime.date(2019, 10, 14)),
    ("KT-2019-06", "Kiểm tra đột xuất đợt 6 năm 2019", datetime.date(2019, 11, 25)),
]
ROUNDS_2020 = [
    ("KT-2020-01", "Kiểm tra đột xuất đợt 1 năm 2020", datetime.date(2020, 2, 17), 6),
    ("KT-2020-02", "Kiểm tra đột xuất đợt 2 năm 2020", datetime.date(2020, 3, 16), 7),
]
# The 20 confirmed minutes of 2019, by type.
RECORD_TYPES_2019 = (
    [ViolationType.NO_BADGE] * 7
    + [ViolationType.LATE_OR_EARLY_LEAVE] * 6
    + [ViolationType.ABSENT_WITHOUT_REASON] * 3
    + [ViolationType.IMPROPER_CONDUCT] * 2
    + [ViolationType.ALCOHOL_ON_DUTY, ViolationType.TASK_NOT_COMPLETED]
)
DESCRIPTIONS = {
    ViolationType.NO_BADGE: "Không đeo thẻ công chức, viên chức trong giờ làm việc khi đoàn "
    "kiểm tra đến làm việc.",
    ViolationType.LATE_OR_EARLY_LEAVE: "Có mặt tại cơ quan lúc {time}, muộn so với giờ làm "
    "việc quy định, không có lý do chính đáng.",
    ViolationType.ABSENT_WITHOUT_REASON: "Vắng mặt tại cơ quan trong giờ làm việc, không có "
    "lý do, không báo cáo thủ trưởng đơn vị.",
    ViolationType.IMPROPER_CONDUCT: "Có thái độ thiếu tôn trọng, trả lời cộc lốc khi công dân "
    "đến liên hệ giải quyết thủ tục hành chính.",
    ViolationType.ALCOHOL_ON_DUTY: "Sử dụng đồ uống có cồn trong giờ nghỉ trưa của ngày làm "
    "việc; khi làm việc buổi chiều có mùi rượu.",
    ViolationType.TASK_NOT_COMPLETED: "Chưa hoàn thành nhiệm vụ được giao: để quá hạn 5 hồ sơ "
    "thủ tục hành chính mà không báo cáo lý do.",
}
EXPLANATIONS = [
    "Do quên thẻ ở nhà.",
    "Do đưa con đi khám bệnh, chưa kịp xin phép.",
    "Xin nhận khuyết điểm và cam kết không tái phạm.",
    "Do xe hỏng dọc đường.",
    "",
]
# People who break the rules in 2019 and were also on the nomination list: exactly 3.
NOMINATED_VIOLATORS = 3
VISIT_TIMES = [(8, 10), (9, 40), (14, 5), (15, 30)]  # local; four visits a working day


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL)


def _working_days(first: datetime.date):
    day = first
    while True:
        if day.weekday() < 5:
            yield day
        day += datetime.timedelta(days=1)


def _plan_visits(units: list[Unit], rng: random.Random) -> list[list[Unit]]:
    """Which units each 2019 round visits: 23 units once, 20 twice, 6 three times."""
    counts = [3] * 6 + [2] * 20 + [1] * (len(units) - 26)
    shuffled = units[:]
    rng.shuffle(shuffled)
    plan: list[list[Unit]] = [[] for _round in ROUNDS_2019]
    for unit, count in zip(shuffled, counts, strict=True):
        # The rounds with the fewest visits so far, each at most once per unit.
        order = sorted(range(len(plan)), key=lambda index: (len(plan[index]), rng.random()))
        for index in order[:count]:
            plan[index].append(unit)
    return plan


def _run_round(*, code, name, first_day, units, lead, kind=RoundKind.SURPRISE):
    """Create the round and start and finish its visits, four a working day."""
    days = _working_days(first_day)
    visits = []
    with time_machine.travel(_at(first_day, 7, 30) - datetime.timedelta(days=3), tick=False):
        inspection_round = services.round_create(
            code=code,
            name=name,
            kind=kind,
            starts_on=first_day,
            ends_on=first_day + datetime.timedelta(days=len(units) // 4 + 3),
            lead=lead,
            members=[],
            units=units,
        )
    for index, unit in enumerate(units):
        if index % len(VISIT_TIMES) == 0:
            day = next(days)
        hour, minute = VISIT_TIMES[index % len(VISIT_TIMES)]
        with time_machine.travel(_at(day, hour, minute), tick=False):
            visit = services.visit_start(
                inspection_round=inspection_round,
                unit=unit,
                actor=lead,
                representative="Đại diện lãnh đạo đơn vị",
            )
        with time_machine.travel(_at(day, hour + 1, minute), tick=False):
            visit = services.visit_finish(visit=visit, actor=lead)
        visits.append(visit)
    return visits


def _write_minutes(*, visit, staff, violation_type, author, rng, reviewer=None, submit=True):
    """Minutes written during the visit, submitted at once, reviewed three days later."""
    local_start = timezone.localtime(visit.started_at)
    occurred_at = visit.started_at + datetime.timedelta(minutes=rng.randint(5, 40))
    late_by = rng.randint(15, 50)
    description = DESCRIPTIONS[violation_type].format(
        time=f"{local_start.hour + (local_start.minute + late_by) // 60} giờ "
        f"{(local_start.minute + late_by) % 60:02d} phút"
    )
    with time_machine.travel(occurred_at + datetime.timedelta(minutes=10), tick=False):
        record = services.record_create(
            author=author,
            staff=staff,
            unit=visit.unit,
            occurred_at=occurred_at,
            type=violation_type,
            description=description,
            explanation=rng.choice(EXPLANATIONS),
            witnesses="Đại diện lãnh đạo đơn vị",
            signature=SignatureStatus.SIGNED if rng.random() < 0.9 else SignatureStatus.REFUSED,
            visit=visit,
        )
        if submit:
            record = services.record_submit(record=record, actor=author)
    if reviewer is not None:
        with time_machine.travel(occurred_at + datetime.timedelta(days=3, hours=2), tick=False):
            record = services.record_confirm(record=record, reviewer=reviewer)
    return record


def build_history(*, accounts: dict[str, User]) -> None:
    rng = random.Random(2019)  # noqa: S311 - reproducible fake data, not a secret
    inspector, reviewer, council = accounts["thanhtra"], accounts["noivu"], accounts["hoidong"]
    head = accounts["truongdonvi"]
    units = list(Unit.objects.filter(parent__code="UBND-LS").order_by("code"))

    # 2019: six surprise rounds over the 49 units.
    visits_2019 = []
    for (code, name, first_day), planned in zip(ROUNDS_2019, _plan_visits(units, rng), strict=True):
        visits_2019 += _run_round(
            code=code, name=name, first_day=first_day, units=planned, lead=inspector
        )

    # The 20 minutes: 18 people, two of whom are caught twice, at two visits of their unit.
    types = RECORD_TYPES_2019[:]
    rng.shuffle(types)
    by_unit: dict[int, list] = {}
    for visit in visits_2019:
        by_unit.setdefault(visit.unit_id, []).append(visit)
    repeat_units = rng.sample([v for v in by_unit.values() if len(v) >= 2], k=2)
    violators: list[Staff] = []
    plan = []  # (visit, person)
    for unit_visits in repeat_units:
        first, second = unit_visits[:2]
        person = rng.choice(
            list(staff_posted_to(unit=first.unit, day=timezone.localdate(first.started_at)))
        )
        violators.append(person)
        plan += [(first, person), (second, person)]
    used = {visit.pk for visit, _person in plan}
    for visit in rng.sample([v for v in visits_2019 if v.pk not in used], k=len(types) - 4):
        day = timezone.localdate(visit.started_at)
        person = rng.choice(
            [p for p in staff_posted_to(unit=visit.unit, day=day) if p not in violators]
        )
        violators.append(person)
        plan.append((visit, person))
    # Written in the order they happened, so the year's minutes are numbered by date.
    plan.sort(key=lambda item: item[0].started_at)
    for (visit, person), violation_type in zip(plan, types, strict=True):
        _write_minutes(
            visit=visit,
            staff=person,
            violation_type=violation_type,
            author=inspector,
            rng=rng,
            reviewer=reviewer,
        )

    # The 2019 emulation period: most staff nominated, three of them violators.
    with time_machine.travel(_at(datetime.date(2019, 11, 1), 8, 0), tick=False):
        period = period_create(
            code="2019",
            name="Năm 2019",
            starts_on=datetime.date(2019, 1, 1),
            ends_on=datetime.date(2019, 12, 31),
        )
    _nominate(
        period=period,
        include=violators[:NOMINATED_VIOLATORS],
        leave_out=violators[NOMINATED_VIOLATORS:],
        rng=rng,
        submitted_by=head,
    )
    with time_machine.travel(_at(datetime.date(2020, 1, 10), 9, 0), tick=False):
        evaluate_period(period=period)
        period_start_review(period=period, user=council)
    with time_machine.travel(_at(datetime.date(2020, 1, 17), 15, 0), tick=False):
        period_approve(period=period, user=council)

    # 1 January to 30 March 2020: 13 units inspected, no violation.
    spared = rng.sample(units, k=sum(size for *_rest, size in ROUNDS_2020))
    start = 0
    for code, name, first_day, size in ROUNDS_2020:
        _run_round(
            code=code,
            name=name,
            first_day=first_day,
            units=spared[start : start + size],
            lead=inspector,
        )
        start += size

    _build_today(accounts=accounts, units=units, rng=rng)


def _titles() -> dict[str, Title]:
    """The two individual titles the demo nominates for (created by a migration; a test
    database flushed by an earlier test may have lost them)."""
    names = {
        "lao_dong_tien_tien": "Lao động tiên tiến",
        "chien_si_thi_dua_co_so": "Chiến sĩ thi đua cơ sở",
    }
    return {
        code: Title.objects.get_or_create(code=code, defaults={"name": name, "kind": "individual"})[
            0
        ]
        for code, name in names.items()
    }


def _nominate(*, period, include, leave_out, rng, submitted_by):
    """Lao động tiên tiến for about four in five of each unit's staff (always `include`, never
    `leave_out`), Chiến sĩ thi đua cơ sở for one in seven of those; evaluated once for the
    whole period afterwards."""
    titles = _titles()
    excluded = {person.pk for person in leave_out}
    included = {person.pk for person in include}
    day = period.ends_on
    nominations = []
    for unit in Unit.objects.filter(parent__code="UBND-LS").order_by("code"):
        for person in staff_posted_to(unit=unit, day=day):
            if person.pk in excluded or (person.pk not in included and rng.random() > 0.8):
                continue
            nominations.append(
                Nomination(
                    period=period,
                    staff=person,
                    title=titles["lao_dong_tien_tien"],
                    unit=unit,
                    submitted_by=submitted_by,
                )
            )
            if person.pk not in included and rng.random() < 1 / 7:
                nominations.append(
                    Nomination(
                        period=period,
                        staff=person,
                        title=titles["chien_si_thi_dua_co_so"],
                        unit=unit,
                        submitted_by=submitted_by,
                    )
                )
    with time_machine.travel(_at(period.ends_on, 9, 0) - datetime.timedelta(days=20), tick=False):
        Nomination.objects.bulk_create(nominations, batch_size=500)


def _build_today(*, accounts, units, rng):
    """This year: a round under way, minutes in the queue, reports, nominations."""
    inspector, head = accounts["thanhtra"], accounts["truongdonvi"]
    now = timezone.localtime()
    today = now.date()
    chi_lang = Unit.objects.get(code="P-CHILANG")
    others = [unit for unit in units if unit.code in {"P-DONGKINH", "PTNMT", "TH-VINHTRAI"}]
    with time_machine.travel(now - datetime.timedelta(days=2), tick=False):
        current_round = services.round_create(
            code=f"KT-{today.year}-DX",
            name=f"Kiểm tra đột xuất tháng {today.month} năm {today.year}",
            kind=RoundKind.SURPRISE,
            starts_on=today - datetime.timedelta(days=1),
            ends_on=today + datetime.timedelta(days=10),
            lead=inspector,
            members=[],
            units=[chi_lang, *others],
        )
    visited = []
    for unit, hours_ago in ((chi_lang, 26), (others[0], 3)):
        with time_machine.travel(now - datetime.timedelta(hours=hours_ago), tick=False):
            visited.append(
                services.visit_start(inspection_round=current_round, unit=unit, actor=inspector)
            )
    # Two minutes waiting for review, one still a draft.
    for visit, violation_type, submit in (
        (visited[0], ViolationType.NO_BADGE, True),
        (visited[0], ViolationType.LATE_OR_EARLY_LEAVE, True),
        (visited[1], ViolationType.IMPROPER_CONDUCT, False),
    ):
        day = timezone.localdate(visit.started_at)
        person = rng.choice(list(staff_posted_to(unit=visit.unit, day=day)))
        _write_minutes(
            visit=visit,
            staff=person,
            violation_type=violation_type,
            author=inspector,
            rng=rng,
            submit=submit,
        )

    # Citizen reports: two just received, one being verified.
    sent = []
    for unit, hint, text in (
        (chi_lang, "Cán bộ tiếp nhận hồ sơ buổi sáng", "Cán bộ một cửa đi muộn, công dân phải "
         "chờ từ 7 giờ 30 đến 8 giờ 15 mới được tiếp nhận hồ sơ."),
        (others[0], "", "Cán bộ trả lời thiếu tôn trọng khi tôi hỏi về hồ sơ đăng ký hộ tịch."),
        (others[1], "", "Hồ sơ đất đai nộp đã quá hạn 10 ngày nhưng chưa có kết quả, không được "
         "thông báo lý do."),
    ):  # fmt: skip
        sent.append(
            citizen_report_services.report_submit(
                unit=unit,
                staff_hint=hint,
                occurred_at=now - datetime.timedelta(days=2),
                description=text,
                contact_name="Người dân (thông tin minh họa)",
                sender_address="192.0.2.10",
            )
        )
    citizen_report_services.report_start_verification(report=sent[0], reviewer=accounts["noivu"])

    # This year's emulation period, still collecting: Phường Chi Lăng has sent its list,
    # and one of its people is pending because of the minutes in the queue.
    period = period_create(
        code=str(today.year),
        name=f"Năm {today.year}",
        starts_on=datetime.date(today.year, 1, 1),
        ends_on=datetime.date(today.year, 12, 31),
    )
    titles = _titles()
    Nomination.objects.bulk_create(
        Nomination(
            period=period,
            staff=person,
            title=titles["lao_dong_tien_tien"],
            unit=chi_lang,
            submitted_by=head,
        )
        for person in staff_posted_to(unit=chi_lang, day=today)
    )
    evaluate_period(period=period)
    _discipline_this_year(accounts=accounts, unit=chi_lang, today=today)


def _discipline_this_year(*, accounts, unit, today) -> None:
    """Two of this year's nominees: one reprimanded in the spring (excluded until the decision's
    effect ends), one whose discipline procedure is still open (deferred). The city's 2018 and
    2019 had no discipline at all."""
    people = list(staff_posted_to(unit=unit, day=today)[:6])
    if len(people) < 6:
        return
    reprimanded, under_review = people[4], people[5]
    spring = datetime.date(today.year, 3, 16)
    with time_machine.travel(_at(min(spring, today), 14, 0), tick=False):
        discipline_services.discipline_record(
            number=f"15/QĐ-UBND-{today.year}",
            staff=reprimanded,
            form=DisciplineForm.KHIEN_TRACH,
            status=DisciplineStatus.DECIDED,
            decided_on=min(spring, today),
            effective_until=None,
            signer="Chủ tịch UBND phường (tên minh họa)",
            records=None,
            actor=accounts["noivu"],
        )
    discipline_services.discipline_record(
        number=f"08/TB-UBND-{today.year}",
        staff=under_review,
        form=DisciplineForm.CANH_CAO,
        status=DisciplineStatus.UNDER_REVIEW,
        decided_on=None,
        effective_until=None,
        signer="",
        records=None,
        actor=accounts["noivu"],
    )
