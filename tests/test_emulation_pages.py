"""The council's period pages, the unit head's nominations, the XLSX export and their guards."""

import datetime
import html
import importlib
import re
from io import BytesIO

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from emulation import exports
from emulation.models import Nomination, Period, PeriodStatus, RevocationCase, Title, Verdict
from emulation.services import (
    STAFF_OUTSIDE_UNIT,
    evaluate_period,
    evaluate_person,
    nomination_create,
    period_approve,
    period_start_review,
)
from inspections.models import RecordStatus, ViolationRecord
from inspections.services import record_confirm
from personnel.models import Staff, StaffCategory
from tests.factories import local, make_period, make_record, make_staff


def listed(response) -> list[str]:
    """The first column of the list's rows, as the page shows them: the staff codes, or the
    units' codes on the collectives' tab."""
    return [
        html.unescape(code)
        for code in re.findall(
            r'<tr><td data-label="[^"]*">([^<]*)</td>', response.context["rows_html"]
        )
    ]


def listed_with_verdict(response) -> list[tuple[str, str]]:
    """(staff code, verdict's group) of each of the list's rows, as the page shows them: the
    group from the verdict's class ("unchecked" is eligible, not fully checked)."""
    rows = re.findall(
        r'<tr><td data-label="[^"]*">([^<]*)</td>.*?class="verdict verdict--([a-z_]+)"',
        response.context["rows_html"],
    )
    return [
        (html.unescape(code), "not_fully_checked" if kind == "unchecked" else kind)
        for code, kind in rows
    ]


@pytest.fixture
def period_2019(unit_a, unit_b):
    """Three people of unit A (one excluded, one pending, one eligible without a rating or a
    recruitment date: not fully checked) and one of unit B, eligible, well rated."""
    period = make_period("2019")
    people = {
        "S001": make_staff("S001", unit=unit_a, full_name="Nguyễn Văn Hùng"),
        "S002": make_staff("S002", unit=unit_a, full_name="Lê Thị Hoa"),
        "S003": make_staff("S003", unit=unit_a, full_name="Phạm Minh Tuấn"),
        "S004": make_staff("S004", unit=unit_b, full_name="Đỗ Thu Trang"),
    }
    make_record(people["S001"], local(2019, 3, 12, 8, 0), number="BB-01/2019")
    make_record(people["S002"], local(2019, 4, 2, 8, 0), RecordStatus.SUBMITTED, number="BB-02")
    Staff.objects.filter(code="S004").update(hired_on=datetime.date(2012, 9, 1))
    for code, person in people.items():
        nomination_create(
            period_code="2019",
            staff_code=code,
            title_code="lao_dong_tien_tien",
            unit=person.postings.first().unit,
            submitted_by=None,
            rating="tot" if code == "S004" else "",
        )
    return period


@pytest.fixture
def collective_2019(period_2019, unit_a):
    """Unit A for Tập thể lao động tiên tiến: 1 of its 3 members eligible, fewer than 70%."""
    return nomination_create(
        period_code="2019", title_code="tap_the_lao_dong_tien_tien", unit=unit_a, submitted_by=None
    )


def test_it_lists_the_periods_to_the_council_and_reviewers(
    client, period_2019, council_member, reviewer
):
    for user in (council_member, reviewer):
        client.force_login(user)
        html = client.get(reverse("emulation:periods")).content.decode()
        assert reverse("emulation:period", args=["2019"]) in html
        assert "Năm 2019" in html
        assert "01/01/2019" in html


