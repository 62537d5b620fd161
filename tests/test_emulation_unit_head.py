"""The unit head's nominations page: a person found by name, the year's rating and the
initiative, the unit itself for a collective title, and who may post there."""

import datetime
import re

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from emulation.forms import NOBODY_IN_UNIT
from emulation.models import Nomination, Rating, Title, VerdictStatus
from emulation.selectors import reason_texts
from emulation.services import STAFF_OUTSIDE_UNIT, TITLE_NOT_COLLECTIVE, nomination_create
from personnel.forms import SEVERAL_STAFF_MATCH
from personnel.models import Staff
from tests.factories import make_period, make_staff

URL = reverse("emulation:nominations")
RECORDED = "Đã ghi nhận đề nghị khen thưởng."


@pytest.fixture
def people(unit_a, unit_b):
    """Two people of unit A; in unit B, a namesake once diacritics are left out, and another."""
    make_period("2019")
    hung = make_staff("S001", unit=unit_a, full_name="Nguyễn Văn Hùng")
    make_staff("S002", unit=unit_a, full_name="Lê Thị Hoa")
    make_staff("S004", unit=unit_b, full_name="Nguyễn Văn Hưng")
    make_staff("S005", unit=unit_b, full_name="Đỗ Thu Trang")
    Staff.objects.filter(code__in=["S001", "S002"]).update(hired_on=datetime.date(2010, 3, 1))
    hung.refresh_from_db()
    return hung


