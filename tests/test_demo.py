"""The demo: one account per role, each signs in with its generated password to its own menu."""

import contextlib
import datetime
import json
import stat
from binascii import unhexlify
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp

from emulation.models import ReasonKind
from personnel.models import Unit, User

MENU_BY_ACCOUNT = {
    "thanhtra": {"Đợt kiểm tra", "Cán bộ", "Đơn vị"},
    "noivu": {"Đợt kiểm tra", "Biên bản chờ xem xét", "Kỳ xét thi đua", "Cán bộ", "Đơn vị"},
    "hoidong": {"Kỳ xét thi đua"},
    "truongdonvi": {"Cán bộ", "Đơn vị của tôi"},
    "quantri": {
        "Đợt kiểm tra",
        "Biên bản chờ xem xét",
        "Kỳ xét thi đua",
        "Cán bộ",
        "Đơn vị",
        "Đơn vị của tôi",
        "Quản trị hệ thống",
    },
}
ALL_MENU_LABELS = set().union(*MENU_BY_ACCOUNT.values())
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def read_accounts(path):
    return {
        username: password
        for _role, username, password in (
            line.split("\t") for line in path.read_text().splitlines()
        )
    }


def test_it_signs_each_demo_account_in_to_its_own_menu(client, db, tmp_path, capsys):
    accounts_file = tmp_path / "demo-accounts.txt"

    call_command("seed_demo", accounts_file=str(accounts_file))

    printed = capsys.readouterr().out
    accounts = read_accounts(accounts_file)
    assert set(accounts) == set(MENU_BY_ACCOUNT)
    for username, password in accounts.items():
        assert f"{username}" in printed and password in printed
        client.logout()
        response = client.post(reverse("login"), {"username": username, "password": password})
        assert response.status_code == 302, username
        if username == "quantri":
            # The administrator must set up two-factor sign-in before anything else.
            assert client.get(reverse("home"))["Location"].startswith(reverse("twofactor:enrol"))
            client.get(reverse("twofactor:enrol"))
            code = totp(unhexlify(client.session["twofactor_enrol_key"]))
            client.post(reverse("twofactor:enrol"), {"code": f"{code:06d}"})
        html = client.get(reverse("home")).content.decode()
        shown = {label for label in ALL_MENU_LABELS if f">{label}</a>" in html}
        assert shown == MENU_BY_ACCOUNT[username], username


def test_it_keeps_the_passwords_private_and_unique(db, tmp_path):
    accounts_file = tmp_path / "demo-accounts.txt"

    call_command("seed_demo", accounts_file=str(accounts_file))

    passwords = list(read_accounts(accounts_file).values())
    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600
    assert len(set(passwords)) == len(passwords)
    assert all(len(password) >= 12 for password in passwords)


def test_it_loads_the_demo_twice_without_changing_anything(db, tmp_path):
    accounts_file = tmp_path / "demo-accounts.txt"
    call_command("seed_demo", accounts_file=str(accounts_file))
    first = accounts_file.read_text()
    counts = (Unit.objects.count(), User.objects.count())

    call_command("seed_demo", accounts_file=str(accounts_file))

    assert accounts_file.read_text() == first
    assert (Unit.objects.count(), User.objects.count()) == counts


def test_it_does_not_reload_a_database_that_has_data(db, tmp_path, capsys):
    Unit.objects.create(code="UBND", name="Ủy ban đã có", kind="other")

    call_command("seed_demo", if_empty=True, accounts_file=str(tmp_path / "accounts.txt"))

    assert Unit.objects.get().name == "Ủy ban đã có"
    assert "the demo was not loaded again" in capsys.readouterr().out
    assert not User.objects.exists()


def test_it_builds_the_citys_49_units_with_staff_and_regulations(db, tmp_path):
    from django.db.models import Count

    from personnel.selectors import regulation_coverage

    call_command("seed_demo", accounts_file=str(tmp_path / "accounts.txt"))

    root = Unit.objects.get(code="UBND-LS")
    under_root = Unit.objects.filter(parent=root).annotate(people=Count("postings"))
    assert under_root.count() == 49
    assert min(unit.people for unit in under_root) >= 7
    assert regulation_coverage(
        start=datetime.date(2018, 1, 1), end=datetime.date(2019, 12, 31)
    ) == {"total": 50, "covered": 50, "percent": 100}
    assert User.objects.get(username="truongdonvi").unit.name == "Phường Chi Lăng"


