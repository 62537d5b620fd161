"""import_nominations and the unit head's upload: upserted per period, all or nothing, evaluated."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.tabular import MISSING_HEADER, UNKNOWN_CHOICE, Problem
from emulation.import_views import SESSION_KEY
from emulation.imports import (
    COLLECTIVE_UNIT_MISSING,
    COLLECTIVE_WITH_STAFF,
    NO_KNOWN_UNIT,
    NOMINATED_TWICE,
    NOT_YOUR_UNIT,
    STAFF_CODE_MISSING,
    UNIT_NOMINATED_TWICE,
    UNKNOWN_TITLE_CODE,
    nominations_import,
)
from emulation.models import Nomination, PeriodStatus, Verdict, VerdictStatus, VerdictTally
from emulation.selectors import ListFilter, nomination_page
from emulation.services import (
    PERIOD_APPROVED,
    STAFF_OUTSIDE_UNIT,
    UNKNOWN_PERIOD,
)
from inspections.models import RecordStatus
from personnel.imports import UNKNOWN_STAFF_CODE, UNKNOWN_UNIT
from personnel.models import Posting, Staff, StaffCategory
from tests.factories import local, make_period, make_record, make_staff, whole_period_reads

DAY = datetime.date
TODAY = DAY(2020, 3, 1)
HEADER = "staff_code,title,agency_code"
LIST = [
    HEADER,
    "S001,lao_dong_tien_tien,",
    "S001,chien_si_thi_dua_co_so,",
    "S002,lao_dong_tien_tien,P-A",
]
LIST_CSV = "\n".join(LIST) + "\n"
ALL_TITLES = (
    "chien_si_thi_dua_co_so, giay_khen, lao_dong_tien_tien, tap_the_lao_dong_tien_tien, "
    "tap_the_lao_dong_xuat_sac"
)
RATINGS = "xuat_sac, tot, hoan_thanh, khong_hoan_thanh"


def write_csv(tmp_path, lines, *, name="nominations.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def people(unit_a, unit_b):
    """S001 in X-B during 2019, in P-A from 1 Feb 2020; S002 in X-B, open; S003 in P-A."""
    first = Staff.objects.create(
        code="S001", full_name="Nguyễn Văn Hùng", category=StaffCategory.CONG_CHUC
    )
    Posting.objects.create(staff=first, unit=unit_b, starts_on=None, ends_on=DAY(2020, 1, 31))
    Posting.objects.create(staff=first, unit=unit_a, starts_on=DAY(2020, 2, 1))
    second = make_staff("S002", unit=unit_b, full_name="Nguyễn Văn Hùng")
    third = make_staff("S003", unit=unit_a, full_name="Đỗ Thị Đào")
    return first, second, third


@pytest.fixture
def period(db):
    return make_period("2019")


def snapshot() -> list:
    return list(
        Nomination.objects.order_by("staff__code", "title__code").values_list(
            "period__code", "staff__code", "title__code", "unit__code", "verdict__status"
        )
    )


def test_it_creates_the_nominations_and_evaluates_them(people, period, tmp_path):
    make_record(people[1], local(2019, 6, 1), RecordStatus.CONFIRMED)

    result = nominations_import(path=write_csv(tmp_path, LIST), period_code="2019", today=TODAY)

    assert result.problems == []
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    # S001 defaults to his unit on the period's last day (X-B), not today's (P-A).
    assert snapshot() == [
        ("2019", "S001", "chien_si_thi_dua_co_so", "X-B", VerdictStatus.ELIGIBLE),
        ("2019", "S001", "lao_dong_tien_tien", "X-B", VerdictStatus.ELIGIBLE),
        ("2019", "S002", "lao_dong_tien_tien", "P-A", VerdictStatus.EXCLUDED),
    ]


def test_it_defaults_to_todays_unit_while_the_period_runs(people, tmp_path):
    make_period("2020", (2020, 1, 1), (2020, 12, 31))

    nominations_import(path=write_csv(tmp_path, LIST[:2]), period_code="2020", today=TODAY)

    assert snapshot()[0][3] == "P-A"


def test_it_changes_nothing_when_the_same_file_comes_again(people, period, tmp_path):
    path = write_csv(tmp_path, LIST)
    nominations_import(path=path, period_code="2019", today=TODAY)
    before = snapshot(), list(Verdict.objects.values_list("pk", "evaluated_at"))

    again = nominations_import(path=path, period_code="2019", today=TODAY)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert (snapshot(), list(Verdict.objects.values_list("pk", "evaluated_at"))) == before


def test_it_updates_the_nominating_unit(people, period, tmp_path):
    nominations_import(path=write_csv(tmp_path, LIST), period_code="2019", today=TODAY)

    result = nominations_import(
        path=write_csv(tmp_path, [HEADER, "S002,lao_dong_tien_tien,X-B"]),
        period_code="2019",
        today=TODAY,
    )

    assert result.updated == 1
    assert [(c.old, c.new) for c in result.plans[0].changes] == [("P-A", "X-B")]
    assert Nomination.objects.get(staff__code="S002").unit.code == "X-B"


def test_the_council_list_follows_a_nomination_to_its_new_unit(people, period, tmp_path):
    nominations_import(path=write_csv(tmp_path, LIST), period_code="2019", today=TODAY)
    old_unit = Nomination.objects.get(staff__code="S002").unit
    nominations_import(
        path=write_csv(tmp_path, [HEADER, "S002,lao_dong_tien_tien,X-B"]),
        period_code="2019",
        today=TODAY,
    )
    new_unit = Nomination.objects.get(staff__code="S002").unit

    def listed(unit):
        page = nomination_page(period=period, filters=ListFilter(unit=unit), after=None)
        return [row.staff_code for row in page.rows]

    assert "S002" in listed(new_unit)
    assert "S002" not in listed(old_unit)


def test_it_judges_again_only_the_nominations_it_writes(people, period, tmp_path):
    """Judging the whole period again after each file took a minute at national scale: a
    unit head's list of a few people costs what those people's nominations cost."""
    nominations_import(path=write_csv(tmp_path, LIST), period_code="2019", today=TODAY)
    make_record(people[2], local(2019, 6, 1), RecordStatus.CONFIRMED)

    with CaptureQueriesContext(connection) as queries:
        nominations_import(
            path=write_csv(tmp_path, [HEADER, "S003,lao_dong_tien_tien,"]),
            period_code="2019",
            today=TODAY,
        )

    assert whole_period_reads(queries.captured_queries) == []
    assert snapshot()[-1] == ("2019", "S003", "lao_dong_tien_tien", "P-A", VerdictStatus.EXCLUDED)


def test_the_counts_follow_a_nomination_to_its_new_unit(people, period, tmp_path):
    nominations_import(path=write_csv(tmp_path, LIST), period_code="2019", today=TODAY)

    nominations_import(
        path=write_csv(tmp_path, [HEADER, "S002,lao_dong_tien_tien,X-B"]),
        period_code="2019",
        today=TODAY,
    )

    counts = VerdictTally.objects.filter(period=period, title__code="lao_dong_tien_tien")
    assert sorted(counts.values_list("unit__code", "eligible")) == [("X-B", 2)]


@pytest.mark.parametrize(
    ("lines", "problems"),
    [
        pytest.param(
            [HEADER, "S404,lao_dong_tien_tien,"],
            [Problem(2, "staff_code", UNKNOWN_STAFF_CODE, {"code": "S404"})],
            id="unknown staff",
        ),
        pytest.param(
            [HEADER, "S001,anh_hung,"],
            [
                Problem(
                    2,
                    "title",
                    UNKNOWN_TITLE_CODE,
                    {"code": "anh_hung", "titles": ALL_TITLES},
                )
            ],
            id="unknown title",
        ),
        pytest.param(
            [HEADER, "S001,tap_the_lao_dong_tien_tien,"],
            [Problem(2, "staff_code", COLLECTIVE_WITH_STAFF)],
            id="collective title",
        ),
        pytest.param(
            [HEADER, "S001,giay_khen,", "S002,giay_khen,", "S001,giay_khen,X-B"],
            [Problem(4, "staff_code", NOMINATED_TWICE, {"row": 2})],
            id="a person twice for a title",
        ),
        pytest.param(
            [HEADER, "S001,giay_khen,P-ZZ"],
            [Problem(2, "agency_code", UNKNOWN_UNIT, {"code": "P-ZZ"})],
            id="unknown unit",
        ),
        pytest.param(
            [HEADER, "S004,giay_khen,"],
            [Problem(2, "agency_code", NO_KNOWN_UNIT)],
            id="a person without any posting",
        ),
        pytest.param(
            ["staff_code", "S001"],
            [Problem(1, None, MISSING_HEADER, {"key": "title", "header": "Danh hiệu"})],
            id="missing header",
        ),
        pytest.param(
            [HEADER + ",rating", "S001,lao_dong_tien_tien,,gioi"],
            [Problem(2, "rating", UNKNOWN_CHOICE, {"value": "gioi", "choices": RATINGS})],
            id="a rating outside the list",
        ),
        pytest.param(
            [HEADER, ",lao_dong_tien_tien,X-B"],
            [Problem(2, "staff_code", STAFF_CODE_MISSING)],
            id="an individual title given to a unit",
        ),
        pytest.param(
            [HEADER, ",tap_the_lao_dong_tien_tien,"],
            [Problem(2, "agency_code", COLLECTIVE_UNIT_MISSING)],
            id="a collective nomination without a unit",
        ),
        pytest.param(
            [HEADER, ",tap_the_lao_dong_tien_tien,X-B", ",tap_the_lao_dong_tien_tien,X-B"],
            [Problem(3, "agency_code", UNIT_NOMINATED_TWICE, {"row": 2})],
            id="a unit twice for a title",
        ),
    ],
)
def test_it_refuses_a_bad_file_and_writes_nothing(people, period, tmp_path, lines, problems):
    Staff.objects.create(code="S004", full_name="Lê Văn An", category=StaffCategory.CAN_BO)
    nominations_import(path=write_csv(tmp_path, LIST[:2], name="a.csv"), period_code="2019")
    before = snapshot()

    result = nominations_import(
        path=write_csv(tmp_path, [*lines, LIST[3]]), period_code="2019", today=TODAY
    )

    assert result.problems == problems
    assert not result.written
    assert snapshot() == before


def test_it_refuses_an_unknown_period(people, period, tmp_path):
    result = nominations_import(path=write_csv(tmp_path, LIST), period_code="2018")

    assert result.problems == [Problem(None, None, UNKNOWN_PERIOD)]
    assert Nomination.objects.count() == 0


def test_it_refuses_an_approved_period(people, period, tmp_path):
    period.status = PeriodStatus.APPROVED
    period.save(update_fields=["status"])

    result = nominations_import(path=write_csv(tmp_path, LIST), period_code="2019")

    assert result.problems == [Problem(None, None, PERIOD_APPROVED)]
    assert Nomination.objects.count() == 0


def test_the_command_imports_and_prints_the_counts(people, period, tmp_path):
    stdout = io.StringIO()

    call_command(
        "import_nominations", "--period", "2019", str(write_csv(tmp_path, LIST)), stdout=stdout
    )

    assert stdout.getvalue() == "Đã nhập: thêm mới 3, cập nhật 0, giữ nguyên 0.\n"
    assert Verdict.objects.count() == 3


def test_the_command_prints_the_problems_and_fails(people, period, tmp_path):
    stderr = io.StringIO()
    bad = write_csv(tmp_path, [HEADER, "S404,lao_dong_tien_tien,"])

    with pytest.raises(CommandError, match=r"Không nhập dữ liệu nào: có 1 lỗi\."):
        call_command("import_nominations", "--period", "2019", str(bad), stderr=stderr)

    assert stderr.getvalue() == "Dòng 2, cột “staff_code”: Không có mã cán bộ “S404”.\n"
    assert Nomination.objects.count() == 0


def test_the_command_names_an_unknown_period(people, tmp_path):
    stderr = io.StringIO()

    with pytest.raises(CommandError):
        call_command(
            "import_nominations", "--period", "1999", str(write_csv(tmp_path, LIST)), stderr=stderr
        )

    assert stderr.getvalue() == "Không có kỳ xét thi đua nào mang mã này.\n"


# --- The unit head's upload -----------------------------------------------------------------


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_uploads(media_root) -> list:
    folder = media_root / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def upload(client, content: str, *, period="2019", name="list.csv"):
    file = SimpleUploadedFile(name, content.encode(), content_type="text/csv")
    return client.post(reverse("emulation:nomination_upload"), {"period": period, "file": file})


HEAD_LIST = "staff_code,title\nS003,lao_dong_tien_tien\nS001,giay_khen\n"


def test_a_unit_head_previews_then_confirms_the_list(client, unit_head, people, period):
    Nomination.objects.create(
        period=period,
        staff=people[2],
        title_id=_title("giay_khen"),
        unit=people[2].postings.get().unit,
    )
    client.force_login(unit_head)

    uploaded = upload(client, HEAD_LIST + "S003,giay_khen\n")
    preview = client.get(reverse("emulation:nomination_import_preview"))

    assert uploaded["Location"] == reverse("emulation:nomination_import_preview")
    html = preview.content.decode()
    assert "Đề nghị sẽ thêm mới" in html
    assert "Đề nghị đã có" in html
    assert Nomination.objects.count() == 1  # nothing written before the confirmation

    token = client.session[SESSION_KEY]["file"]
    confirmed = client.post(
        reverse("emulation:nomination_import_confirm"), {"file": token}, follow=True
    )

    assert confirmed.redirect_chain == [(reverse("emulation:nominations"), 302)]
    assert "Đã nhập: thêm mới 2, cập nhật 0, giữ nguyên 1." in confirmed.content.decode()
    assert sorted(
        Nomination.objects.values_list("staff__code", "title__code", "unit__code", "submitted_by")
    ) == [
        ("S001", "giay_khen", "P-A", unit_head.pk),
        ("S003", "giay_khen", "P-A", None),
        ("S003", "lao_dong_tien_tien", "P-A", unit_head.pk),
    ]
    # Each judged in the same transaction: the counts hold all three (giấy khen has no criteria:
    # plainly eligible, without a verdict row).
    assert (
        sum(tally.eligible + tally.excluded + tally.pending for tally in VerdictTally.objects.all())
        == 3
    )
    assert SESSION_KEY not in client.session


def _title(code):
    from emulation.models import Title

    return Title.objects.get(code=code).pk


def test_it_refuses_people_outside_the_heads_unit(client, unit_head, people, period):
    client.force_login(unit_head)
    upload(client, "staff_code,title,agency_code\nS002,giay_khen,\nS003,giay_khen,X-B\n")

    preview = client.get(reverse("emulation:nomination_import_preview"))
    forced = client.post(
        reverse("emulation:nomination_import_confirm"),
        {"file": client.session[SESSION_KEY]["file"]},
    )

    html = preview.content.decode()
    assert "Có 2 lỗi: chưa nhập dữ liệu nào cho đến khi tệp được sửa." in html
    assert f"<td>{STAFF_OUTSIDE_UNIT}</td>" in html
    assert f"<td>{NOT_YOUR_UNIT % {'code': 'P-A'}}</td>" in html
    assert "Xác nhận nhập dữ liệu" not in html
    assert forced.status_code == 400
    assert Nomination.objects.count() == 0


def test_it_refuses_a_file_over_the_limit(client, unit_head, people, period, settings, media_root):
    settings.IMPORT_MAX_BYTES = 1024
    client.force_login(unit_head)

    response = upload(client, HEAD_LIST + "S003,giay_khen\n" * 200)

    assert response.status_code == 413
    assert "Tệp lớn hơn 1,0\xa0KB" in response.content.decode()
    assert stored_uploads(media_root) == []
    assert Nomination.objects.count() == 0


def test_it_still_checks_the_csrf_token_of_an_upload(unit_head, people, period, media_root):
    client = Client(enforce_csrf_checks=True)
    client.force_login(unit_head)

    response = upload(client, HEAD_LIST)

    assert response.status_code == 403
    assert stored_uploads(media_root) == []


def test_it_discards_a_pending_file(client, unit_head, people, period, media_root):
    client.force_login(unit_head)
    upload(client, HEAD_LIST)

    client.post(reverse("emulation:nomination_import_cancel"))

    assert stored_uploads(media_root) == []
    assert SESSION_KEY not in client.session


HEAD_ONLY = [("post", "emulation:nomination_upload", [])]
HEAD_OR_REVIEWER = [
    ("get", "emulation:nomination_import_preview", []),
    ("post", "emulation:nomination_import_confirm", []),
    ("post", "emulation:nomination_import_cancel", []),
]
REVIEWER_ONLY = [("post", "emulation:period_upload", ["2019"])]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "method", "url_name", "args"),
    [
        *((persona, *request) for persona in ("reviewer",) for request in HEAD_ONLY),
        *(
            (persona, *request)
            for persona in ("inspector", "council_member", "outsider")
            for request in HEAD_ONLY + HEAD_OR_REVIEWER + REVIEWER_ONLY
        ),
        *((persona, *request) for persona in ("unit_head",) for request in REVIEWER_ONLY),
    ],
)
def test_it_refuses_other_roles(
    client, request, people, period, media_root, persona, method, url_name, args
):
    client.force_login(request.getfixturevalue(persona))
    data = {"period": "2019", "file": SimpleUploadedFile("list.csv", HEAD_LIST.encode())}

    response = getattr(client, method)(reverse(url_name, args=args), data)

    assert response.status_code == 403
    assert stored_uploads(media_root) == []
    assert Nomination.objects.count() == 0


def test_a_reviewer_uploads_any_units_list_from_the_period_page(
    client, reviewer, people, period, unit_b
):
    client.force_login(reviewer)
    page = client.get(reverse("emulation:period", args=["2019"])).content.decode()
    assert reverse("emulation:period_upload", args=["2019"]) in page
    file = SimpleUploadedFile("list.csv", LIST_CSV.encode(), content_type="text/csv")

    uploaded = client.post(reverse("emulation:period_upload", args=["2019"]), {"file": file})
    preview = client.get(reverse("emulation:nomination_import_preview"))
    confirmed = client.post(
        reverse("emulation:nomination_import_confirm"),
        {"file": client.session[SESSION_KEY]["file"]},
    )

    assert uploaded["Location"] == reverse("emulation:nomination_import_preview")
    assert "Đề nghị sẽ thêm mới" in preview.content.decode()
    assert confirmed["Location"] == reverse("emulation:period", args=["2019"])
    assert sorted(Nomination.objects.values_list("staff__code", "title__code", "unit__code")) == [
        ("S001", "chien_si_thi_dua_co_so", "X-B"),
        ("S001", "lao_dong_tien_tien", "X-B"),
        ("S002", "lao_dong_tien_tien", "P-A"),
    ]


def test_a_reviewer_may_restrict_the_list_to_one_unit(client, reviewer, people, period, unit_a):
    client.force_login(reviewer)
    file = SimpleUploadedFile("list.csv", LIST_CSV.encode(), content_type="text/csv")

    client.post(
        reverse("emulation:period_upload", args=["2019"]), {"unit": unit_a.pk, "file": file}
    )
    html = client.get(reverse("emulation:nomination_import_preview")).content.decode()

    # S002 is posted to X-B and the file names P-A for him: both are refused for P-A.
    assert f"<td>{STAFF_OUTSIDE_UNIT}</td>" in html
    assert Nomination.objects.count() == 0


def test_the_period_page_offers_no_upload_to_the_council(client, council_member, period):
    client.force_login(council_member)

    page = client.get(reverse("emulation:period", args=["2019"])).content.decode()

    assert reverse("emulation:period_upload", args=["2019"]) not in page


def test_it_refuses_a_unit_head_without_a_unit(client, people, period, media_root):
    from personnel.models import Role
    from tests.factories import make_user

    client.force_login(make_user("headless", role=Role.UNIT_HEAD))

    response = upload(client, HEAD_LIST)

    assert response.status_code == 403
    assert stored_uploads(media_root) == []


def test_it_imports_ratings_initiatives_and_collective_nominations(people, period, tmp_path):
    path = tmp_path / "de-nghi.csv"
    path.write_text(
        "Mã cán bộ,Danh hiệu,Đơn vị đề nghị,Xếp loại,Sáng kiến\n"
        "S001,lao_dong_tien_tien,,xuat_sac,\n"
        "S001,chien_si_thi_dua_co_so,,,Số hóa hồ sơ một cửa\n"
        ",tap_the_lao_dong_tien_tien,X-B,,\n",
        encoding="utf-8",
    )

    summary = nominations_import(path=path, period_code="2019")

    assert summary.problems == [] and summary.created == 3
    rows = Nomination.objects.order_by("pk").values_list(
        "staff__code", "title__code", "unit__code", "rating", "initiative"
    )
    assert list(rows) == [
        ("S001", "lao_dong_tien_tien", "X-B", "xuat_sac", ""),
        ("S001", "chien_si_thi_dua_co_so", "X-B", "", "Số hóa hồ sơ một cửa"),
        (None, "tap_the_lao_dong_tien_tien", "X-B", "", ""),
    ]
    # The same file again changes nothing; a new rating is an update shown in the preview.
    assert nominations_import(path=path, period_code="2019").created == 0
    path.write_text("staff_code,title,rating\nS001,lao_dong_tien_tien,tot\n", encoding="utf-8")
    again = nominations_import(path=path, period_code="2019", dry_run=True)
    assert [(plan.code, plan.action) for plan in again.plans] == [("S001", "updated")]
    assert [(change.old, change.new) for change in again.plans[0].changes] == [("xuat_sac", "tot")]