def _table_rows(html: str) -> list[str]:
    """The rows of the unit's nominations table, as text."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_it_nominates_a_person_typed_by_name_without_diacritics(client, people, unit_head):
    client.force_login(unit_head)

    response = client.post(
        URL,
        {
            "period": "2019",
            "staff_code": "nguyen van hung",
            "title": "lao_dong_tien_tien",
            "rating": Rating.TOT,
            "initiative": "Số hoá sổ hộ tịch của phường",
        },
        follow=True,
    )

    assert response.redirect_chain == [(URL, 302)]
    html = response.content.decode()
    assert RECORDED in html
    nomination = Nomination.objects.get()
    assert (nomination.staff, nomination.unit, nomination.submitted_by) == (
        people,
        unit_head.unit,
        unit_head,
    )
    assert (nomination.rating, nomination.initiative) == ("tot", "Số hoá sổ hộ tịch của phường")
    verdict = nomination.effective_verdict
    assert (verdict.status, verdict.unchecked) == (VerdictStatus.ELIGIBLE, "")
    [row] = _table_rows(html)
    assert "S001 Nguyễn Văn Hùng" in row
    assert escape(str(Rating.TOT.label)) in row
    assert "Số hoá sổ hộ tịch của phường" in row
    assert str(VerdictStatus.ELIGIBLE.label) in row


def test_it_shows_the_reason_a_rating_excludes(client, people, unit_head):
    client.force_login(unit_head)

    client.post(
        URL,
        {
            "period": "2019",
            "staff_code": "Hùng",
            "title": "lao_dong_tien_tien",
            "rating": Rating.HOAN_THANH,
        },
    )
    html = client.get(URL).content.decode()

    nomination = Nomination.objects.get()
    assert (nomination.rating, nomination.initiative) == ("hoan_thanh", "")
    assert nomination.verdict.status == VerdictStatus.EXCLUDED
    [row] = _table_rows(html)
    assert str(VerdictStatus.EXCLUDED.label) in row
    [reason] = reason_texts(nomination)
    assert escape(str(Rating.HOAN_THANH.label)) in reason
    assert escape(reason) in row


def test_it_leaves_rating_and_initiative_out_when_not_given(client, people, unit_head):
    client.force_login(unit_head)

    client.post(URL, {"period": "2019", "staff_code": "s001", "title": "lao_dong_tien_tien"})

    nomination = Nomination.objects.get()
    assert (nomination.staff, nomination.rating, nomination.initiative) == (people, "", "")
    assert nomination.verdict.unchecked_criteria == ["rating"]


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        # By name the search looks in the unit only.
        ("do thu trang", NOBODY_IN_UNIT),
        # By code the person is found, and the service says they are not of the unit.
        ("S005", STAFF_OUTSIDE_UNIT),
    ],
)
def test_it_refuses_a_person_of_another_unit(client, people, unit_head, typed, refusal):
    client.force_login(unit_head)

    response = client.post(
        URL, {"period": "2019", "staff_code": typed, "title": "lao_dong_tien_tien"}
    )

    assert response.status_code == 200
    assert escape(str(refusal)) in response.content.decode()
    assert Nomination.objects.count() == 0


def test_it_asks_for_the_code_when_several_people_of_the_unit_match(
    client, people, unit_a, unit_head
):
    make_staff("S003", unit=unit_a, full_name="Nguyễn Văn Hưng")
    client.force_login(unit_head)

    response = client.post(
        URL, {"period": "2019", "staff_code": "nguyen van h", "title": "lao_dong_tien_tien"}
    )

    expected = str(SEVERAL_STAFF_MATCH) % {
        "people": "Nguyễn Văn Hùng (S001, Phường Đông Kinh), "
        "Nguyễn Văn Hưng (S003, Phường Đông Kinh)"
    }
    assert escape(expected) in response.content.decode()
    assert Nomination.objects.count() == 0


def test_it_nominates_the_unit_for_a_collective_title(client, people, unit_head):
    client.force_login(unit_head)

    response = client.post(
        URL,
        {
            "nominee": "unit",
            "collective-period": "2019",
            "collective-title": "tap_the_lao_dong_tien_tien",
        },
        follow=True,
    )

    html = response.content.decode()
    assert RECORDED in html
    nomination = Nomination.objects.get()
    assert (nomination.staff, nomination.unit, nomination.title.code) == (
        None,
        unit_head.unit,
        "tap_the_lao_dong_tien_tien",
    )
    assert nomination.submitted_by == unit_head
    assert nomination.verdict.status in VerdictStatus.values
    [row] = _table_rows(html)
    assert row.startswith(f"2019 — {unit_head.unit.name} Tập thể lao động tiên tiến")


def test_it_offers_only_collective_titles_for_the_unit(client, people, unit_head):
    client.force_login(unit_head)

    response = client.get(URL)

    collective = response.context["collective_form"]
    individual = response.context["form"]
    assert [code for code, _ in collective.fields["title"].widget.choices] == [
        "tap_the_lao_dong_tien_tien",
        "tap_the_lao_dong_xuat_sac",
    ]
    assert "staff_code" not in collective.fields
    assert [code for code, _ in individual.fields["title"].widget.choices] == [
        "chien_si_thi_dua_co_so",
        "giay_khen",
        "lao_dong_tien_tien",
    ]
    html = response.content.decode()
    assert 'name="collective-title"' in html
    # The suggestion list holds the unit's people only.
    datalist = html.split('<datalist id="unit-staff">', 1)[1].split("</datalist>", 1)[0]
    assert "Nguyễn Văn Hùng" in datalist
    assert "Nguyễn Văn Hưng" not in datalist
    # Three forms on one page, each label naming its own field.
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("posted", "refusal"),
    [
        (
            {"nominee": "unit", "collective-period": "2019", "collective-title": "giay_khen"},
            TITLE_NOT_COLLECTIVE,
        ),
        (
            {
                "period": "2019",
                "staff_code": "S001",
                "title": "lao_dong_tien_tien",
                "rating": "gioi",
            },
            forms.ChoiceField.default_error_messages["invalid_choice"] % {"value": "gioi"},
        ),
    ],
    ids=["individual title for the unit", "unknown rating"],
)
def test_it_refuses_with_a_message(client, people, unit_head, posted, refusal):
    client.force_login(unit_head)

    response = client.post(URL, posted)

    assert response.status_code == 200
    assert escape(str(refusal)) in response.content.decode()
    assert Nomination.objects.count() == 0


@pytest.mark.parametrize("persona", ["reviewer", "council_member", "inspector", "outsider"])
def test_it_lets_only_unit_heads_nominate_a_unit(client, request, people, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(
        URL,
        {
            "nominee": "unit",
            "collective-period": "2019",
            "collective-title": "tap_the_lao_dong_tien_tien",
        },
    )

    assert response.status_code == 403
    assert Nomination.objects.count() == 0


def test_it_reads_the_page_in_the_same_queries_for_more_nominations(client, people, unit_head):
    unit = unit_head.unit
    client.force_login(unit_head)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    nomination_create(
        period_code="2019", title_code="lao_dong_tien_tien", unit=unit, submitted_by=None,
        staff_code="S001", rating="tot",
    )  # fmt: skip
    few = page_queries()
    nomination_create(
        period_code="2019", title_code="lao_dong_tien_tien", unit=unit, submitted_by=None,
        staff_code="S002", rating="hoan_thanh", initiative="Sáng kiến",
    )  # fmt: skip
    for title in Title.objects.filter(kind="collective"):
        nomination_create(period_code="2019", title_code=title.code, unit=unit, submitted_by=None)
    more = page_queries()

    assert len(_table_rows(client.get(URL).content.decode())) == 4
    # Session, user; open periods and titles for the person's form, again for the unit's; the
    # unit's nominations with their verdicts, their reasons (none to read while the one
    # nomination is plainly eligible, without a verdict row); open periods for the upload; the
    # unit's people for the suggestion list.
    assert (few, more) == (9, 10)


def test_it_offers_only_the_periods_that_still_collect(client, people, unit_head):
    with_the_council = make_period("2018", start=(2018, 1, 1), end=(2018, 12, 31))
    with_the_council.status = "council_review"
    with_the_council.save(update_fields=["status"])
    client.force_login(unit_head)

    response = client.get(URL)

    for form in (response.context["form"], response.context["collective_form"]):
        assert [code for code, _ in form.fields["period"].widget.choices] == ["2019"]