def test_it_reproduces_the_articles_figures(db, tmp_path):
    from django.db.models import Count

    from inspections.models import CitizenReport, InspectionRound, RecordStatus, ViolationRecord
    from inspections.models import Visit as InspectionVisit

    call_command("seed_demo", accounts_file=str(tmp_path / "accounts.txt"))

    visits_2019 = InspectionVisit.objects.filter(started_at__year=2019)
    per_unit = [row["visits"] for row in visits_2019.values("unit").annotate(visits=Count("id"))]
    confirmed = ViolationRecord.objects.filter(status=RecordStatus.CONFIRMED)
    assert InspectionRound.objects.filter(starts_on__year=2019, kind="surprise").count() == 6
    assert len(per_unit) == 49
    assert sum(1 for visits in per_unit if visits in (2, 3)) == 26  # more than half of 49
    assert max(per_unit) == 3
    assert confirmed.filter(occurred_at__year=2019).count() == 20
    assert (
        InspectionVisit.objects.filter(
            started_at__date__gte="2020-01-01", started_at__date__lte="2020-03-30"
        )
        .values("unit")
        .distinct()
        .count()
        == 13
    )
    assert not ViolationRecord.objects.filter(occurred_at__year=2020).exists()
    # Something waits in the reviewer's queues.
    assert ViolationRecord.objects.filter(status=RecordStatus.SUBMITTED).count() == 2
    assert CitizenReport.objects.count() == 3

    out = StringIO()
    call_command("eligibility", period="2019", format="json", stdout=out)
    verdicts = json.loads(out.getvalue())["nominations"]
    excluded = [entry for entry in verdicts if entry["status"] == "excluded"]
    assert len(verdicts) > 700
    assert len({entry["staff_code"] for entry in excluded}) == len(excluded) == 3
    assert all(reason["status"] == "confirmed" for entry in excluded for reason in entry["reasons"])
    # Everyone is rated well and has served long enough; a Chiến sĩ thi đua cơ sở nominee has
    # an initiative (most of them) or an excellent year: the criteria exclude nobody.
    assert {entry["rating"] for entry in verdicts} == {"xuat_sac", "tot"}
    assert not any(entry["unchecked"] for entry in verdicts)
    stars = [entry for entry in verdicts if entry["title"] == "chien_si_thi_dua_co_so"]
    assert sum(1 for entry in stars if entry["initiative"]) > len(stars) / 2
    assert all(entry["initiative"] or entry["rating"] == "xuat_sac" for entry in stars)
    assert all(entry["staff_code"] for entry in verdicts)


def test_it_gives_the_articles_yearly_figures_in_the_discipline_report(db, tmp_path):
    call_command("seed_demo", accounts_file=str(tmp_path / "accounts.txt"))

    def report(year):
        out = StringIO()
        call_command("discipline_report", year=year, format="json", stdout=out)
        return json.loads(out.getvalue())

    figures_2019, figures_2020 = report(2019), report(2020)

    assert {key: figures_2019[key] for key in EXCHANGE_KEYS} == {
        "year": 2019,
        "rounds": 6,
        "units_inspected": 49,
        "units_inspected_more_than_once": 26,
        "max_inspections_per_unit": 3,
        "violation_records": 20,
        "violations_by_type": {
            "absent_without_reason": 3,
            "late_or_early_leave": 6,
            "no_badge": 7,
            "alcohol_on_duty": 1,
            "improper_conduct": 2,
            "task_not_completed": 1,
            "other": 0,
        },
        "nominees_excluded": 3,
    }
    assert figures_2020["units_inspected"] == 13
    assert figures_2020["violation_records"] == 0
    assert figures_2020["nominees_excluded"] == 0