def test_it_shows_counts_verdicts_and_deciding_records(client, period_2019, council_member):
    client.force_login(council_member)

    response = client.get(reverse("emulation:period", args=["2019"]))

    html = response.content.decode()
    assert response.context["counts"] == {"eligible": 2, "excluded": 1, "pending": 1}
    # The exceptions first: excluded, pending, eligible but not fully checked, eligible.
    assert listed(response) == [
        "S001",
        "S002",
        "S003",
        "S004",
    ]
    assert "Đủ điều kiện, chưa kiểm tra đủ tiêu chuẩn" in html
    assert "Chưa kiểm tra được, thiếu dữ liệu: xếp loại, ngày tuyển dụng" in html
    excluded_by = ViolationRecord.objects.get(number="BB-01/2019")
    pending_on = ViolationRecord.objects.get(number="BB-02")
    record_url = reverse("inspections:record_detail", args=[excluded_by.pk])
    assert f'<a href="{record_url}">BB-01/2019</a> · 12/03/2019 · Không đeo thẻ' in html
    pending_url = reverse("inspections:record_detail", args=[pending_on.pk])
    assert f'<a href="{pending_url}">BB-02</a> · 02/04/2019' in html
    assert reverse("emulation:period_start_review", args=["2019"]) in html


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ({"unit": "X-B"}, ["S004"]),
        ({"status": "excluded"}, ["S001"]),
        ({"status": "eligible", "unit": "P-A"}, ["S003"]),
        ({"title": "chien_si_thi_dua_co_so"}, []),
    ],
)
def test_it_filters_by_unit_title_and_verdict(client, period_2019, reviewer, query, codes):
    client.force_login(reviewer)

    response = client.get(reverse("emulation:period", args=["2019"]), query)

    assert listed(response) == codes


def test_it_keeps_the_counts_in_step_with_each_review(client, period_2019, reviewer):
    pending = ViolationRecord.objects.get(number="BB-02")
    record_confirm(record=pending, reviewer=reviewer)
    client.force_login(reviewer)
    url = reverse("emulation:period", args=["2019"])

    everyone = client.get(url).context["counts"]
    unit_b_only = client.get(url, {"unit": "X-B"}).context["counts"]
    other_title = client.get(url, {"title": "chien_si_thi_dua_co_so"}).context["counts"]

    assert everyone == {"eligible": 2, "excluded": 2, "pending": 0}
    assert unit_b_only == {"eligible": 1, "excluded": 0, "pending": 0}
    assert other_title == {"eligible": 0, "excluded": 0, "pending": 0}


def test_it_filters_by_a_listed_unit_without_looking_it_up_again(client, period_2019, reviewer):
    client.force_login(reviewer)
    url = reverse("emulation:period", args=["2019"])
    client.get(url)

    with CaptureQueriesContext(connection) as unfiltered:
        client.get(url)
    with CaptureQueriesContext(connection) as filtered:
        response = client.get(url, {"unit": "X-B"})

    # The unit comes from the filter's own list: no query more than the whole list's page
    # (one fewer when none of its rows is an exception: no reasons to read).
    assert len(filtered) <= len(unfiltered)
    assert listed(response) == ["S004"]


def test_it_filters_by_a_title_without_looking_it_up_again(client, period_2019, reviewer):
    client.force_login(reviewer)
    url = reverse("emulation:period", args=["2019"])
    client.get(url)

    with CaptureQueriesContext(connection) as unfiltered:
        everyone = client.get(url)
    with CaptureQueriesContext(connection) as filtered:
        response = client.get(url, {"title": "lao_dong_tien_tien"})

    # The title comes from the filter's own list of titles: no query more than the whole list.
    assert len(filtered) == len(unfiltered)
    assert response.context["selected"]["title"].code == "lao_dong_tien_tien"
    assert '<option value="lao_dong_tien_tien" selected>' in response.content.decode()
    assert response.context["rows_html"] == everyone.context["rows_html"]


def test_it_takes_a_typed_unit_code_when_too_many_units_to_list(
    client, period_2019, reviewer, monkeypatch
):
    monkeypatch.setattr("emulation.views.UNIT_CHOICES_SHOWN", 1)
    client.force_login(reviewer)
    url = reverse("emulation:period", args=["2019"])

    typed = client.get(url, {"unit": " X-B "})
    unknown = client.get(url, {"unit": "KHONG-CO"})

    html = typed.content.decode()
    assert '<select id="filter-unit"' not in html
    assert 'name="unit" value="X-B"' in html
    assert "Nhập mã đơn vị" in html
    assert listed(typed) == ["S004"]
    assert typed.context["counts"] == {"eligible": 1, "excluded": 0, "pending": 0}
    assert "Không có đơn vị nào có mã này đề nghị khen thưởng trong kỳ" in unknown.content.decode()
    assert len(listed(unknown)) == 4


