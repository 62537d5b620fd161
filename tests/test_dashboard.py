"""The Interior Affairs dashboard: who may open it, its figures, charts, tables, exports,
printable view and draft, and a query count that does not grow with the data."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from inspections.models import Visit
from tests.factories import Clock, _grow, build_year, local

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reports:dashboard")


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, local(2019, 1, 1))


@pytest.fixture
def year(clock, inspector, reviewer, unit_a, unit_b):
    built = build_year(clock, inspector=inspector, reviewer=reviewer, unit_a=unit_a, unit_b=unit_b)
    clock.now = local(2020, 3, 30, 12, 0)
    return built


PAGES = [
    DASHBOARD,
    reverse("reports:print", args=[2019]),
    reverse("reports:export", args=[2019, "summary", "csv"]),
    reverse("reports:export", args=[2019, "types", "xlsx"]),
]


@pytest.mark.parametrize("persona", ["inspector", "unit_head", "outsider"])
@pytest.mark.parametrize("page", PAGES)
def test_it_refuses_inspectors_unit_heads_and_outsiders(client, request, persona, page):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(page)

    assert response.status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_it_sends_anonymous_visitors_to_the_login_page(client, page):
    response = client.get(page)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["reviewer", "council_member", "administrator"])
def test_it_lets_reviewers_and_the_council_in_with_a_menu_entry(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(DASHBOARD).status_code == 200
    assert f'href="{DASHBOARD}"' in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("persona", ["inspector", "unit_head", "outsider"])
def test_it_hides_the_menu_entry_from_others(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert f'href="{DASHBOARD}"' not in client.get(reverse("home")).content.decode()


def test_it_shows_the_years_figures_beside_the_previous_years(client, reviewer, year):
    client.force_login(reviewer)

    response = client.get(DASHBOARD, {"year": 2019})

    html = response.content.decode()
    assert "Số liệu kỷ luật, kỷ cương năm 2019" in html
    summary = response.context["tables"]["summary"]
    assert summary.headers[1:] == ["2019", "2018"]
    rows = {row[0]: row[1:] for row in summary.rows}
    assert rows["Đợt kiểm tra đã bắt đầu"] == [3, 1]
    assert rows["Đơn vị được kiểm tra"] == [3, 1]
    assert rows["Đơn vị được kiểm tra từ 3 lần trở lên"] == [1, 0]
    assert rows["Biên bản vi phạm đã xác nhận"] == [4, 1]
    assert rows["Người có từ 2 biên bản đã xác nhận trở lên"] == [2, 0]
    assert rows["Phản ánh đã tiếp nhận"] == [2, 0]
    assert rows["Phản ánh được xác nhận"] == [1, 0]
    assert rows["Người bị loại khỏi danh sách đề nghị"] == [2, 0]
    assert rows["Người đang chờ kết quả xem xét biên bản"] == [1, 0]
    assert rows["Đơn vị được kiểm tra nhưng không có vi phạm đã xác nhận"] == [1, 1]
    assert rows["Tỷ lệ đơn vị đã ban hành, sửa đổi quy chế (%)"] == [50, 25]
    assert '<th scope="row" data-label="Chỉ tiêu">Đợt kiểm tra đã bắt đầu</th>' in html


def test_it_draws_each_chart_followed_by_its_table(client, reviewer, year):
    client.force_login(reviewer)

    html = client.get(DASHBOARD, {"year": 2019}).content.decode()

    assert html.count('<svg class="chart"') == 3
    for heading in ("months-heading", "types-heading", "inspections-heading"):
        section = html.split(f'id="{heading}"')[1].split("</section>")[0]
        assert section.index("<svg") < section.index("<table")
    assert "<script" not in html and "style=" not in html
    types = html.split('id="types-heading"')[1].split("</section>")[0]
    assert '<th scope="row" data-label="Loại vi phạm">Không đeo thẻ công chức, viên chức</th>' in (
        types
    )


def test_it_offers_the_draft_in_a_textarea(client, reviewer, year):
    client.force_login(reviewer)

    html = client.get(DASHBOARD, {"year": 2019}).content.decode()

    draft = html.split('<textarea id="report-draft"')[1].split("</textarea>")[0]
    assert "Năm 2019, đoàn kiểm tra đã tiến hành 3 đợt kiểm tra" in draft
    assert "phát hiện và lập biên bản 4 trường hợp." in draft


def test_it_offers_the_draft_in_english(client, reviewer, year, settings):
    client.force_login(reviewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(DASHBOARD, {"year": 2019}).content.decode()

    assert "Discipline figures of 2019" in html
    assert "In 2019, the inspection team carried out 3 inspection rounds (2 by surprise)" in html
    assert "2 cases of violation were not considered for emulation titles in 2019." in html


def test_it_shows_this_year_without_a_choice_and_explains_a_bad_year(client, reviewer, year):
    client.force_login(reviewer)

    assert client.get(DASHBOARD).context["year"] == 2020
    response = client.get(DASHBOARD, {"year": "năm ngoái"})

    assert response.status_code == 200
    assert response.context["year"] == 2020
    assert "Hãy nhập một năm, ví dụ 2019." in response.content.decode()
    response = client.get(DASHBOARD, {"year": "1890"})
    assert response.context["form"].errors["year"]


def test_it_exports_a_table_as_csv_with_the_byte_order_mark(client, reviewer, year):
    client.force_login(reviewer)

    response = client.get(reverse("reports:export", args=[2019, "months", "csv"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="bao-cao-2019-months.csv"' in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Tháng", "2019", "2018"]
    assert rows[1] == ["Tháng 1", "1", "0"]
    assert rows[12] == ["Tháng 12", "1", "1"]
    assert len(rows) == 13


def test_it_exports_a_table_as_xlsx(client, reviewer, year):
    client.force_login(reviewer)

    response = client.get(reverse("reports:export", args=[2019, "inspections", "xlsx"]))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Số lần kiểm tra của từng đơn vị", None, None]
    assert rows[1] == ["Mã đơn vị", "Đơn vị", "Số lần kiểm tra"]
    assert rows[2:] == [
        ["P-A", "Phường Đông Kinh", 3],
        ["X-B", "Xã Hoàng Đồng", 2],
        ["PB-C", "Phòng Tài chính - Kế hoạch", 1],
    ]


@pytest.mark.parametrize(
    "args", [[2019, "nothing", "csv"], [2019, "summary", "pdf"], [1066, "summary", "csv"]]
)
def test_it_answers_404_to_an_unknown_export(client, reviewer, args):
    client.force_login(reviewer)

    assert client.get(reverse("reports:export", args=args)).status_code == 404


def test_it_prints_without_the_controls_but_with_the_charts(client, council_member, year):
    client.force_login(council_member)

    html = client.get(reverse("reports:print", args=[2019])).content.decode()

    assert html.count('<svg class="chart"') == 3
    assert "<textarea" not in html
    assert "report-exports" not in html
    assert "Năm 2019, đoàn kiểm tra đã tiến hành" in html


def _dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(DASHBOARD, {"year": 2019})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_it_costs_the_same_number_of_queries_at_two_sizes(client, reviewer, year):
    client.force_login(reviewer)
    _dashboard_queries(client)  # the first request reads the session's user and groups

    small = _dashboard_queries(client)
    _grow(40)
    large = _dashboard_queries(client)

    # The session, the user with their roles (the gate and the menu share them), the 20
    # queries of the two years (tests/test_reports.py); the session, saved at sign-in, is not
    # saved again within a minute.
    assert small == large
    assert Visit.objects.count() == 7 + 40
    assert small == 22
