"""The demo city's history, replayed through the portal's own services.

It reproduces the article's figures (DOMAIN.md): in 2019 six surprise rounds over 49 units,
26 of them inspected two or three times, 20 confirmed minutes, and a nomination list from
which exactly 3 people are excluded; from 1 January to 30 March 2020, 13 units inspected and
no violation; and nobody disciplined in 2018 or 2019. Then a few discipline decisions of the
later years, and a little of today, so that every screen has something to show: a round under
way, minutes waiting in the reviewer's queue, citizen reports, and this year's nominations,
individual and collective, in which the rule gives every kind of reason.

Each past event runs at its own moment (time_machine), so numbers, visit times, audit
entries and review dates read as they would have then.
"""

import datetime
import random
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from emulation.models import Nomination, Rating, Title, TitleKind
from emulation.services import evaluate_period, period_approve, period_create, period_start_review
from inspections import citizen_report_services, discipline_services, services
from inspections.models import (
    Attendance,
    DisciplineForm,
    DisciplineStatus,
    RollCallEntry,
    RoundKind,
    SignatureStatus,
    ViolationRecord,
    ViolationType,
)
from personnel.models import Posting, Staff, StaffCategory, Unit, UnitKind, User
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
# Office hours (local), Monday to Friday.
OFFICE_HOURS = [((7, 30), (11, 30)), ((13, 30), (16, 30))]
# Today's round: when the team may arrive at a unit (local, and up to five minutes later) and
# how long it stays at most (minutes), so that each visit ends in office hours before the next
# one starts. Only the first of the morning sees who arrives late.
VISIT_SLOTS = [((7, 35), 95), ((9, 35), 95), ((13, 35), 85), ((15, 10), 70)]

LAO_DONG_TIEN_TIEN = "lao_dong_tien_tien"
CHIEN_SI_THI_DUA_CO_SO = "chien_si_thi_dua_co_so"
TAP_THE_LAO_DONG_TIEN_TIEN = "tap_the_lao_dong_tien_tien"
TAP_THE_LAO_DONG_XUAT_SAC = "tap_the_lao_dong_xuat_sac"
TITLES = {  # code: (name, kind)
    LAO_DONG_TIEN_TIEN: ("Lao động tiên tiến", TitleKind.INDIVIDUAL),
    CHIEN_SI_THI_DUA_CO_SO: ("Chiến sĩ thi đua cơ sở", TitleKind.INDIVIDUAL),
    TAP_THE_LAO_DONG_TIEN_TIEN: ("Tập thể lao động tiên tiến", TitleKind.COLLECTIVE),
    TAP_THE_LAO_DONG_XUAT_SAC: ("Tập thể lao động xuất sắc", TitleKind.COLLECTIVE),
}
# Invented initiatives (sáng kiến) of the kind each sort of unit has recognised; "{level}" is
# "phường" or "xã".
INITIATIVES = {
    "grassroots": [
        "Số hóa hồ sơ một cửa cấp {level}",
        "Ứng dụng mã QR để người dân tra cứu tiến độ giải quyết hồ sơ tại bộ phận một cửa",
        "Số hóa sổ hộ tịch lưu trữ, rút ngắn thời gian cấp bản sao trích lục",
        "Lập bản đồ số theo dõi trật tự xây dựng trên địa bàn {level}",
    ],
    "office": [
        "Chuẩn hóa quy trình tiếp nhận, xử lý văn bản đến trên phần mềm quản lý văn bản",
        "Lập bảng theo dõi điện tử thời hạn giải quyết hồ sơ, cảnh báo hồ sơ sắp quá hạn",
        "Giải pháp nâng cao tỷ lệ hồ sơ nộp trực tuyến toàn trình",
        "Xây dựng bộ mẫu biểu thẩm định dự toán chi thường xuyên",
    ],
    "school": [
        "Một số biện pháp rèn kỹ năng đọc cho học sinh lớp 1",
        "Đổi mới phương pháp dạy học theo nhóm trong môn Toán",
        "Xây dựng tủ sách lớp học thân thiện, nâng cao văn hóa đọc cho học sinh",
        "Sổ liên lạc điện tử giữa nhà trường và cha mẹ học sinh",
    ],
    "preschool": [
        "Xây dựng góc thư viện xanh ngoài trời cho trẻ mẫu giáo",
        "Làm đồ dùng, đồ chơi từ nguyên vật liệu tái chế phục vụ hoạt động học của trẻ",
        "Tổ chức trò chơi dân gian giúp trẻ 5 tuổi phát triển vận động",
    ],
}


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