def test_it_lets_the_council_open_the_records_its_list_cites_and_no_other(
    client, period_2019, council_member, unit_a
):
    cited = ViolationRecord.objects.get(number="BB-01/2019")
    not_nominated = make_staff("S009", unit=unit_a, full_name="Vũ Văn Nam")
    uncited = make_record(not_nominated, local(2019, 6, 1, 8, 0), number="BB-09/2019")
    client.force_login(council_member)

    period_page = client.get(reverse("emulation:period", args=["2019"])).content.decode()
    record_page = client.get(reverse("inspections:record_detail", args=[cited.pk]))
    minutes = client.get(reverse("inspections:record_pdf", args=[cited.pk]))
    other = client.get(reverse("inspections:record_detail", args=[uncited.pk]))

    assert f'href="{reverse("inspections:record_detail", args=[cited.pk])}"' in period_page
    assert record_page.status_code == 200
    assert "BB-01/2019" in record_page.content.decode()
    assert minutes["Content-Type"] == "application/pdf"
    assert other.status_code == 404


def test_it_shows_reviewers_no_action(client, period_2019, reviewer):
    client.force_login(reviewer)

    html = client.get(reverse("emulation:period", args=["2019"])).content.decode()

    assert reverse("emulation:period_start_review", args=["2019"]) not in html
    assert reverse("emulation:period_approve", args=["2019"]) not in html


def build_large_period(count: int, unit, *, checked: bool = False) -> Period:
    """`count` people nominated for Lao động tiên tiến, every other one excluded by a record;
    the others eligible, not fully checked (no rating, no recruitment date), or with `checked`
    plainly eligible (no verdict row)."""
    period = make_period(f"L{count}")
    title = Title.objects.get(code="lao_dong_tien_tien")
    people = Staff.objects.bulk_create(
        Staff(
            code=f"L{i:05}",
            full_name="Trần Văn An",
            category=StaffCategory.CONG_CHUC,
            hired_on=datetime.date(2010, 1, 1) if checked else None,
        )
        for i in range(count)
    )
    Nomination.objects.bulk_create(
        Nomination(
            period=period, staff=person, title=title, unit=unit, rating="tot" if checked else ""
        )
        for person in people
    )
    for person in people[::2]:
        make_record(person, local(2019, 5, 1, 8, 0), unit=unit)
    evaluate_period(period=period)
    return period


@pytest.mark.parametrize("checked", [False, True])
@pytest.mark.parametrize("count", [10, 1000])
def test_it_serves_first_and_last_pages_in_fixed_queries(
    client, unit_a, council_member, count, checked, django_assert_num_queries
):
    period = build_large_period(count, unit_a, checked=checked)
    # The exceptions first: the excluded (even numbers), then the eligible (with `checked`,
    # without a verdict row: the first page holds both kinds, the last only the eligible).
    ordered = Nomination.objects.filter(period=period).order_by(
        F("verdict__status").desc(nulls_last=True), "staff__code"
    )
    assert ordered.first().verdict.status == "excluded"
    last_but_one = ordered.values_list("pk", flat=True)[max(count - 51, 0)]
    client.force_login(council_member)
    url = reverse("emulation:period", args=[period.code])

    # 1 session, 2 the user with their roles, 3 period with its secretary and council meeting,
    # 4 counts (one aggregate), 5 the page with staff, title, unit and verdict, 6 its reasons
    # with their records and decisions, 7 whether there are collectives, 8 the list's history,
    # 9 units of the filter, 10 titles of the filter, 11 the council members who may be its
    # secretary (the session, saved at sign-in, is not saved again within a minute). Open
    # revocation cases are read only on an approved list: none can be open before.
    with django_assert_num_queries(11):
        first = client.get(url)
    # The same plus reading the key of the row the page starts after; less the reasons when
    # the page holds no exception (all plainly eligible, without a verdict row).
    with django_assert_num_queries(11 if checked and count > 100 else 12):
        last = client.get(url, {"after": last_but_one})

    assert len(listed(first)) == min(count, 50)
    assert first.context["counts"]["excluded"] == len(range(0, count, 2))
    assert last.context["page"].next_after is None
    assert listed(last)[-1] == f"L{count - 1:05}"


