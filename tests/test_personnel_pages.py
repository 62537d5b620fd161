"""Unit tree, unit page, staff list with on-site search, staff page, regulations register."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from personnel.models import Posting, Regulation, Staff, StaffCategory, Unit, UnitKind
from personnel.selectors import regulation_coverage
from personnel.services import staff_transfer

DAY = datetime.date
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def add_staff(code, name, unit, *, badge="", starts_on=None, **extra):
    staff = Staff.objects.create(
        code=code, full_name=name, category=StaffCategory.CONG_CHUC, badge_number=badge, **extra
    )
    Posting.objects.create(staff=staff, unit=unit, starts_on=starts_on)
    return staff


@pytest.fixture
def namesakes(unit_a, unit_b):
    """Two Nguyễn Văn Hùng in two units, a Hưng, and a Đức."""
    return {
        "hung_a": add_staff("S001", "Nguyễn Văn Hùng", unit_a, badge="P-A.001088000111.CC"),
        "hung_b": add_staff("S002", "Nguyễn Văn Hùng", unit_b, badge="X-B.001088000222.CC"),
        "hung2": add_staff("S003", "Nguyễn Văn Hưng", unit_a),
        "duc": add_staff("S004", "Đặng Minh Đức", unit_b),
    }


def search(client, **params):
    response = client.get(reverse("personnel:staff_list"), params)
    assert response.status_code == 200
    return [person.code for person in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nguyen van hung", ["S001", "S002", "S003"]),
        ("NGUYEN VAN HUNG", ["S001", "S002", "S003"]),
        ("hùng", ["S001", "S002", "S003"]),
        ("NVH", ["S001", "S002", "S003"]),
        ("dang duc", ["S004"]),
        ("đức", ["S004"]),
        ("001088000222", ["S002"]),
        ("nguyen xyz", []),
    ],
)
def test_it_finds_people_as_typed_on_site(client, reviewer, namesakes, query, expected):
    client.force_login(reviewer)

    assert sorted(search(client, q=query)) == expected


def test_it_lists_exact_diacritics_before_other_foldings(client, reviewer, namesakes):
    client.force_login(reviewer)

    found = search(client, q="hưng")

    assert found[0] == "S003"
    assert set(found) == {"S001", "S002", "S003"}


def test_it_puts_the_chosen_units_namesake_first(client, reviewer, namesakes):
    client.force_login(reviewer)

    in_b = search(client, q="nguyen van hung", unit="X-B")

    assert in_b == ["S002"]


@pytest.mark.parametrize("typed", ["X-B", "x-b", "Hoàng Đồng", "xã hoàng"])
def test_it_filters_by_a_unit_typed_by_code_or_name(client, reviewer, namesakes, typed):
    client.force_login(reviewer)

    assert sorted(search(client, unit=typed)) == ["S002", "S004"]


def test_it_lists_no_units_in_the_staff_filter(client, reviewer, namesakes):
    Unit.objects.bulk_create(
        Unit(code=f"T{index:04d}", name=f"Trường số {index}", kind=UnitKind.OTHER)
        for index in range(300)
    )
    client.force_login(reviewer)

    html = client.get(reverse("personnel:staff_list")).content.decode()

    assert "<option" not in html.split('name="unit"')[1].split("</div>")[0]
    assert "Trường số 7" not in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Thị trấn", "Không có đơn vị nào có mã này hoặc có tên chứa nội dung này."),
        ("g", "Có nhiều đơn vị phù hợp: Phường Đông Kinh (P-A), Xã Hoàng Đồng (X-B)."),
    ],
)
def test_it_says_when_the_typed_unit_is_not_one(client, reviewer, namesakes, typed, message):
    client.force_login(reviewer)

    response = client.get(reverse("personnel:staff_list"), {"unit": typed})

    assert message in response.content.decode()


def test_it_ranks_the_current_unit_first_in_search(namesakes, unit_b):
    from personnel.selectors import staff_search

    found = staff_search(query="nvh", current_unit=unit_b, day=timezone.localdate())

    assert found[0].code == "S002"


def test_it_filters_by_category_and_status(client, reviewer, namesakes):
    Staff.objects.filter(code="S004").update(category=StaffCategory.VIEN_CHUC, is_active=False)
    client.force_login(reviewer)

    assert search(client, category="vien_chuc") == ["S004"]
    assert search(client, active="no") == ["S004"]
    assert "S004" not in search(client, active="yes")


def test_it_keeps_the_staff_list_query_count_as_staff_grow(
    client, reviewer, unit_a, django_assert_num_queries
):
    def grow_to(total):
        have = Staff.objects.count()
        people = Staff.objects.bulk_create(
            Staff(code=f"N{index:05d}", full_name=f"Người {index}", category="cong_chuc")
            for index in range(have, total)
        )
        Posting.objects.bulk_create(Posting(staff=person, unit=unit_a) for person in people)

    client.force_login(reviewer)
    grow_to(10)
    client.get(reverse("personnel:staff_list"))  # warm the session and user caches
    # session, the user with their roles, count, one page of staff with their unit today (the
    # session is saved at most once a minute); the unit filter lists no units
    with django_assert_num_queries(4):
        small = client.get(reverse("personnel:staff_list"))
    grow_to(1000)
    with django_assert_num_queries(4):
        large = client.get(reverse("personnel:staff_list"))

    assert len(small.context["page"].object_list) == 10
    assert large.context["page"].paginator.count == 1000


def test_it_shows_a_unit_heads_own_staff_only(client, unit_head, namesakes):
    client.force_login(unit_head)

    assert sorted(search(client)) == ["S001", "S003"]
    assert sorted(search(client, unit="X-B")) == ["S001", "S003"]
    assert client.get(reverse("personnel:staff_detail", args=["S001"])).status_code == 200
    assert client.get(reverse("personnel:staff_detail", args=["S002"])).status_code == 404
    assert client.get(reverse("personnel:unit_detail", args=["X-B"])).status_code == 403
    assert client.get(reverse("personnel:unit_detail", args=["P-A"])).status_code == 200


def test_it_refuses_the_council_and_outsiders_personnel_pages(
    client, council_member, outsider, namesakes
):
    for user in (council_member, outsider):
        client.force_login(user)
        for url in (
            reverse("personnel:staff_list"),
            reverse("personnel:staff_detail", args=["S001"]),
            reverse("personnel:unit_detail", args=["P-A"]),
        ):
            assert client.get(url).status_code == 403, url


def test_it_shows_the_unit_staff_on_a_chosen_day(client, reviewer, namesakes, unit_a, unit_b):
    staff_transfer(staff=namesakes["hung_a"], unit=unit_b, on=DAY(2024, 1, 1))
    client.force_login(reviewer)
    url = reverse("personnel:unit_detail", args=["P-A"])

    before_page = client.get(url, {"on": "31/12/2023"})
    before = before_page.context["staff"]
    after = client.get(url, {"on": "2024-01-01"}).context["staff"]

    assert 'value="31/12/2023"' in before_page.content.decode()

    assert [person.code for person in before] == ["S001", "S003"]
    assert [person.code for person in after] == ["S003"]


def test_it_shows_the_postings_on_the_staff_page(client, inspector, namesakes, unit_b):
    staff_transfer(staff=namesakes["hung_a"], unit=unit_b, on=DAY(2024, 3, 1))
    client.force_login(inspector)

    html = client.get(reverse("personnel:staff_detail", args=["S001"])).content.decode()

    assert "Phường Đông Kinh" in html
    assert "đến ngày 29/02/2024" in html
    assert "Xã Hoàng Đồng" in html
    assert "từ ngày 01/03/2024" in html


def test_it_draws_the_tree_of_units_existing_that_day(client, inspector, unit_a):
    Unit.objects.create(code="T-A1", name="Tổ dân phố 1", kind=UnitKind.OTHER, parent=unit_a)
    Unit.objects.create(
        code="OLD", name="Xã đã sáp nhập", kind=UnitKind.COMMUNE, valid_to=DAY(2025, 6, 30)
    )
    client.force_login(inspector)

    today = client.get(reverse("personnel:units"), {"on": "2025-07-01"}).context["tree"]
    earlier = client.get(reverse("personnel:units"), {"on": "2025-06-30"}).context["tree"]

    assert [(unit.code, depth) for unit, depth in today] == [("P-A", 0), ("T-A1", 1)]
    assert "OLD" in [unit.code for unit, _depth in earlier]


def regulation_post(client, unit_code, document):
    return client.post(
        reverse("personnel:regulation_new", args=[unit_code]),
        {
            "kind": "working_rules",
            "action": "amended",
            "title": "Quy chế làm việc năm 2019",
            "document_number": "12/QĐ-UBND",
            "signed_on": "15/03/2019",
            "document": document,
        },
    )


def test_it_records_a_regulation_with_its_document(client, unit_head, unit_a):
    client.force_login(unit_head)

    response = regulation_post(
        client, "P-A", SimpleUploadedFile("quy che.pdf", PDF_BYTES, "application/pdf")
    )

    assert response.status_code == 302
    regulation = Regulation.objects.get()
    assert (regulation.unit, regulation.signed_on, regulation.recorded_by) == (
        unit_a,
        DAY(2019, 3, 15),
        unit_head,
    )
    assert regulation.document.name.endswith(".pdf")
    assert "quy che" not in regulation.document.name
    download = client.get(reverse("personnel:regulation_document", args=[regulation.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("script.pdf", b"#!/bin/sh\necho pwned\n", "Văn bản phải là tệp PDF, DOCX hoặc DOC."),
        ("anh.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100, "Văn bản phải là tệp PDF, DOCX hoặc DOC."),
    ],
)
def test_it_refuses_a_document_that_is_not_one(client, reviewer, unit_a, name, content, message):
    client.force_login(reviewer)

    response = regulation_post(client, "P-A", SimpleUploadedFile(name, content))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Regulation.objects.exists()


def test_it_refuses_a_document_over_the_limit(client, reviewer, unit_a, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    client.force_login(reviewer)

    big = SimpleUploadedFile("lon.pdf", PDF_BYTES + b"0" * (1024 * 1024))
    response = regulation_post(client, "P-A", big)

    assert "Văn bản lớn hơn 1 MB." in response.content.decode()
    assert not Regulation.objects.exists()


def test_it_accepts_a_word_document(client, reviewer, unit_a):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    client.force_login(reviewer)

    regulation_post(client, "P-A", SimpleUploadedFile("qc.docx", buffer.getvalue()))

    assert Regulation.objects.get().document.name.endswith(".docx")


def test_it_refuses_regulations_from_others(client, unit_head, inspector, unit_b):
    for user in (unit_head, inspector):
        client.force_login(user)
        response = regulation_post(client, "X-B", SimpleUploadedFile("a.pdf", PDF_BYTES))
        assert response.status_code == 403

    assert not Regulation.objects.exists()


def test_it_hides_another_units_regulation_document(client, unit_head, unit_b, reviewer):
    client.force_login(reviewer)
    regulation_post(client, "X-B", SimpleUploadedFile("a.pdf", PDF_BYTES))
    client.force_login(unit_head)

    response = client.get(
        reverse("personnel:regulation_document", args=[Regulation.objects.get().pk])
    )

    assert response.status_code == 404


def test_it_counts_units_that_issued_or_amended_regulations(unit_a, unit_b):
    Regulation.objects.create(
        unit=unit_a, kind="working_rules", title="Nội quy", signed_on=DAY(2019, 5, 2)
    )
    Regulation.objects.create(
        unit=unit_b, kind="spending_rules", title="Chi tiêu", signed_on=DAY(2018, 12, 31)
    )

    coverage_2019 = regulation_coverage(start=DAY(2019, 1, 1), end=DAY(2019, 12, 31))
    coverage_2018_2019 = regulation_coverage(start=DAY(2018, 1, 1), end=DAY(2019, 12, 31))

    assert coverage_2019 == {"total": 2, "covered": 1, "percent": 50}
    assert coverage_2018_2019 == {"total": 2, "covered": 2, "percent": 100}