EXCHANGE_KEYS = [
    "year",
    "rounds",
    "units_inspected",
    "units_inspected_more_than_once",
    "max_inspections_per_unit",
    "violation_records",
    "violations_by_type",
    "nominees_excluded",
]


REASON_KINDS = set(ReasonKind.values)


# Today, and a day of the first half of a year: the teacher recruited in September is then
# still to come, and her tenure falls short all the same.
@pytest.mark.parametrize(
    "day", [None, datetime.datetime(2027, 3, 10, 10, 0, tzinfo=LOCAL)], ids=["today", "march"]
)
def test_it_shows_every_kind_of_reason_in_this_years_list(db, tmp_path, day):
    with time_machine.travel(day, tick=False) if day else contextlib.nullcontext():
        call_command("seed_demo", accounts_file=str(tmp_path / "accounts.txt"))
        year = str(timezone.localdate().year)
    out = StringIO()
    call_command("eligibility", period=year, format="json", stdout=out)

    nominations = json.loads(out.getvalue())["nominations"]
    reasons = [
        (nomination["status"], reason["kind"], reason.get("status"))
        for nomination in nominations
        for reason in nomination["reasons"]
    ]
    assert {kind for _status, kind, _reason_status in reasons} == REASON_KINDS
    assert ("excluded", "discipline", "decided") in reasons
    assert ("pending", "discipline", "under_review") in reasons
    assert ("pending", "violation", "submitted") in reasons
    # Eligible, not fully checked: a rating not entered yet.
    assert any(n["status"] == "eligible" and n["unchecked"] for n in nominations)
    assert all(n["rating"] or n["unchecked"] for n in nominations if n["staff_code"])
    collectives = [n for n in nominations if not n["staff_code"]]
    by_title = {}
    for nomination in collectives:
        by_title.setdefault(nomination["title"], set()).add(nomination["agency_code"])
    assert len(by_title["tap_the_lao_dong_tien_tien"]) >= 3
    assert 1 <= len(by_title["tap_the_lao_dong_xuat_sac"]) <= 2
    assert {n["title"] for n in collectives if n["status"] == "eligible"} == set(by_title)


def test_it_disciplines_nobody_in_the_articles_years(db, tmp_path):
    from inspections.models import DisciplineDecision

    call_command("seed_demo", accounts_file=str(tmp_path / "accounts.txt"))

    assert not DisciplineDecision.objects.filter(decided_on__year__in=[2018, 2019]).exists()
    # The later years have some.
    this_year = timezone.localdate().year
    years = set(DisciplineDecision.objects.values_list("decided_on__year", flat=True)) - {None}
    assert min(years) > 2019
    assert len(years - {this_year}) >= 2
    assert DisciplineDecision.objects.filter(
        decided_on__year=this_year - 1, form="canh_cao", status="decided"
    ).exists()


# Today's part is made with the clock: it must look like a working day whenever it is loaded.
MOMENTS = {
    "today": None,
    "monday-0700": datetime.datetime(2027, 3, 8, 7, 0, tzinfo=LOCAL),
    "wednesday-1000": datetime.datetime(2027, 3, 10, 10, 0, tzinfo=LOCAL),
    "friday-1730": datetime.datetime(2027, 3, 12, 17, 30, tzinfo=LOCAL),
    "sunday-0300": datetime.datetime(2027, 3, 14, 3, 0, tzinfo=LOCAL),
}
OFFICE_HOURS = [
    (datetime.time(7, 30), datetime.time(11, 30)),
    (datetime.time(13, 30), datetime.time(16, 30)),
]


def load_demo_at(moment, tmp_path):
    """Load the demo at `moment` (None: now); the moment the load ended."""
    with time_machine.travel(moment, tick=False) if moment else contextlib.nullcontext():
        call_command("seed_demo", accounts_file=str(tmp_path / "accounts.txt"))
        return timezone.now()


def in_office_hours(moment):
    local = timezone.localtime(moment)
    return local.weekday() < 5 and any(
        opens <= local.time() <= closes for opens, closes in OFFICE_HOURS
    )