def walk(client, url, query=None) -> list[tuple[str, str]]:
    """Every page of the council's list from the first: (staff code, group) of each row."""
    seen, after = [], None
    while True:
        response = client.get(url, {**(query or {}), **({"after": after} if after else {})})
        seen += listed_with_verdict(response)
        page = response.context["page"]
        if page.next_after is None:
            return seen
        after = page.next_after


@pytest.mark.parametrize(
    ("checked", "eligible"), [(False, "not_fully_checked"), (True, "eligible")]
)
def test_it_walks_all_pages_without_gaps(client, unit_a, council_member, checked, eligible):
    period = build_large_period(120, unit_a, checked=checked)
    client.force_login(council_member)
    url = reverse("emulation:period", args=[period.code])

    seen = walk(client, url)

    # The excluded first (a record for every other person), then the eligible.
    assert seen == [(f"L{i:05}", "excluded") for i in range(0, 120, 2)] + [
        (f"L{i:05}", eligible) for i in range(1, 120, 2)
    ]


def test_it_lists_the_plainly_eligible_after_the_not_fully_checked_under_each_filter(
    client, unit_a, council_member
):
    period = build_large_period(120, unit_a, checked=True)
    # Ten without a rating: eligible, not fully checked (a verdict row each).
    unrated = Nomination.objects.filter(
        period=period, staff__code__in=[f"L{i:05}" for i in range(61, 81, 2)]
    )
    unrated.update(rating="")
    evaluate_period(period=period)
    client.force_login(council_member)
    url = reverse("emulation:period", args=[period.code])
    unchecked = [(f"L{i:05}", "not_fully_checked") for i in range(61, 81, 2)]
    plain = [(f"L{i:05}", "eligible") for i in range(1, 120, 2) if not 61 <= i < 81]

    assert walk(client, url, {"status": "eligible"}) == unchecked + plain
    assert walk(client, url, {"status": "not_fully_checked"}) == unchecked
    assert walk(client, url, {"unit": unit_a.code, "title": "lao_dong_tien_tien"})[60:] == (
        unchecked + plain
    )
    counts = client.get(url).context["counts"]
    assert counts == {"eligible": 60, "excluded": 60, "pending": 0}


@pytest.mark.postgresql
@pytest.mark.parametrize("checked", [False, True])
@pytest.mark.parametrize("query", [{}, {"status": "eligible"}, {"title": "lao_dong_tien_tien"}])
def test_it_reads_a_late_page_in_order_from_an_index_without_sorting(
    client, unit_a, council_member, query, checked
):
    period = build_large_period(120, unit_a, checked=checked)
    client.force_login(council_member)
    url = reverse("emulation:period", args=[period.code])
    after = client.get(url, query).context["page"].next_after

    with CaptureQueriesContext(connection) as captured:
        client.get(url, {**query, "after": after})

    page_sql = next(q["sql"] for q in captured if "LIMIT 51" in q["sql"])
    with connection.cursor() as cursor:
        # A few hundred rows: without these the planner rightly prefers reading the table, or
        # a bitmap of a few rows sorted after; an index that does not hold the page's order
        # still needs a Sort with them.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {page_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    lines = plan.splitlines()
    # The plainly eligible from the nomination's order index; the exceptions, unless the page
    # starts past them, from the verdict's.
    assert "nomination_people_" in plan, plan
    # Skipping the nominations with a verdict row as an anti-join, which PostgreSQL estimates
    # (an outer join's NULL test it took for one row, and read the whole period for a page).
    assert "Anti Join" in plan, plan
    past_exceptions = checked and query.get("status") == "eligible"
    assert ("verdict_people_" in plan) != past_exceptions, plan
    # Each part is read in its order, at most a page and one: the only Sort is the one above
    # the two parts (their Append), of 102 rows at most.
    sorts = [n for n, line in enumerate(lines) if "Sort  (" in line]
    appends = [n for n, line in enumerate(lines) if "Append  (" in line]
    assert len(sorts) <= 1 and all(appends and n < appends[0] for n in sorts), plan
    # The key of the page after is where the index scan starts, not a filter over what it
    # read before it.
    starts = [line for line in lines if "Index Cond" in line and "ROW(" in line]
    assert starts, plan