# The legal basis of every demo round: the chairman's decision setting up the team, under the
# year's inspection plan (invented numbers and signer).
DECISION_SIGNER = ("Lý Văn Hòa", "Chủ tịch Ủy ban nhân dân thành phố Lạng Sơn")


def legal_basis(*, first_day: datetime.date, sequence: int) -> dict:
    """The decision setting up a round's team, signed three days before its first day, and
    the year's plan of 10 January."""
    return {
        "team_decision_number": f"{100 + sequence}/QĐ-UBND",
        "team_decision_date": first_day - datetime.timedelta(days=3),
        "team_decision_signer": DECISION_SIGNER[0],
        "team_decision_signer_title": DECISION_SIGNER[1],
        "plan_number": "05/KH-UBND",
        "plan_date": datetime.date(first_day.year, 1, 10),
    }


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
            **legal_basis(first_day=first_day, sequence=first_day.timetuple().tm_yday),
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
    occurred_at = visit.started_at + datetime.timedelta(minutes=rng.randint(5, 40))
    late_by = rng.randint(15, 50)
    if violation_type == ViolationType.LATE_OR_EARLY_LEAVE:
        # Seen when the person arrives.
        occurred_at = visit.started_at + datetime.timedelta(minutes=late_by)
    description = DESCRIPTIONS[violation_type].format(time=_clock(occurred_at))
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


def _fit_to_time_of_day(plan, types):
    """The same types, swapped so that late arrivals are seen at morning visits and drinking
    at lunch at afternoon ones."""
    types = types[:]
    morning = [timezone.localtime(visit.started_at).hour < 12 for visit, _person in plan]
    special = (ViolationType.LATE_OR_EARLY_LEAVE, ViolationType.ALCOHOL_ON_DUTY)
    for violation_type, in_the_morning in (
        (ViolationType.LATE_OR_EARLY_LEAVE, True),
        (ViolationType.ALCOHOL_ON_DUTY, False),
    ):
        for index, current in enumerate(types):
            if current != violation_type or morning[index] == in_the_morning:
                continue
            other = next(
                other
                for other, kind in enumerate(types)
                if morning[other] == in_the_morning and kind not in special
            )
            types[index], types[other] = types[other], types[index]
    return types


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
    types = _fit_to_time_of_day(plan, types)
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

    today = timezone.localdate()
    disciplined_last_year = _discipline_later_years(reviewer=reviewer, today=today)
    _build_today(
        accounts=accounts, units=units, rng=rng, disciplined_last_year=disciplined_last_year
    )


def _titles() -> dict[str, Title]:
    """The titles the demo nominates for (created by a migration; a test database flushed by
    an earlier test may have lost them)."""
    return {
        code: Title.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})[0]
        for code, (name, kind) in TITLES.items()
    }


def _good_rating(grades: random.Random) -> str:
    # About one in five of those rated well are rated excellent.
    return Rating.XUAT_SAC if grades.random() < 0.2 else Rating.TOT


def _initiative(unit: Unit, grades: random.Random) -> str:
    if unit.code.startswith("MN-"):
        texts = INITIATIVES["preschool"]
    elif unit.code.startswith(("TH-", "THCS-")):
        texts = INITIATIVES["school"]
    elif unit.kind in (UnitKind.WARD, UnitKind.COMMUNE):
        texts = INITIATIVES["grassroots"]
    else:
        texts = INITIATIVES["office"]
    level = "xã" if unit.kind == UnitKind.COMMUNE else "phường"
    return grades.choice(texts).format(level=level)


