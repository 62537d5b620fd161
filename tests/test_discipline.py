"""Discipline decisions: the service (upsert by number, audited, the award rule told), the
import_discipline command, and the reviewers' pages with the web import."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from core.errors import DomainError
from core.imports import DUPLICATE_CODE
from core.tabular import MISSING_HEADER, NOT_A_DATE, UNKNOWN_CHOICE, Problem
from inspections import hooks
from inspections.discipline_imports import discipline_import
from inspections.discipline_services import (
    DECIDED_WITHOUT_DATE,
    EFFECT_BEFORE_DECISION,
    NUMBER_TAKEN,
    RECORDS_OF_ANOTHER_PERSON,
    UNKNOWN_FORM,
    UNKNOWN_STATUS,
    default_effective_until,
    discipline_record,
)
from inspections.discipline_views import SESSION_KEY
from inspections.models import DisciplineChange, DisciplineDecision, RecordStatus
from inspections.services import NOT_REVIEWER
from personnel.imports import UNKNOWN_STAFF_CODE
from tests.conftest import PRODUCTION, run_django
from tests.factories import local, make_record, make_staff

DAY = datetime.date
HEADER = "decision_no,staff_code,form,status,decided_on,effective_until"
DECISIONS = [
    HEADER,
    "12/QĐ-UBND,S001,canh_cao,decided,15/03/2019,",
    "15/QĐ-UBND,S002,khien_trach,decided,2019-06-01,2019-12-31",
    "HĐKL-03,S001,ha_bac_luong,under_review,,",
]


@pytest.fixture
def evaluated(monkeypatch):
    """The people the floors above were told about (inspections.hooks), in order."""
    calls = []
    monkeypatch.setattr(hooks, "_person_handlers", [lambda *, staff: calls.append(staff.code)])
    return calls


@pytest.fixture
def people(unit_a, unit_b):
    """S001 and S002, namesakes in two units; S003 with another name."""
    return {
        "S001": make_staff("S001", unit=unit_a, full_name="Nguyễn Văn Hùng"),
        "S002": make_staff("S002", unit=unit_b, full_name="Nguyễn Văn Hùng"),
        "S003": make_staff("S003", unit=unit_a, full_name="Lê Thị Bình"),
    }


def record(reviewer, staff, number="12/QĐ-UBND", **fields):
    values = {
        "form": "canh_cao",
        "status": "decided",
        "decided_on": DAY(2019, 3, 15),
        "effective_until": None,
        "signer": "",
        "records": None,
    } | fields
    return discipline_record(number=number, staff=staff, actor=reviewer, **values)


def snapshot() -> tuple:
    decisions = list(
        DisciplineDecision.objects.order_by("number").values_list(
            "number", "staff__code", "form", "status", "decided_on", "effective_until", "signer"
        )
    )
    return decisions, DisciplineChange.objects.count()


def write_csv(tmp_path, lines, *, name="discipline.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# The service


@pytest.mark.parametrize(
    ("decided_on", "until"),
    [
        (DAY(2019, 3, 15), DAY(2020, 3, 14)),
        (DAY(2019, 1, 1), DAY(2019, 12, 31)),
        (DAY(2019, 12, 31), DAY(2020, 12, 30)),
        # No 29 February in 2021: twelve months later is the month's last day, 28 February.
        (DAY(2020, 2, 29), DAY(2021, 2, 27)),
    ],
)
def test_it_ends_the_effect_twelve_months_later_less_one_day(decided_on, until):
    assert default_effective_until(decided_on) == until


def test_it_records_a_decision_audited_and_tells_the_award_rule(reviewer, people, evaluated):
    decision = record(reviewer, people["S001"], number=" 12/QĐ-UBND ", signer="Trần Văn Khải")

    decision.refresh_from_db()
    assert (decision.number, decision.effective_until) == ("12/QĐ-UBND", DAY(2020, 3, 14))
    change = DisciplineChange.objects.get()
    assert (change.decision, change.actor, change.action) == (decision, reviewer, "created")
    assert change.changes == {
        "staff": [None, "S001"],
        "form": [None, "canh_cao"],
        "status": [None, "decided"],
        "decided_on": [None, "2019-03-15"],
        "effective_until": [None, "2020-03-14"],
        "signer": [None, "Trần Văn Khải"],
    }
    assert evaluated == ["S001"]


def test_it_audits_each_changed_field_with_its_old_and_new_value(reviewer, people, evaluated):
    decision = record(reviewer, people["S001"], status="under_review", decided_on=None)

    record(reviewer, people["S001"], status="decided", decided_on=DAY(2019, 3, 15))

    decision.refresh_from_db()
    assert (decision.status, decision.effective_until) == ("decided", DAY(2020, 3, 14))
    change = DisciplineChange.objects.order_by("pk").last()
    assert (change.actor, change.action) == (reviewer, "changed")
    assert change.changes == {
        "status": ["under_review", "decided"],
        "decided_on": [None, "2019-03-15"],
        "effective_until": [None, "2020-03-14"],
    }
    assert DisciplineDecision.objects.count() == 1
    assert evaluated == ["S001", "S001"]


def test_it_writes_nothing_when_nothing_changes(reviewer, people, evaluated):
    decision = record(reviewer, people["S001"], effective_until=DAY(2020, 3, 14))
    before = (snapshot(), DisciplineDecision.objects.get().updated_at)

    again = record(reviewer, people["S001"], effective_until=None)  # the same default

    assert again.pk == decision.pk
    assert (snapshot(), DisciplineDecision.objects.get().updated_at) == before
    assert evaluated == ["S001"]


def test_it_tells_the_award_rule_about_both_people_when_a_decision_moves(
    reviewer, people, evaluated
):
    record(reviewer, people["S001"])

    record(reviewer, people["S003"])

    change = DisciplineChange.objects.order_by("pk").last()
    assert change.changes == {"staff": ["S001", "S003"]}
    assert evaluated == ["S001", "S001", "S003"]


def test_it_links_the_records_and_audits_them_by_number(reviewer, people, evaluated):
    person = people["S001"]
    first = make_record(person, local(2019, 2, 1, 9, 0), number="3/BB-KTCV")
    second = make_record(person, local(2019, 2, 8, 9, 0), number="5/BB-KTCV")
    decision = record(reviewer, person)

    record(reviewer, person, records=[second, first])

    assert set(decision.records.all()) == {first, second}
    change = DisciplineChange.objects.order_by("pk").last()
    assert change.changes == {"records": [[], ["3/BB-KTCV", "5/BB-KTCV"]]}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"form": "tu_hinh"}, UNKNOWN_FORM),
        ({"status": "pending"}, UNKNOWN_STATUS),
        ({"decided_on": None}, DECIDED_WITHOUT_DATE),
        ({"effective_until": DAY(2019, 3, 14)}, EFFECT_BEFORE_DECISION),
    ],
)
def test_it_refuses_values_that_do_not_hold_and_writes_nothing(
    reviewer, people, evaluated, fields, message
):
    record(reviewer, people["S001"], status="under_review", decided_on=None)
    before = snapshot()

    with pytest.raises(DomainError) as error:
        record(reviewer, people["S001"], **fields)

    assert error.value.message == message
    assert snapshot() == before
    assert evaluated == ["S001"]


def test_it_refuses_records_of_another_person_or_drafts(reviewer, people, evaluated):
    others = make_record(people["S002"], local(2019, 2, 1, 9, 0))
    draft = make_record(people["S001"], local(2019, 2, 1, 9, 0), status=RecordStatus.DRAFT)

    for records in ([others], [draft]):
        with pytest.raises(DomainError) as error:
            record(reviewer, people["S001"], records=records)
        assert error.value.message == RECORDS_OF_ANOTHER_PERSON
    assert snapshot() == ([], 0)
    assert evaluated == []


def test_it_refuses_a_new_decision_under_a_number_already_recorded(reviewer, people, evaluated):
    record(reviewer, people["S001"])
    before = snapshot()

    with pytest.raises(DomainError) as error:
        record(reviewer, people["S003"], only_new=True)

    assert (error.value.message, error.value.params) == (NUMBER_TAKEN, {"number": "12/QĐ-UBND"})
    assert snapshot() == before


def test_it_refuses_a_user_who_is_not_a_reviewer(inspector, people, evaluated):
    with pytest.raises(DomainError) as error:
        record(inspector, people["S001"])

    assert error.value.message == NOT_REVIEWER
    assert snapshot() == ([], 0)


@pytest.mark.postgresql
def test_it_takes_the_writers_lock_then_locks_the_decision_row(reviewer, people):
    record(reviewer, people["S001"])

    with CaptureQueriesContext(connection) as captured:
        record(reviewer, people["S001"], form="khien_trach")

    sql = [query["sql"] for query in captured.captured_queries]
    lock = next(index for index, query in enumerate(sql) if "pg_advisory_xact_lock" in query)
    row = next(
        index
        for index, query in enumerate(sql)
        if query.startswith('SELECT "inspections_disciplinedecision"') and "FOR UPDATE" in query
    )
    update = next(index for index, query in enumerate(sql) if query.startswith("UPDATE"))
    assert lock < row < update


# import_discipline


def test_it_imports_a_file_with_the_default_end_of_effect(people, tmp_path, evaluated):
    result = discipline_import(path=write_csv(tmp_path, DECISIONS))

    assert result.problems == []
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert snapshot() == (
        [
            ("12/QĐ-UBND", "S001", "canh_cao", "decided", DAY(2019, 3, 15), DAY(2020, 3, 14), ""),
            (
                "15/QĐ-UBND",
                "S002",
                "khien_trach",
                "decided",
                DAY(2019, 6, 1),
                DAY(2019, 12, 31),
                "",
            ),
            ("HĐKL-03", "S001", "ha_bac_luong", "under_review", None, None, ""),
        ],
        3,
    )
    change = DisciplineChange.objects.get(decision__number="HĐKL-03")
    assert (change.action, change.actor) == ("imported", None)
    assert change.changes == {
        "staff": [None, "S001"],
        "form": [None, "ha_bac_luong"],
        "status": [None, "under_review"],
    }
    assert evaluated == ["S001", "S002"]  # once per person


def test_it_changes_nothing_when_the_same_file_comes_again(people, tmp_path, evaluated):
    path = write_csv(tmp_path, DECISIONS)
    discipline_import(path=path)
    before = snapshot()

    again = discipline_import(path=path)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert snapshot() == before
    assert evaluated == ["S001", "S002"]


def test_it_brings_a_decision_up_to_date_and_keeps_what_the_file_does_not_hold(
    reviewer, people, tmp_path, evaluated
):
    decision = record(reviewer, people["S001"], status="under_review", decided_on=None)
    decision = record(reviewer, people["S001"], status="under_review", signer="Trần Văn Khải")
    evaluated.clear()

    result = discipline_import(path=write_csv(tmp_path, DECISIONS[:2]))

    assert (result.created, result.updated) == (0, 1)
    assert [(str(change.label), change.old, change.new) for change in result.plans[0].changes] == [
        ("trạng thái", "Đang xem xét xử lý kỷ luật", "Đã có quyết định"),
        ("hiệu lực đến ngày", "—", "14/03/2020"),
    ]
    decision.refresh_from_db()
    assert (decision.status, decision.signer) == ("decided", "Trần Văn Khải")
    change = DisciplineChange.objects.order_by("pk").last()
    assert (change.action, change.actor) == ("imported", None)
    assert change.changes == {
        "status": ["under_review", "decided"],
        "effective_until": [None, "2020-03-14"],
    }
    assert evaluated == ["S001"]


FORMS = "khien_trach, canh_cao, ha_bac_luong, giang_chuc, cach_chuc, buoc_thoi_viec, bai_nhiem"


@pytest.mark.parametrize(
    ("lines", "problems"),
    [
        pytest.param(
            [HEADER, "X1,S404,canh_cao,decided,2019-03-15,"],
            [Problem(2, "staff_code", UNKNOWN_STAFF_CODE, {"code": "S404"})],
            id="unknown staff",
        ),
        pytest.param(
            [HEADER, "X1,S001,decided,decided,2019-03-15,"],
            [Problem(2, "form", UNKNOWN_CHOICE, {"value": "decided", "choices": FORMS})],
            id="unknown form",
        ),
        pytest.param(
            [HEADER, "X1,S001,canh_cao,final,2019-03-15,"],
            [
                Problem(
                    2,
                    "status",
                    UNKNOWN_CHOICE,
                    {"value": "final", "choices": "under_review, decided, annulled"},
                )
            ],
            id="unknown status",
        ),
        pytest.param(
            [HEADER, "X1,S001,canh_cao,decided,,2020-03-14"],
            [Problem(2, "decided_on", DECIDED_WITHOUT_DATE)],
            id="decided without date",
        ),
        pytest.param(
            [HEADER, "X1,S001,canh_cao,decided,2019-03-15,14/03/2019"],
            [Problem(2, "effective_until", EFFECT_BEFORE_DECISION)],
            id="end before the decision",
        ),
        pytest.param(
            [HEADER, "X1,S001,canh_cao,decided,15 March 2019,"],
            [Problem(2, "decided_on", NOT_A_DATE, {"value": "15 March 2019"})],
            id="not a date",
        ),
        pytest.param(
            [HEADER, "X1,S001,canh_cao,decided,2019-03-15,", "X1,S002,canh_cao,annulled,,"],
            [Problem(3, "decision_no", DUPLICATE_CODE, {"code": "X1", "row": 2})],
            id="a number twice",
        ),
        pytest.param(
            ["decision_no,staff_code,status", "X1,S001,decided"],
            [Problem(1, None, MISSING_HEADER, {"key": "form", "header": "Hình thức kỷ luật"})],
            id="missing header",
        ),
    ],
)
def test_it_refuses_a_bad_file_and_writes_nothing(people, tmp_path, evaluated, lines, problems):
    discipline_import(path=write_csv(tmp_path, DECISIONS, name="first.csv"))
    before = snapshot()
    evaluated.clear()

    result = discipline_import(path=write_csv(tmp_path, [*lines, DECISIONS[1]]))

    assert result.problems == problems
    assert not result.written
    assert snapshot() == before
    assert evaluated == []


@pytest.mark.parametrize("language", ["vi", "en"])
def test_it_points_a_date_refusal_to_its_column_in_every_language(people, tmp_path, language):
    lines = [HEADER, "X1,S001,canh_cao,decided,,", "X2,S001,canh_cao,decided,2019-03-15,2019-03-01"]

    with translation.override(language):
        result = discipline_import(path=write_csv(tmp_path, lines))

    assert [(problem.row, problem.column) for problem in result.problems] == [
        (2, "decided_on"),
        (3, "effective_until"),
    ]


def test_it_reads_vietnamese_headers_and_date_cells_from_xlsx(people, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Số quyết định", "Mã cán bộ", "Hình thức kỷ luật", "Trạng thái",
                  "Ngày quyết định", "Hết hiệu lực"])  # fmt: skip
    sheet.append(["12/QĐ-UBND", "S003", "Canh_Cao", "decided", datetime.datetime(2019, 3, 15)])
    workbook.save(tmp_path / "discipline.xlsx")

    result = discipline_import(path=tmp_path / "discipline.xlsx")

    assert result.problems == []
    assert snapshot()[0] == [
        ("12/QĐ-UBND", "S003", "canh_cao", "decided", DAY(2019, 3, 15), DAY(2020, 3, 14), "")
    ]


def test_it_imports_with_as_many_queries_for_1000_rows_as_for_10(people, tmp_path, evaluated):
    counts = []
    for size in (10, 1000):
        lines = [HEADER] + [
            f"{size}-{number}/QĐ-UBND,S00{1 + number % 3},khien_trach,decided,2019-04-01,"
            for number in range(size)
        ]
        with CaptureQueriesContext(connection) as queries:
            result = discipline_import(path=write_csv(tmp_path, lines))
        assert result.created == size
        counts.append(len(queries))

    # Nothing per row: the bulk writes split into batches, and the award rule told once per
    # person (its own queries are left out here: `evaluated` records the calls).
    assert counts[0] < 20
    assert counts[1] - counts[0] < 10
    assert evaluated == ["S001", "S002", "S003"] * 2


def test_the_command_prints_the_counts(people, tmp_path):
    stdout = io.StringIO()

    call_command("import_discipline", str(write_csv(tmp_path, DECISIONS)), stdout=stdout)

    assert stdout.getvalue() == "Đã nhập: thêm mới 3, cập nhật 0, giữ nguyên 0.\n"


def test_the_command_prints_each_problem_and_fails(people, tmp_path):
    bad = write_csv(
        tmp_path,
        [
            HEADER,
            "X1,S404,canh_cao,decided,2019-03-15,",
            "X2,S001,canh_cao,decided,,",
            "X3,S001,canh_cao,decided,2019-03-15,2019-03-01",
        ],
    )
    stderr = io.StringIO()

    with pytest.raises(CommandError, match=r"Không nhập dữ liệu nào: có 3 lỗi\.") as error:
        call_command("import_discipline", str(bad), stderr=stderr)

    assert error.value.returncode == 1
    assert stderr.getvalue().splitlines() == [
        "Dòng 2, cột “staff_code”: Không có mã cán bộ “S404”.",
        "Dòng 3, cột “decided_on”: Quyết định đã ban hành phải có ngày quyết định.",
        "Dòng 4, cột “effective_until”: Ngày hết hiệu lực không được trước ngày quyết định.",
    ]
    assert snapshot() == ([], 0)


def test_the_command_exits_non_zero(tmp_path):
    bad = write_csv(tmp_path, ["decision_no,staff_code", "X1,S001"])

    finished = run_django(
        "from django.core.management import execute_from_command_line\n"
        f"execute_from_command_line(['manage.py', 'import_discipline', {str(bad)!r}])",
        **PRODUCTION,
    )

    assert finished.returncode == 1
    assert "Dòng 1: Thiếu cột bắt buộc “form” (hoặc “Hình thức kỷ luật”)." in finished.stderr


# The reviewers' pages


def test_it_lists_filters_and_searches_the_decisions(client, reviewer, people):
    record(reviewer, people["S001"], number="12/QĐ-UBND")
    record(reviewer, people["S002"], number="15/QĐ-UBND", status="annulled")
    record(reviewer, people["S003"], number="HĐKL-03", status="under_review", decided_on=None)
    client.force_login(reviewer)
    url = reverse("inspections:discipline_list")

    def numbers(**query):
        response = client.get(url, query)
        assert response.status_code == 200
        return sorted(decision.number for decision in response.context["page"].object_list)

    assert numbers() == ["12/QĐ-UBND", "15/QĐ-UBND", "HĐKL-03"]
    assert numbers(status="annulled") == ["15/QĐ-UBND"]
    assert numbers(q="s003") == ["HĐKL-03"]
    assert numbers(q="nguyen van hung") == ["12/QĐ-UBND", "15/QĐ-UBND"]
    assert numbers(q="nguyen van hung", status="decided") == ["12/QĐ-UBND"]
    html = client.get(url).content.decode()
    assert "Quyết định kỷ luật" in html
    assert "Cảnh cáo" in html and "Đã hủy bỏ" in html


def test_it_keeps_the_list_query_count_as_decisions_grow(
    client, reviewer, people, django_assert_num_queries
):
    def grow_to(total):
        have = DisciplineDecision.objects.count()
        DisciplineDecision.objects.bulk_create(
            DisciplineDecision(
                number=f"{index}/QĐ-UBND",
                staff=people["S001"],
                form="khien_trach",
                status="decided",
                decided_on=DAY(2019, 1, 1),
                effective_until=DAY(2019, 12, 31),
            )
            for index in range(have, total)
        )

    client.force_login(reviewer)
    grow_to(10)
    client.get(reverse("inspections:discipline_list"))  # warm the session and user caches
    # session, the user with their roles, count, one page of decisions with their person
    with django_assert_num_queries(4):
        small = client.get(reverse("inspections:discipline_list"))
    grow_to(1000)
    with django_assert_num_queries(4):
        large = client.get(reverse("inspections:discipline_list"))

    assert len(small.context["page"].object_list) == 10
    assert large.context["page"].paginator.count == 1000


def test_it_shows_a_decision_with_its_history(client, reviewer, people, tmp_path):
    record(reviewer, people["S001"], status="under_review", decided_on=None)
    discipline_import(path=write_csv(tmp_path, DECISIONS[:2]))
    decision = DisciplineDecision.objects.get()
    client.force_login(reviewer)

    html = client.get(reverse("inspections:discipline_detail", args=[decision.pk])).content.decode()

    assert "Quyết định kỷ luật số 12/QĐ-UBND" in html
    assert "Ghi nhận" in html and "Nhập từ tệp" in html
    assert "Trạng thái: Đang xem xét xử lý kỷ luật → Đã có quyết định" in html
    assert "Ngày quyết định: — → 15/03/2019" in html
    assert "Cán bộ: — → Nguyễn Văn Hùng (S001)" in html
    assert "hệ thống (nhập từ tệp)" in html


def test_it_records_a_decision_for_a_person_typed_by_name(client, reviewer, people, evaluated):
    client.force_login(reviewer)

    response = client.post(
        reverse("inspections:discipline_new"),
        {"number": "12/QĐ-UBND", "staff": "le thi binh", "form": "canh_cao",
         "status": "decided", "decided_on": "15/03/2019", "effective_until": "", "signer": ""},
    )  # fmt: skip

    decision = DisciplineDecision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inspections:discipline_detail", args=[decision.pk])
    assert (decision.staff.code, decision.effective_until) == ("S003", DAY(2020, 3, 14))
    assert DisciplineChange.objects.get().actor == reviewer
    assert evaluated == ["S003"]


def test_it_asks_for_the_code_when_several_people_match(client, reviewer, people):
    client.force_login(reviewer)

    response = client.post(
        reverse("inspections:discipline_new"),
        {"number": "12/QĐ-UBND", "staff": "Hùng", "form": "canh_cao", "status": "decided",
         "decided_on": "15/03/2019"},
    )  # fmt: skip

    html = response.content.decode()
    assert response.status_code == 200
    assert "Có nhiều người phù hợp: Nguyễn Văn Hùng (S001, Phường Đông Kinh)" in html
    assert "Nguyễn Văn Hùng (S002, Xã Hoàng Đồng)" in html
    assert snapshot() == ([], 0)


def test_it_shows_the_services_refusal_on_the_form(client, reviewer, people):
    record(reviewer, people["S001"])
    before = snapshot()
    client.force_login(reviewer)

    response = client.post(
        reverse("inspections:discipline_new"),
        {"number": "12/QĐ-UBND", "staff": "S003", "form": "canh_cao", "status": "decided"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Quyết định đã ban hành phải có ngày quyết định." in html
    assert snapshot() == before


def test_it_changes_a_decision_and_its_records(client, reviewer, people, evaluated):
    decision = record(reviewer, people["S001"], status="under_review", decided_on=None)
    minutes = make_record(people["S001"], local(2019, 2, 1, 9, 0), number="3/BB-KTCV")
    client.force_login(reviewer)
    url = reverse("inspections:discipline_edit", args=[decision.pk])

    form = client.get(url)
    response = client.post(
        url,
        {"number": "forged", "staff": "S001", "form": "canh_cao", "status": "decided",
         "decided_on": "15/03/2019", "records": [str(minutes.pk)]},
    )  # fmt: skip

    assert "3/BB-KTCV" in form.content.decode()
    assert response.status_code == 302
    decision.refresh_from_db()
    assert (decision.number, decision.status) == ("12/QĐ-UBND", "decided")  # the number stays
    assert list(decision.records.all()) == [minutes]
    change = DisciplineChange.objects.order_by("pk").last()
    assert set(change.changes) == {"status", "decided_on", "effective_until", "records"}


@pytest.mark.parametrize("persona", ["inspector", "unit_head", "council_member", "outsider"])
def test_it_lets_only_reviewers_change_decisions(client, reviewer, people, persona, request):
    decision = record(reviewer, people["S001"])
    before = snapshot()
    client.force_login(request.getfixturevalue(persona))
    posted = {"number": "99/QĐ-UBND", "staff": "S001", "form": "cach_chuc", "status": "decided",
              "decided_on": "01/01/2020"}  # fmt: skip

    answers = [
        client.get(reverse("inspections:discipline_list")).status_code,
        client.get(reverse("inspections:discipline_detail", args=[decision.pk])).status_code,
        client.post(reverse("inspections:discipline_new"), posted).status_code,
        client.post(reverse("inspections:discipline_edit", args=[decision.pk]), posted).status_code,
    ]

    assert answers == [403, 403, 403, 403]
    assert snapshot() == before


# The web import


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, content: str, *, name="discipline.csv"):
    file = SimpleUploadedFile(name, content.encode(), content_type="text/csv")
    return client.post(reverse("inspections:discipline_import"), {"file": file})


def test_it_previews_a_web_import_then_imports_it_on_confirmation(
    client, reviewer, people, media_root, evaluated
):
    client.force_login(reviewer)

    uploaded = upload(client, "\n".join(DECISIONS))
    preview = client.get(reverse("inspections:discipline_preview"))

    assert uploaded["Location"] == reverse("inspections:discipline_preview")
    html = preview.content.decode()
    assert "Các quyết định sẽ ghi nhận" in html
    assert "15/QĐ-UBND" in html and "Nguyễn Văn Hùng (S002)" in html
    assert snapshot() == ([], 0)  # nothing written before the confirmation

    token = client.session[SESSION_KEY]["file"]
    confirmed = client.post(reverse("inspections:discipline_confirm"), {"file": token}, follow=True)

    assert confirmed.redirect_chain == [(reverse("inspections:discipline_list"), 302)]
    assert "Đã nhập: thêm mới 3, cập nhật 0, giữ nguyên 0." in confirmed.content.decode()
    assert DisciplineDecision.objects.count() == 3
    assert SESSION_KEY not in client.session
    assert evaluated == ["S001", "S002"]


def test_it_lists_the_bad_rows_of_a_web_import_and_offers_no_confirmation(
    client, reviewer, people, media_root
):
    client.force_login(reviewer)
    upload(client, "\n".join([HEADER, "X1,S404,canh_cao,decided,2019-03-15,"]))

    preview = client.get(reverse("inspections:discipline_preview"))
    token = client.session[SESSION_KEY]["file"]
    forced = client.post(reverse("inspections:discipline_confirm"), {"file": token})

    html = preview.content.decode()
    assert "Có 1 lỗi: chưa nhập dữ liệu nào cho đến khi tệp được sửa." in html
    assert "Không có mã cán bộ “S404”." in html
    assert "Xác nhận nhập dữ liệu" not in html
    assert forced.status_code == 400
    assert snapshot() == ([], 0)


def test_it_refuses_a_web_import_to_anyone_but_reviewers(client, unit_head, people, media_root):
    client.force_login(unit_head)

    response = upload(client, "\n".join(DECISIONS))

    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert snapshot() == ([], 0)


def test_it_gives_the_template_with_the_vietnamese_headers(client, reviewer):
    client.force_login(reviewer)

    response = client.get(reverse("inspections:discipline_template"))

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == [
        "Số quyết định", "Mã cán bộ", "Hình thức kỷ luật", "Trạng thái", "Ngày quyết định",
        "Hết hiệu lực",
    ]  # fmt: skip
    assert [cell.font.bold for cell in sheet[1]] == [True, True, True, True, False, False]
    assert 'filename="mau-quyet-dinh-ky-luat.xlsx"' in response["Content-Disposition"]