def test_it_lists_a_period_stored_before_the_order_was_kept_in_the_same_order(
    client, unit_a, council_member
):
    from django.apps import apps

    backfill = importlib.import_module(
        "emulation.migrations.0012_verdict_list_order"
    ).copy_list_order
    period = build_large_period(60, unit_a)
    url = reverse("emulation:period", args=[period.code])
    client.force_login(council_member)
    before = listed(client.get(url))
    # As the verdicts stood before the migration: no group, no codes (the migration adds the
    # columns with these values, then copies the places).
    Verdict.objects.filter(period=period).update(list_group=3, list_code="", list_title="")

    backfill(apps, None)

    after = listed(client.get(url))
    assert after == before
    assert after[:30] == [f"L{i:05}" for i in range(0, 60, 2)]


def test_a_period_stored_with_every_verdict_keeps_its_list_after_the_migration_and_back(
    client, unit_a, council_member
):
    from django.apps import apps

    migration = importlib.import_module("emulation.migrations.0013_nomination_list_codes")
    period = build_large_period(60, unit_a, checked=True)
    url = reverse("emulation:period", args=[period.code])
    client.force_login(council_member)
    before = walk(client, url)
    exceptions = sorted(Verdict.objects.values_list("nomination_id", "status"))
    # As a period stood before it: a verdict row for every nomination, no codes on them.
    migration.write_plainly_eligible(apps, None)
    assert Verdict.objects.count() == 60
    Nomination.objects.update(list_code="", list_title="")

    migration.copy_codes(apps, None)
    migration.drop_plainly_eligible(apps, None)

    assert sorted(Verdict.objects.values_list("nomination_id", "status")) == exceptions
    assert walk(client, url) == before
    assert before[30:] == [(f"L{i:05}", "eligible") for i in range(1, 60, 2)]


def test_every_writer_gives_a_nomination_its_codes_for_the_list(unit_a, period_2019):
    title = Title.objects.get(code="tap_the_lao_dong_tien_tien")
    person = Staff.objects.create(code="C-1", full_name="Lê Văn Ba")

    created = Nomination.objects.create(
        period=period_2019, staff=person, title=Title.objects.get(code="lao_dong_tien_tien"),
        unit=unit_a,
    )  # fmt: skip
    [bulk] = Nomination.objects.bulk_create(
        [Nomination(period=period_2019, title_id=title.pk, unit_id=unit_a.pk)]
    )

    assert list(
        Nomination.objects.filter(pk__in=[created.pk, bulk.pk])
        .order_by("pk")
        .values_list("list_code", "list_title")
    ) == [("C-1", "lao_dong_tien_tien"), (unit_a.code, "tap_the_lao_dong_tien_tien")]


# --- Actions and their guards ------------------------------------------------------------------


def test_it_approves_with_the_pending_nomination_deferred(client, period_2019, council_member):
    client.force_login(council_member)

    client.post(reverse("emulation:period_start_review", args=["2019"]), {"confirmed": "yes"})
    response = client.post(
        reverse("emulation:period_approve", args=["2019"]), {"confirmed": "yes"}, follow=True
    )

    period_2019.refresh_from_db()
    assert period_2019.status == PeriodStatus.APPROVED
    html = client.get(
        reverse("emulation:period", args=["2019"]), {"status": "pending"}
    ).content.decode()
    assert response.status_code == 200
    assert "Lê Thị Hoa" in html and "Chờ xem xét" in html


def test_it_approves_and_freezes(client, period_2019, council_member):
    record = make_record(
        Staff.objects.get(code="S002"), local(2019, 4, 2, 8, 0), RecordStatus.DISMISSED
    )
    Staff.objects.get(code="S002").records.exclude(pk=record.pk).update(status="dismissed")
    evaluate_person(staff=Staff.objects.get(code="S002"))
    client.force_login(council_member)
    client.post(reverse("emulation:period_start_review", args=["2019"]), {"confirmed": "yes"})

    response = client.post(reverse("emulation:period_approve", args=["2019"]), {"confirmed": "yes"})

    period_2019.refresh_from_db()
    assert response.status_code == 302
    assert period_2019.status == PeriodStatus.APPROVED
    assert period_2019.approved_by == council_member