def _merit(unit: Unit, grades: random.Random) -> tuple[str, str]:
    """The rating and initiative of a Chiến sĩ thi đua cơ sở nominee who meets the title:
    mostly a recognised initiative, otherwise an excellent year."""
    if grades.random() < 0.8:
        return grades.choice([Rating.XUAT_SAC, Rating.TOT]), _initiative(unit, grades)
    return Rating.XUAT_SAC, ""


def _nominate(*, period, include, leave_out, rng, submitted_by):
    """Lao động tiên tiến for about four in five of each unit's staff (always `include`, never
    `leave_out`), Chiến sĩ thi đua cơ sở for one in seven of those; evaluated once for the
    whole period afterwards.

    Everyone is rated well, has served long enough and, for Chiến sĩ thi đua cơ sở, has an
    initiative or an excellent year: the article's three violators are the only exclusions.
    """
    titles = _titles()
    # Ratings and initiatives come from their own generator, so that `rng` draws what it
    # always drew and the rest of the history stays the same.
    grades = random.Random(f"xếp loại {period.code}")  # noqa: S311 - reproducible fake data
    excluded = {person.pk for person in leave_out}
    included = {person.pk for person in include}
    day = period.ends_on
    nominations = []
    for unit in Unit.objects.filter(parent__code="UBND-LS").order_by("code"):
        for person in staff_posted_to(unit=unit, day=day):
            if person.pk in excluded or (person.pk not in included and rng.random() > 0.8):
                continue
            nomination = Nomination(
                period=period,
                staff=person,
                title=titles[LAO_DONG_TIEN_TIEN],
                unit=unit,
                submitted_by=submitted_by,
                rating=_good_rating(grades),
            )
            nominations.append(nomination)
            if person.pk not in included and rng.random() < 1 / 7:
                # One rating a year per person: both nominations carry it.
                nomination.rating, initiative = _merit(unit, grades)
                nominations.append(
                    Nomination(
                        period=period,
                        staff=person,
                        title=titles[CHIEN_SI_THI_DUA_CO_SO],
                        unit=unit,
                        submitted_by=submitted_by,
                        rating=nomination.rating,
                        initiative=initiative,
                    )
                )
    with time_machine.travel(_at(period.ends_on, 9, 0) - datetime.timedelta(days=20), tick=False):
        Nomination.objects.bulk_create(nominations, batch_size=500)


def _discipline_later_years(*, reviewer: User, today: datetime.date) -> Staff:
    """Discipline in the years after the article's (2018 and 2019 had none): a reprimand four
    years ago, a warning two years ago, and a warning of last autumn whose twelve months of
    effect reach into this year. Returns the person warned last autumn."""
    cases = [  # unit, which of its people, day, number, form, signer
        ("X-MAIPHA", 3, datetime.date(today.year - 4, 5, 12), "21/QĐ-UBND",
         DisciplineForm.KHIEN_TRACH, "Chủ tịch UBND xã (tên minh họa)"),
        ("PQLDT", 2, datetime.date(today.year - 2, 9, 9), "112/QĐ-UBND",
         DisciplineForm.CANH_CAO, "Chủ tịch UBND thành phố (tên minh họa)"),
        ("P-DONGKINH", 2, datetime.date(today.year - 1, 10, 20), "37/QĐ-UBND",
         DisciplineForm.CANH_CAO, "Chủ tịch UBND phường (tên minh họa)"),
    ]  # fmt: skip
    units = Unit.objects.in_bulk([code for code, *_rest in cases], field_name="code")
    person = None
    for code, index, decided_on, number, form, signer in cases:
        person = staff_posted_to(unit=units[code], day=decided_on)[index]
        with time_machine.travel(_at(decided_on, 14, 0), tick=False):
            discipline_services.discipline_record(
                number=f"{number}-{decided_on.year}",
                staff=person,
                form=form,
                status=DisciplineStatus.DECIDED,
                decided_on=decided_on,
                effective_until=None,
                signer=signer,
                records=None,
                actor=reviewer,
            )
    return person


