"""One term per concept, as a Vietnamese civil servant writes it (WORDING.md): the Vietnamese
catalogue holds none of the terms the list rules out, and the pages that used them now read
right."""

import datetime
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from emulation.models import Period
from inspections.models import ViolationRecord
from portal.reports.tables import month_label
from tests.factories import local, make_staff

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "vi" / "LC_MESSAGES" / "django.po"

# (what WORDING.md rules out, as a pattern over a Vietnamese translation)
RULED_OUT = [
    ("a job title called Chức vụ", r"\bChức vụ\b"),
    ("people waiting to review", r"Người chờ xem xét biên bản"),
    ("chờ duyệt for what the status calls chờ xem xét", r"chờ duyệt"),
    ("Đợt thi đua for an emulation period", r"[Đđ]ợt thi đua"),
    ("a draft named by a database id", r"#%\(pk\)s"),
    ("an English column key in a Vietnamese hint", r"\((staff_code|agency_code|title)\)"),
    ("thanks that do not address the citizen", r"Cảm ơn bạn"),
]


@pytest.mark.parametrize(("concept", "pattern"), RULED_OUT, ids=[c for c, _p in RULED_OUT])
def test_the_catalogue_holds_no_term_the_wording_list_rules_out(concept, pattern):
    found = [
        entry.msgstr
        for entry in polib.pofile(str(CATALOGUE))
        if re.search(pattern, entry.msgstr)
        or any(re.search(pattern, form) for form in entry.msgstr_plural.values())
    ]

    assert found == [], concept


def test_it_names_a_draft_by_its_person_and_time(unit_a):
    staff = make_staff("S001", unit=unit_a, full_name="Nguyễn Văn Hùng")
    record = ViolationRecord.objects.create(
        staff=staff, unit=unit_a, occurred_at=local(2026, 12, 7, 8, 0), type="no_badge"
    )
    ViolationRecord.objects.filter(pk=record.pk).update(created_at=local(2026, 12, 7, 8, 5))
    record.refresh_from_db()

    with translation.override("vi"):
        assert str(record) == "Biên bản nháp của Nguyễn Văn Hùng, lập lúc 08:05, 07/12/2026"


@pytest.mark.parametrize(("language", "label"), [("vi", "Tháng 1"), ("en", "January")])
def test_it_names_the_months(language, label):
    with translation.override(language):
        assert month_label(1) == label


@pytest.mark.parametrize(
    ("language", "heading"), [("vi", "<h1>Năm 2019</h1>"), ("en", "<h1>Year 2019</h1>")]
)
def test_it_names_a_calendar_year_period_once(client, council_member, language, heading):
    Period.objects.create(
        code="2019",
        name="Năm 2019",
        starts_on=datetime.date(2019, 1, 1),
        ends_on=datetime.date(2019, 12, 31),
    )
    client.force_login(council_member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    html = client.get(reverse("emulation:period", args=["2019"])).content.decode()

    assert heading in html