@pytest.fixture
def revocation_case(period_2019, council_member):
    hoa = Staff.objects.get(code="S002")
    hoa.records.update(status=RecordStatus.DISMISSED)
    evaluate_person(staff=hoa)
    period_start_review(period=period_2019, user=council_member)
    period_approve(period=period_2019, user=council_member)
    make_record(Staff.objects.get(code="S003"), local(2019, 12, 1, 8, 0), number="BB-LATE")
    evaluate_person(staff=Staff.objects.get(code="S003"))
    return RevocationCase.objects.get()


def test_it_lists_open_cases_and_resolves_them(client, revocation_case, council_member):
    client.force_login(council_member)
    url = reverse("emulation:period", args=["2019"])

    before = client.get(url).content.decode()
    client.post(
        reverse("emulation:revocation_resolve", args=[revocation_case.pk]),
        {"outcome": "closed", "reason": "Đã xác minh lại", "confirmed": "yes"},
    )
    after = client.get(url).content.decode()

    revocation_case.refresh_from_db()
    assert "BB-LATE" in before
    assert "BB-LATE" not in after
    assert (revocation_case.status, revocation_case.reason) == ("closed", "Đã xác minh lại")


@pytest.mark.parametrize("persona", ["reviewer", "unit_head", "inspector", "outsider"])
@pytest.mark.parametrize("action", ["period_start_review", "period_approve"])
def test_it_lets_only_the_council_move_a_period(client, request, period_2019, persona, action):
    client.force_login(request.getfixturevalue(persona))
    verdicts = list(Verdict.objects.order_by("pk").values())

    response = client.post(reverse(f"emulation:{action}", args=["2019"]))

    assert response.status_code == 403
    period_2019.refresh_from_db()
    assert period_2019.status == PeriodStatus.COLLECTING
    assert list(Verdict.objects.order_by("pk").values()) == verdicts