def _build_today(*, accounts, units, rng, disciplined_last_year):
    """This year: a round under way, minutes in the queue, reports, nominations."""
    inspector, reviewer = accounts["thanhtra"], accounts["noivu"]
    now = timezone.localtime()
    today = now.date()
    chi_lang = Unit.objects.get(code="P-CHILANG")
    others = [unit for unit in units if unit.code in {"P-DONGKINH", "PTNMT", "TH-VINHTRAI"}]
    dong_kinh, tnmt = others[0], others[1]
    chi_lang_people = list(staff_posted_to(unit=chi_lang, day=today))
    reprimanded, under_review = chi_lang_people[4], chi_lang_people[5]

    # The round's visits, all begun before now: Phường Chi Lăng on a morning, then Phòng Tài
    # nguyên và Môi trường, then Phường Đông Kinh, where the team still is (or which it has
    # not closed yet, when now is out of office hours).
    clock = random.Random("giờ hành chính")  # noqa: S311 - reproducible fake data
    under_way_since = _visit_under_way_since(now, clock)
    tnmt_times = next(_visits_before(under_way_since, clock))
    chi_lang_times = next(  # the first visit of a morning, for its roll call
        times for times in _visits_before(tnmt_times[0], clock) if times[0].hour < 9
    )
    first_day = chi_lang_times[0].date()
    with time_machine.travel(_at(_working_day_before(first_day), 15, 20), tick=False):
        current_round = services.round_create(
            code=f"KT-{first_day.year}-DX",
            name=f"Kiểm tra đột xuất tháng {first_day.month} năm {first_day.year}",
            kind=RoundKind.SURPRISE,
            starts_on=first_day,
            ends_on=today + datetime.timedelta(days=10),
            lead=inspector,
            members=[],
            units=[chi_lang, *others],
            **legal_basis(first_day=first_day, sequence=first_day.timetuple().tm_yday),
        )

    # Phường Chi Lăng: at the morning roll call one person wears no badge, another arrives
    # late; both minutes are written and submitted there, and wait in the reviewer's queue.
    # (Not the two people this year's discipline concerns: each shows one reason.)
    no_badge, late = rng.sample(
        [person for person in chi_lang_people if person not in (reprimanded, under_review)], k=2
    )
    visit = _visit(current_round, chi_lang, chi_lang_times[0], inspector)
    roll_call_at = chi_lang_times[0] + datetime.timedelta(minutes=clock.randint(3, 6))
    _roll_call(visit, roll_call_at, inspector, faults={no_badge: Attendance.NO_BADGE}, late=late)
    _complete_minutes(
        visit=visit,
        staff=no_badge,
        description=DESCRIPTIONS[ViolationType.NO_BADGE],
        author=inspector,
        rng=rng,
    )
    arrival = roll_call_at + datetime.timedelta(minutes=clock.randint(20, 40))
    with time_machine.travel(arrival, tick=False):
        services.roll_call_mark(
            visit=visit, actor=inspector, staff=late, attendance=Attendance.LATE
        )
    _complete_minutes(
        visit=visit,
        staff=late,
        description=DESCRIPTIONS[ViolationType.LATE_OR_EARLY_LEAVE].format(time=_clock(arrival)),
        author=inspector,
        rng=rng,
    )
    _finish(visit, chi_lang_times[1], inspector)

    # Phòng Tài nguyên và Môi trường: everyone in place.
    visit = _visit(current_round, tnmt, tnmt_times[0], inspector)
    _roll_call(visit, tnmt_times[0] + datetime.timedelta(minutes=4), inspector, faults={})
    _finish(visit, tnmt_times[1], inspector)

    # Phường Đông Kinh, under way: the roll call is done, and minutes of a citizen treated
    # rudely in front of the team are still a draft.
    visit = _visit(current_round, dong_kinh, under_way_since, inspector)
    _roll_call(visit, under_way_since + datetime.timedelta(minutes=3), inspector, faults={})
    rude = rng.choice(list(staff_posted_to(unit=dong_kinh, day=under_way_since.date())))
    seen_at = under_way_since + datetime.timedelta(minutes=clock.randint(10, 18))
    with time_machine.travel(seen_at + datetime.timedelta(minutes=6), tick=False):
        services.record_create(
            author=inspector,
            staff=rude,
            unit=dong_kinh,
            occurred_at=seen_at,
            type=ViolationType.IMPROPER_CONDUCT,
            description=DESCRIPTIONS[ViolationType.IMPROPER_CONDUCT],
            witnesses="Đại diện lãnh đạo đơn vị",
            visit=visit,
        )
    in_queue = {no_badge.pk, late.pk}

    _receive_citizen_reports(
        units=[chi_lang, dong_kinh, tnmt], reviewer=reviewer, today=today, clock=clock
    )

    # This year's emulation period, still collecting.
    period = period_create(
        code=str(today.year),
        name=f"Năm {today.year}",
        starts_on=datetime.date(today.year, 1, 1),
        ends_on=datetime.date(today.year, 12, 31),
    )
    _nominate_this_year(
        period=period,
        accounts=accounts,
        # The people this year's minutes and discipline concern keep a plain good rating, so
        # that each shows one reason.
        busy={*in_queue, reprimanded.pk, under_review.pk},
        disciplined_last_year=disciplined_last_year,
    )
    _discipline_this_year(
        accounts=accounts, reprimanded=reprimanded, under_review=under_review, now=now
    )


