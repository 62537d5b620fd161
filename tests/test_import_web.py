"""Imports from the web: upload, preview with nothing written, confirm; size limit; roles."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from personnel.import_views import SESSION_KEY
from personnel.models import Posting, Staff, Unit

AGENCIES = (
    "code,name,kind,parent_code\nUB,UBND thành phố,department,\nP-CL,Phường Chi Lăng,ward,UB\n"
)
STAFF = "staff_code,full_name,agency_code,category\nS001,Nguyễn Văn Hùng,P-A,cong_chuc\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_uploads(media_root) -> list:
    folder = media_root / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def upload(client, content: str, *, kind="agencies", name="units.csv"):
    file = SimpleUploadedFile(name, content.encode(), content_type="text/csv")
    return client.post(reverse("personnel:import"), {"kind": kind, "file": file})


def test_it_previews_then_imports_on_confirmation(client, reviewer, media_root):
    client.force_login(reviewer)

    uploaded = upload(client, AGENCIES)
    preview = client.get(reverse("personnel:import_preview"))

    assert uploaded.status_code == 302
    assert uploaded["Location"] == reverse("personnel:import_preview")
    html = preview.content.decode()
    assert "Phường Chi Lăng" in html
    assert "Xác nhận nhập dữ liệu" in html
    assert Unit.objects.count() == 0  # nothing written before the confirmation
    token = client.session[SESSION_KEY]["file"]
    # The file, and what its preview shows, read at the upload.
    assert [path.name for path in stored_uploads(media_root)] == [token, f"{token}.preview.json"]

    confirmed = client.post(reverse("personnel:import_confirm"), {"file": token}, follow=True)

    assert confirmed.redirect_chain == [(reverse("personnel:import"), 302)]
    assert "Đã nhập: thêm mới 2, cập nhật 0, giữ nguyên 0." in confirmed.content.decode()
    assert sorted(Unit.objects.values_list("code", "parent__code")) == [
        ("P-CL", "UB"),
        ("UB", None),
    ]
    assert stored_uploads(media_root) == []
    assert SESSION_KEY not in client.session


def test_it_shows_what_a_row_changes(client, reviewer, unit_a):
    client.force_login(reviewer)
    upload(client, "code,name,kind\nP-A,Phường Đông Kinh mới,ward\n")

    html = client.get(reverse("personnel:import_preview")).content.decode()

    assert "Các dòng sẽ cập nhật" in html
    assert "Tên: Phường Đông Kinh → Phường Đông Kinh mới" in html


def test_it_lists_the_bad_rows_and_offers_no_confirmation(client, administrator, unit_a):
    client.force_login(administrator)
    upload(client, STAFF.replace("P-A", "P-ZZ"), kind="staff", name="staff.csv")

    preview = client.get(reverse("personnel:import_preview"))
    token = client.session[SESSION_KEY]["file"]
    forced = client.post(reverse("personnel:import_confirm"), {"file": token})

    html = preview.content.decode()
    assert "Có 1 lỗi: chưa nhập dữ liệu nào cho đến khi tệp được sửa." in html
    assert "Không có mã đơn vị “P-ZZ”." in html
    assert "Xác nhận nhập dữ liệu" not in html
    assert forced.status_code == 400
    assert Staff.objects.count() == Posting.objects.count() == 0


def test_it_says_which_files_it_reads(client, reviewer):
    client.force_login(reviewer)
    upload(client, "code\n", name="units.pdf")

    html = client.get(reverse("personnel:import_preview")).content.decode()

    assert "Tệp phải là bảng tính CSV (.csv), Excel (.xlsx, .xls) hoặc OpenDocument (.ods)." in html


def test_it_refuses_a_file_over_the_limit_before_reading_it(client, reviewer, settings, media_root):
    settings.IMPORT_MAX_BYTES = 1024
    client.force_login(reviewer)
    big = AGENCIES + "".join(f"P-{n},Phường {n},ward,UB\n" for n in range(2000))

    response = upload(client, big)

    assert response.status_code == 413
    assert "Tệp lớn hơn 1,0\xa0KB: hãy chia nhỏ tệp" in response.content.decode()
    assert stored_uploads(media_root) == []
    assert SESSION_KEY not in client.session
    assert Unit.objects.count() == 0


def test_it_refuses_a_file_just_over_the_limit(client, reviewer, settings, media_root):
    settings.IMPORT_MAX_BYTES = 1024
    client.force_login(reviewer)

    response = upload(client, "x" * 1025)  # within the multipart allowance, over the limit

    assert response.status_code == 413
    assert stored_uploads(media_root) == []


def test_it_still_checks_the_csrf_token_of_an_upload(reviewer, media_root):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)

    response = upload(client, AGENCIES)

    assert response.status_code == 403
    assert stored_uploads(media_root) == []


def test_it_confirms_only_the_file_it_previewed(client, reviewer):
    client.force_login(reviewer)
    upload(client, AGENCIES)

    response = client.post(reverse("personnel:import_confirm"), {"file": "another"}, follow=True)

    assert "Không có tệp nào đang chờ nhập" in response.content.decode()
    assert Unit.objects.count() == 0


def test_it_discards_a_pending_file(client, reviewer, media_root):
    client.force_login(reviewer)
    upload(client, AGENCIES)

    client.post(reverse("personnel:import_cancel"))

    assert stored_uploads(media_root) == []
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    ("kind", "headers"),
    [
        (
            "agencies",
            [
                "Mã đơn vị",
                "Tên đơn vị",
                "Loại",
                "Mã đơn vị cấp trên",
                "Tên chính thức",
                "Cơ quan chủ quản",
            ],
        ),
        (
            "staff",
            [
                "Mã cán bộ",
                "Họ và tên",
                "Mã đơn vị",
                "Đối tượng",
                "Chức vụ",
                "Số thẻ",
                "Ngày tuyển dụng",
                "Ngày về đơn vị",
                "Thư điện tử",
            ],
        ),
    ],
)
def test_it_offers_templates_with_the_vietnamese_headers(client, reviewer, kind, headers):
    client.force_login(reviewer)

    response = client.get(reverse("personnel:import_template", args=[kind]))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == headers


def test_the_template_reads_back_as_an_empty_import(client, reviewer, tmp_path):
    from personnel.imports import staff_import

    client.force_login(reviewer)
    path = tmp_path / "template.xlsx"
    path.write_bytes(client.get(reverse("personnel:import_template", args=["staff"])).content)

    result = staff_import(path=path, dry_run=True)

    assert (result.problems, result.plans) == ([], [])


def test_it_shows_the_import_page_in_the_menu_of_reviewers_only(client, reviewer, inspector):
    link = f'href="{reverse("personnel:import")}"'
    client.force_login(reviewer)
    reviewer_home = client.get(reverse("home")).content.decode()
    client.force_login(inspector)
    inspector_home = client.get(reverse("home")).content.decode()

    assert link in reviewer_home
    assert "Nhập dữ liệu" in reviewer_home
    assert link not in inspector_home


REQUESTS = [
    ("get", "personnel:import", []),
    ("post", "personnel:import", []),
    ("get", "personnel:import_preview", []),
    ("post", "personnel:import_confirm", []),
    ("post", "personnel:import_cancel", []),
    ("get", "personnel:import_template", ["staff"]),
]


@pytest.mark.parametrize("persona", ["unit_head", "inspector", "council_member", "outsider"])
@pytest.mark.parametrize(("method", "url_name", "args"), REQUESTS)
def test_it_refuses_other_roles(client, request, media_root, persona, method, url_name, args):
    client.force_login(request.getfixturevalue(persona))
    units_before = Unit.objects.count()
    data = {"kind": "agencies", "file": SimpleUploadedFile("units.csv", AGENCIES.encode())}

    response = getattr(client, method)(reverse(url_name, args=args), data)

    assert response.status_code == 403
    assert stored_uploads(media_root) == []
    assert Unit.objects.count() == units_before


@pytest.mark.parametrize(("method", "url_name", "args"), REQUESTS)
def test_it_sends_anonymous_visitors_to_the_login_page(client, db, method, url_name, args):
    response = getattr(client, method)(reverse(url_name, args=args))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_previews_a_transfer(client, reviewer, unit_a, unit_b):
    client.force_login(reviewer)
    upload(client, STAFF, kind="staff", name="staff.csv")
    client.post(reverse("personnel:import_confirm"), {"file": client.session[SESSION_KEY]["file"]})
    moved = "staff_code,full_name,agency_code,category,posted_on\n"
    moved += "S001,Nguyễn Văn Hùng,X-B,cong_chuc,15/01/2024\n"
    upload(client, moved, kind="staff", name="moved.csv")

    html = client.get(reverse("personnel:import_preview")).content.decode()

    assert "Đơn vị: P-A → X-B (15/01/2024)" in html
    assert Posting.objects.get().unit == unit_a  # not before the confirmation