@pytest.mark.parametrize("persona", ["reviewer", "unit_head", "inspector", "outsider"])
def test_it_lets_only_the_council_resolve_a_case(client, request, revocation_case, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(
        reverse("emulation:revocation_resolve", args=[revocation_case.pk]),
        {"outcome": "revoked", "reason": "", "confirmed": "yes"},
    )

    assert response.status_code == 403
    revocation_case.refresh_from_db()
    assert revocation_case.status == "open"


@pytest.mark.parametrize("persona", ["unit_head", "inspector", "outsider"])
def test_it_keeps_the_lists_from_other_roles(client, request, period_2019, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("emulation:period", args=["2019"])).status_code == 403
    assert client.get(reverse("emulation:period_export", args=["2019"])).status_code == 403
    assert client.get(reverse("emulation:period_export_pdf", args=["2019"])).status_code == 403
    assert client.get(reverse("emulation:period_export_csv", args=["2019"])).status_code == 403


def test_it_sends_anonymous_visitors_of_the_csv_to_the_login(client, period_2019):
    response = client.get(reverse("emulation:period_export_csv", args=["2019"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["council_member", "reviewer"])
def test_it_streams_the_verdicts_as_the_exchange_csv(client, request, period_2019, persona):
    client.force_login(request.getfixturevalue(persona))
    html = client.get(reverse("emulation:period", args=["2019"])).content.decode()
    assert reverse("emulation:period_export_csv", args=["2019"]) in html

    response = client.get(reverse("emulation:period_export_csv", args=["2019"]))

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="xet-thi-dua-2019.csv"'
    data = b"".join(response.streaming_content)
    # The byte-order mark, for Excel; the rest is EXCHANGE.md's CSV byte for byte.
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == [
        "staff_code,full_name,agency_code,title,status,record_nos",
        "S001,Nguyễn Văn Hùng,P-A,lao_dong_tien_tien,excluded,BB-01/2019",
        "S002,Lê Thị Hoa,P-A,lao_dong_tien_tien,pending,BB-02",
        "S003,Phạm Minh Tuấn,P-A,lao_dong_tien_tien,eligible,",
        "S004,Đỗ Thu Trang,X-B,lao_dong_tien_tien,eligible,",
    ]


def test_it_exports_the_official_tables_as_pdf(
    client, period_2019, collective_2019, council_member
):
    from pypdf import PdfReader

    client.force_login(council_member)

    response = client.get(reverse("emulation:period_export_pdf", args=["2019"]))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="danh-sach-2019.pdf"'
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(BytesIO(response.content)).pages
    )
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    people, collectives = text.split("B. TẬP THỂ")
    headings = [
        "I. KHÔNG ĐỦ ĐIỀU KIỆN",
        "II. TẠM HOÃN XÉT, CHỜ KẾT QUẢ XEM XÉT",
        "III. ĐỦ ĐIỀU KIỆN, CHƯA KIỂM TRA ĐỦ TIÊU CHUẨN",
        "IV. ĐỦ ĐIỀU KIỆN",
    ]
    positions = [people.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert people.index("S001") < positions[1] < people.index("S002") < positions[2]
    assert positions[2] < people.index("S003") < positions[3] < people.index("S004")
    assert "Biên bản vi phạm BB-01/2019 ngày 12/03/2019 đã được xác nhận trong kỳ" in people
    assert "I. KHÔNG ĐỦ ĐIỀU KIỆN" in collectives and "P-A" in collectives
    assert "Luật Thi đua, khen thưởng số 06/2022/QH15, Điều 27 và Điều 28" in collectives


def test_it_exports_the_official_tables(client, period_2019, collective_2019, reviewer):
    client.force_login(reviewer)

    response = client.get(reverse("emulation:period_export", args=["2019"]))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == 'attachment; filename="danh-sach-2019.xlsx"'
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)]
    rows = [row for row in rows if row]
    assert rows[0] == ["HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    assert rows[1] == ["Độc lập - Tự do - Hạnh phúc"]
    people_at, collectives_at = rows.index(["A. CÁ NHÂN"]), rows.index(["B. TẬP THỂ"])
    assert rows[people_at + 1 : collectives_at] == [
        ["I. KHÔNG ĐỦ ĐIỀU KIỆN"],
        exports.COLUMNS,
        [
            1,
            "S001",
            "Nguyễn Văn Hùng",
            "Phường Đông Kinh",
            "Lao động tiên tiến",
            "Biên bản vi phạm BB-01/2019 ngày 12/03/2019 đã được xác nhận trong kỳ",
        ],
        ["II. TẠM HOÃN XÉT, CHỜ KẾT QUẢ XEM XÉT"],
        exports.COLUMNS,
        [
            1,
            "S002",
            "Lê Thị Hoa",
            "Phường Đông Kinh",
            "Lao động tiên tiến",
            "Biên bản vi phạm BB-02 ngày 02/04/2019 đang chờ xem xét: tạm hoãn xét",
        ],
        ["III. ĐỦ ĐIỀU KIỆN, CHƯA KIỂM TRA ĐỦ TIÊU CHUẨN"],
        exports.COLUMNS,
        [
            1,
            "S003",
            "Phạm Minh Tuấn",
            "Phường Đông Kinh",
            "Lao động tiên tiến",
            "Chưa kiểm tra được, thiếu dữ liệu: xếp loại, ngày tuyển dụng",
        ],
        ["IV. ĐỦ ĐIỀU KIỆN"],
        exports.COLUMNS,
        [1, "S004", "Đỗ Thu Trang", "Xã Hoàng Đồng", "Lao động tiên tiến"],
    ]
    assert rows[collectives_at + 1 :] == [
        ["I. KHÔNG ĐỦ ĐIỀU KIỆN"],
        exports.COLLECTIVE_COLUMNS,
        [
            1,
            "P-A",
            "Phường Đông Kinh",
            "Tập thể lao động tiên tiến",
            "1/3 thành viên đủ điều kiện Lao động tiên tiến, chưa đạt 70%, Luật Thi đua, khen "
            "thưởng số 06/2022/QH15, Điều 27 và Điều 28",
        ],
    ]


def test_it_lists_the_collectives_apart_with_their_reasons(
    client, period_2019, collective_2019, council_member
):
    client.force_login(council_member)
    url = reverse("emulation:period", args=["2019"])

    people = client.get(url)
    units = client.get(url, {"nominee": "unit"})

    assert listed(people) == [
        "S001",
        "S002",
        "S003",
        "S004",
    ]
    assert "?nominee=unit" in people.content.decode()
    assert listed(units) == ["P-A"]
    html = units.content.decode()
    assert "1/3 thành viên đủ điều kiện Lao động tiên tiến, chưa đạt 70%" in html
    assert '<input type="hidden" name="nominee" value="unit">' in html


def test_it_exports_the_list_as_the_page_filters_it(client, period_2019, reviewer):
    client.force_login(reviewer)

    response = client.get(
        reverse("emulation:period_export", args=["2019"]), {"unit": "P-A", "status": "pending"}
    )

    sheet = load_workbook(BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert "Lọc theo: Đơn vị: Phường Đông Kinh; Kết quả: tạm hoãn xét, chờ kết quả xem xét" in cells
    assert "S002" in cells
    assert not {"S001", "S003", "S004"} & set(cells)


# --- The unit head -------------------------------------------------------------------------


def test_it_shows_the_unit_head_only_their_units_nominations(client, period_2019, unit_head):
    client.force_login(unit_head)

    response = client.get(reverse("emulation:nominations"))

    html = response.content.decode()
    assert [n.staff.code for n in response.context["nominations"]] == ["S001", "S002", "S003"]
    assert "Đỗ Thu Trang" not in html
    assert "BB-01/2019" in html
    assert "Đề nghị khen thưởng" in client.get(reverse("home")).content.decode()


def test_it_lets_the_unit_head_nominate_a_person_of_the_unit(client, period_2019, unit_head):
    client.force_login(unit_head)

    response = client.post(
        reverse("emulation:nominations"),
        {"period": "2019", "staff_code": "S001", "title": "chien_si_thi_dua_co_so"},
    )

    assert response.status_code == 302
    nomination = Nomination.objects.get(title__code="chien_si_thi_dua_co_so")
    assert (nomination.staff.code, nomination.unit, nomination.submitted_by) == (
        "S001",
        unit_head.unit,
        unit_head,
    )
    assert nomination.verdict.status == "excluded"


def test_it_refuses_the_unit_head_someone_outside_the_unit(client, period_2019, unit_head):
    client.force_login(unit_head)
    count = Nomination.objects.count()

    response = client.post(
        reverse("emulation:nominations"),
        {"period": "2019", "staff_code": "S004", "title": "chien_si_thi_dua_co_so"},
    )

    assert response.status_code == 200
    assert str(STAFF_OUTSIDE_UNIT) in response.content.decode()
    assert Nomination.objects.count() == count


@pytest.mark.parametrize("persona", ["reviewer", "council_member", "inspector", "outsider"])
def test_it_lets_only_unit_heads_nominate(client, request, period_2019, persona):
    client.force_login(request.getfixturevalue(persona))
    count = Nomination.objects.count()

    response = client.post(
        reverse("emulation:nominations"),
        {"period": "2019", "staff_code": "S001", "title": "chien_si_thi_dua_co_so"},
    )

    assert response.status_code == 403
    assert Nomination.objects.count() == count


def test_it_seeds_the_titles_and_lets_administrators_edit_them(client, administrator):
    title = Title.objects.get(code="giay_khen")
    client.force_login(administrator)

    response = client.post(
        reverse("admin:emulation_title_change", args=[title.pk]),
        {
            "code": "giay_khen",
            "name": "Giấy khen của Chủ tịch UBND thành phố",
            "kind": "individual",
        },
    )

    assert response.status_code == 302
    assert sorted(Title.objects.values_list("code", "kind")) == [
        ("chien_si_thi_dua_co_so", "individual"),
        ("giay_khen", "individual"),
        ("lao_dong_tien_tien", "individual"),
        ("tap_the_lao_dong_tien_tien", "collective"),
        ("tap_the_lao_dong_xuat_sac", "collective"),
    ]
    title.refresh_from_db()
    assert title.name == "Giấy khen của Chủ tịch UBND thành phố"