@pytest.mark.parametrize("moment", MOMENTS.values(), ids=MOMENTS.keys())
def test_it_starts_todays_visits_in_office_hours_on_a_working_day(db, tmp_path, moment):
    from inspections.models import InspectionRound, RecordStatus, RollCallEntry, ViolationRecord

    now = load_demo_at(moment, tmp_path)

    todays_round = InspectionRound.objects.get(code__endswith="-DX")
    visits = list(todays_round.visits.order_by("started_at"))
    assert len(visits) >= 3
    for visit in visits:
        assert in_office_hours(visit.started_at), visit
        assert visit.started_at <= now
    *ended, under_way = visits
    # One visit under way, the latest, on the last working day; the earlier ones ended later
    # the same day, before it.
    assert under_way.finished_at is None
    assert now - under_way.started_at < datetime.timedelta(days=3)
    for visit in ended:
        assert visit.finished_at is not None, visit
        assert in_office_hours(visit.finished_at), visit
        assert timezone.localdate(visit.finished_at) == timezone.localdate(visit.started_at)
        assert visit.started_at < visit.finished_at < under_way.started_at
    # Whatever the team wrote or noted, it did so during the visit, never after now.
    records = ViolationRecord.objects.filter(visit__round=todays_round).select_related("visit")
    assert records.count() == 3
    for record in records:
        visit = record.visit
        assert visit.started_at.replace(second=0, microsecond=0) <= record.occurred_at
        assert record.occurred_at <= (visit.finished_at or now)
    entries = RollCallEntry.objects.filter(visit__round=todays_round).select_related("visit")
    assert entries.exists()
    for entry in entries:
        assert entry.visit.started_at <= entry.noted_at <= (entry.visit.finished_at or now)
        if entry.attendance == "late":
            assert timezone.localtime(entry.noted_at).time() < datetime.time(11, 30)
    assert entries.filter(attendance="late", record__isnull=False).exists()
    # Two minutes wait in the reviewer's queue, one is still a draft.
    statuses = sorted(records.values_list("status", flat=True))
    assert statuses == [RecordStatus.DRAFT, RecordStatus.SUBMITTED, RecordStatus.SUBMITTED]


@pytest.mark.parametrize(
    "moment", [MOMENTS["today"], MOMENTS["monday-0700"]], ids=["today", "monday-0700"]
)
def test_it_spreads_the_citizen_reports_over_the_last_days(db, tmp_path, moment):
    from inspections.models import CitizenReport

    now = load_demo_at(moment, tmp_path)

    reports = list(CitizenReport.objects.order_by("created_at"))
    arrivals = [report.created_at for report in reports]
    assert len(reports) == 3
    assert len(set(arrivals)) == 3
    assert len({timezone.localdate(arrival) for arrival in arrivals}) > 1
    for report in reports:
        # What happened at the unit happened in office hours, some hours before it was told.
        assert in_office_hours(report.occurred_at), report
        assert report.occurred_at < report.created_at <= now
        assert 6 <= timezone.localtime(report.created_at).hour < 23
    assert sorted(report.status for report in reports) == ["received", "received", "verifying"]
    (verifying,) = [report for report in reports if report.status == "verifying"]
    assert in_office_hours(verifying.verification_started_at)
    assert verifying.created_at < verifying.verification_started_at <= now


def test_it_gives_the_units_their_official_names_and_the_rounds_their_legal_basis(db, tmp_path):
    from inspections.models import InspectionRound
    from inspections.selectors import legal_basis_missing
    from personnel.selectors import unit_names_on

    call_command("seed_demo", accounts_file=str(tmp_path / "accounts.txt"))

    today = timezone.localdate()
    assert unit_names_on(Unit.objects.get(code="P-CHILANG"), today) == (
        "Ủy ban nhân dân phường Chi Lăng",
        "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN",
    )
    assert unit_names_on(Unit.objects.get(code="PNV"), today) == (
        "Phòng Nội vụ",
        "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN",
    )
    rounds = list(InspectionRound.objects.all())
    assert len(rounds) == 9
    assert not any(legal_basis_missing(inspection_round) for inspection_round in rounds)