def _working_day_before(day: datetime.date) -> datetime.date:
    day -= datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


def _clock(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.hour} giờ {local.minute:02d} phút"


def _visit_under_way_since(now: datetime.datetime, clock: random.Random) -> datetime.datetime:
    """When the visit under way began: at least half an hour ago in the office hours now
    going on, else late in the last office hours before now (the team has not closed it
    yet), so never before 7:35 nor on a weekend, and never in the future."""
    day = now.date()
    if day.weekday() >= 5:
        day = _working_day_before(day)
    while True:
        for (open_hour, open_minute), (close_hour, close_minute) in reversed(OFFICE_HOURS):
            latest = min(
                now - datetime.timedelta(minutes=30),
                _at(day, close_hour, close_minute) - datetime.timedelta(minutes=75),
            )
            since = (latest - datetime.timedelta(minutes=clock.randint(0, 10))).replace(
                second=0, microsecond=0
            )
            if since >= _at(day, open_hour, open_minute) + datetime.timedelta(minutes=5):
                return since
        day = _working_day_before(day)


def _visits_before(moment: datetime.datetime, clock: random.Random):
    """(start, end) of the visits that could have ended before `moment`, latest first: one
    per VISIT_SLOTS of each working day, all within office hours."""
    day = timezone.localtime(moment).date()
    if day.weekday() >= 5:
        day = _working_day_before(day)
    while True:
        for (hour, minute), longest in reversed(VISIT_SLOTS):
            start = _at(day, hour, minute) + datetime.timedelta(minutes=clock.randint(0, 5))
            end = start + datetime.timedelta(minutes=clock.randint(longest - 25, longest - 5))
            if end + datetime.timedelta(minutes=10) <= moment:
                yield start, end
        day = _working_day_before(day)


def _visit(inspection_round, unit, start, inspector):
    with time_machine.travel(start, tick=False):
        return services.visit_start(
            inspection_round=inspection_round,
            unit=unit,
            actor=inspector,
            representative="Đại diện lãnh đạo đơn vị",
        )


def _finish(visit, end, inspector):
    with time_machine.travel(end, tick=False):
        services.visit_finish(visit=visit, actor=inspector)


def _roll_call(visit, at, inspector, *, faults, late=None):
    """Everyone posted to the unit, one every 20 seconds from `at`: present, one away on
    business, `faults` as given (through the service: each opens a draft record); `late` is
    not there yet."""
    people = list(staff_posted_to(unit=visit.unit, day=timezone.localdate(at)))
    away = people[len(people) // 2] if len(people) > 3 else None
    plain = []
    for index, person in enumerate(people):
        noted_at = at + datetime.timedelta(seconds=20 * index)
        if person in faults:
            with time_machine.travel(noted_at, tick=False):
                services.roll_call_mark(
                    visit=visit, actor=inspector, staff=person, attendance=faults[person]
                )
        elif person != late:
            attendance = Attendance.EXCUSED if person == away else Attendance.PRESENT
            plain.append(
                RollCallEntry(
                    visit=visit,
                    staff=person,
                    attendance=attendance,
                    noted_by=inspector,
                    noted_at=noted_at,
                )
            )
    # The marks that open nothing, written at once: what the service would have written.
    RollCallEntry.objects.bulk_create(plain)


def _complete_minutes(*, visit, staff, description, author, rng):
    """The roll call's draft completed a few minutes later, signed, and submitted."""
    record = ViolationRecord.objects.get(visit=visit, staff=staff)
    with time_machine.travel(record.occurred_at + datetime.timedelta(minutes=8), tick=False):
        record = services.record_update(
            record=record,
            actor=author,
            description=description,
            explanation=rng.choice(EXPLANATIONS),
            witnesses="Đại diện lãnh đạo đơn vị",
            signature=SignatureStatus.SIGNED,
        )
        return services.record_submit(record=record, actor=author)


def _receive_citizen_reports(*, units, reviewer, today, clock):
    """Three reports of the last three working days, each sent a few hours after what it
    tells, the oldest being verified since the next morning."""
    chi_lang, dong_kinh, tnmt = units
    first_day = _working_day_before(today)  # the most recent, never today: all are past
    second_day = _working_day_before(first_day)
    third_day = _working_day_before(second_day)
    reports = [  # unit, hint, text, when it happened, when it was sent, sender
        (chi_lang, "Cán bộ tiếp nhận hồ sơ buổi sáng", "Cán bộ một cửa đi muộn, công dân "
         "phải chờ từ 7 giờ 30 đến 8 giờ 15 mới được tiếp nhận hồ sơ.",
         _at(third_day, 8, 15), _at(third_day, 20, 40), "192.0.2.10"),
        (dong_kinh, "", "Cán bộ trả lời thiếu tôn trọng khi tôi hỏi về hồ sơ đăng ký hộ "
         "tịch.", _at(second_day, 14, 20), _at(second_day, 21, 5), "192.0.2.37"),
        (tnmt, "", "Hồ sơ đất đai nộp đã quá hạn 10 ngày nhưng chưa có kết quả, không được "
         "thông báo lý do.", _at(first_day, 9, 45), _at(first_day, 12, 10), "198.51.100.23"),
    ]  # fmt: skip
    sent = []
    for unit, hint, text, occurred_at, sent_at, address in reports:
        jitter = datetime.timedelta(minutes=clock.randint(0, 9))
        with time_machine.travel(sent_at + jitter, tick=False):
            sent.append(
                citizen_report_services.report_submit(
                    unit=unit,
                    staff_hint=hint,
                    occurred_at=occurred_at,
                    description=text,
                    contact_name="Người dân (thông tin minh họa)",
                    sender_address=address,
                )
            )
    with time_machine.travel(_at(second_day, 8, 20), tick=False):
        citizen_report_services.report_start_verification(report=sent[0], reviewer=reviewer)


def _recruit_teacher(*, unit: Unit, year: int) -> Staff:
    """A teacher recruited for the school year starting on 1 September: fewer than the six
    months of service Lao động tiên tiến needs by the period's last day, whatever today is."""
    hired_on = datetime.date(year, 9, 1)
    rng = random.Random(year)  # noqa: S311 - reproducible fake data, not a secret
    full_name = "Lương Thị Ngọc Ánh"
    badge = f"{unit.code}.{rng.randrange(10**11, 10**12):012d}.VC"
    person = Staff.objects.create(
        code=f"LS{Staff.objects.count() + 1:05d}",
        full_name=full_name,
        category=StaffCategory.VIEN_CHUC,
        position="Giáo viên",
        badge_number=badge,
        hired_on=hired_on,
    )
    Posting.objects.create(staff=person, unit=unit, starts_on=hired_on)
    return person


def _nominate_this_year(*, period, accounts, busy, disciplined_last_year) -> None:
    """This year's lists, from five units, so that the council's list shows every kind of
    reason beside eligible nominations, individual and collective:

    - Phường Chi Lăng (the unit head's list): everyone; one rated only "hoàn thành" and still
      proposed for Chiến sĩ thi đua cơ sở, one proposed for it without an initiative, one
      whose rating is not entered yet; the ward proposed for Tập thể lao động tiên tiến.
    - Trường Tiểu học Chi Lăng: everyone, with a teacher recruited in September and three
      Chiến sĩ thi đua cơ sở; both collective titles.
    - Phòng Nội vụ: its one Chiến sĩ thi đua cơ sở nominee lacks Lao động tiên tiến, so the
      office falls short of Tập thể lao động xuất sắc.
    - Phường Đông Kinh: a member still under last autumn's warning bars the collective title.
    - Phòng Tài nguyên và Môi trường: only five of its people proposed, too few for it.
    """
    titles = _titles()
    grades = random.Random(f"xếp loại {period.code}")  # noqa: S311 - reproducible fake data
    head, reviewer = accounts["truongdonvi"], accounts["noivu"]
    codes = ["P-CHILANG", "TH-CHILANG", "PNV", "P-DONGKINH", "PTNMT"]
    units = Unit.objects.in_bulk(codes, field_name="code")
    newcomer = _recruit_teacher(unit=units["TH-CHILANG"], year=period.ends_on.year)
    # Members as the rule counts them: posted to the unit on the period's last day.
    members = {code: list(staff_posted_to(unit=units[code], day=period.ends_on)) for code in codes}
    nominations = []

    def nominate(person, code, title, rating, initiative=""):
        nominations.append(
            Nomination(
                period=period,
                staff=person,
                title=titles[title],
                unit=units[code],
                # Each unit sends its own list; Phòng Nội vụ keys in those sent on paper.
                submitted_by=head if code == "P-CHILANG" else reviewer,
                rating=rating,
                initiative=initiative,
            )
        )

    def nominate_all(code, people, ratings):
        for person in people:
            rating = ratings[person.pk] if person.pk in ratings else _good_rating(grades)
            nominate(person, code, LAO_DONG_TIEN_TIEN, rating)

    chi_lang = members["P-CHILANG"]
    free = [person for person in chi_lang if person.pk not in busy]
    weak, no_initiative, unrated, model = free[-1], free[-2], free[-3], free[-4]
    nominate_all(
        "P-CHILANG",
        chi_lang,
        {
            weak.pk: Rating.HOAN_THANH,  # rating
            no_initiative.pk: Rating.TOT,
            unrated.pk: "",  # eligible, not fully checked
            model.pk: Rating.XUAT_SAC,
        },
    )
    nominate(
        model,
        "P-CHILANG",
        CHIEN_SI_THI_DUA_CO_SO,
        Rating.XUAT_SAC,
        "Số hóa hồ sơ một cửa cấp phường",
    )
    nominate(no_initiative, "P-CHILANG", CHIEN_SI_THI_DUA_CO_SO, Rating.TOT)  # merit
    # requires_title: an initiative, but Lao động tiên tiến is lost to the rating.
    nominate(
        weak,
        "P-CHILANG",
        CHIEN_SI_THI_DUA_CO_SO,
        Rating.HOAN_THANH,
        "Lập bản đồ số theo dõi trật tự xây dựng trên địa bàn phường",
    )

    school = members["TH-CHILANG"]
    teachers = [
        person for person in school if person.position == "Giáo viên" and person != newcomer
    ]
    starred = teachers[:3]
    merits = [
        (Rating.XUAT_SAC, "Một số biện pháp rèn kỹ năng đọc cho học sinh lớp 1"),
        (Rating.TOT, "Đổi mới phương pháp dạy học theo nhóm trong môn Toán"),
        (Rating.XUAT_SAC, ""),
    ]
    nominate_all(
        "TH-CHILANG",
        school,
        {
            newcomer.pk: Rating.TOT,  # tenure
            teachers[-1].pk: Rating.HOAN_THANH,
            **{person.pk: rating for person, (rating, _text) in zip(starred, merits, strict=True)},
        },
    )
    for person, (rating, initiative) in zip(starred, merits, strict=True):
        nominate(person, "TH-CHILANG", CHIEN_SI_THI_DUA_CO_SO, rating, initiative)

    *office, without_title = members["PNV"]
    nominate_all("PNV", office, {})
    nominate(
        without_title,
        "PNV",
        CHIEN_SI_THI_DUA_CO_SO,
        Rating.XUAT_SAC,
        "Xây dựng cơ sở dữ liệu cán bộ, công chức, viên chức dùng chung của thành phố",
    )

    dong_kinh = [person for person in members["P-DONGKINH"] if person != disciplined_last_year]
    nominate_all("P-DONGKINH", dong_kinh, {dong_kinh[0].pk: Rating.XUAT_SAC})
    nominate(
        dong_kinh[0],
        "P-DONGKINH",
        CHIEN_SI_THI_DUA_CO_SO,
        Rating.XUAT_SAC,
        "Ứng dụng mã QR để người dân tra cứu tiến độ giải quyết hồ sơ tại bộ phận một cửa",
    )

    proposed = members["PTNMT"][:5]
    nominate_all("PTNMT", proposed, {proposed[-1].pk: Rating.HOAN_THANH})

    # The units proposed for collective titles; the rule judges them after their members.
    for code, title in (
        ("P-CHILANG", TAP_THE_LAO_DONG_TIEN_TIEN),
        ("TH-CHILANG", TAP_THE_LAO_DONG_TIEN_TIEN),
        ("TH-CHILANG", TAP_THE_LAO_DONG_XUAT_SAC),
        ("PNV", TAP_THE_LAO_DONG_TIEN_TIEN),
        ("PNV", TAP_THE_LAO_DONG_XUAT_SAC),
        ("P-DONGKINH", TAP_THE_LAO_DONG_TIEN_TIEN),
        ("PTNMT", TAP_THE_LAO_DONG_TIEN_TIEN),
    ):
        nominate(None, code, title, "")
    Nomination.objects.bulk_create(nominations)
    evaluate_period(period=period)


def _discipline_this_year(*, accounts, reprimanded, under_review, now) -> None:
    """Two of this year's nominees: one reprimanded in the spring (excluded until the decision's
    effect ends; a reprimand does not bar the ward's collective title), one whose discipline
    procedure is still open (deferred)."""
    today = now.date()
    # Decided in the spring; when the spring is still to come, just now.
    decided_at = min(_at(datetime.date(today.year, 3, 16), 14, 0), now)
    with time_machine.travel(decided_at, tick=False):
        discipline_services.discipline_record(
            number=f"15/QĐ-UBND-{today.year}",
            staff=reprimanded,
            form=DisciplineForm.KHIEN_TRACH,
            status=DisciplineStatus.DECIDED,
            decided_on=decided_at.date(),
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
