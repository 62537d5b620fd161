"""The minutes as PDF: Decree 30/2020 layout, Vietnamese text with its diacritics, by permission."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from inspections import services
from inspections.models import Visit
from personnel.models import Posting, Role, Staff
from tests.factories import make_user


@pytest.fixture
def record(inspector, unit_a, monkeypatch):
    from django.utils import timezone

    today = timezone.localdate()
    the_round = services.round_create(
        code="DX-07", name="Kiểm tra đột xuất tháng 3", kind="surprise", starts_on=today,
        ends_on=today, lead=inspector, members=[], units=[unit_a],
    )  # fmt: skip
    visit = services.visit_start(
        inspection_round=the_round, unit=unit_a, actor=inspector,
        representative="Bà Hoàng Thị Lụa, Phó Chủ tịch UBND phường",
    )  # fmt: skip
    person = Staff.objects.create(
        code="S001", full_name="Nguyễn Văn Đức", category="cong_chuc", position="Công chức Tư pháp"
    )
    Posting.objects.create(staff=person, unit=unit_a)
    # 08:45 in Hà Nội on 12 March 2026 (01:45 UTC), in the visit begun at 08:15.
    occurred = datetime.datetime(2026, 3, 12, 1, 45, tzinfo=datetime.UTC)
    Visit.objects.filter(pk=visit.pk).update(started_at=occurred - datetime.timedelta(minutes=30))
    visit.refresh_from_db()
    created = services.record_create(
        author=inspector, staff=person, unit=unit_a, visit=visit, type="no_badge",
        occurred_at=occurred,
        description="Không đeo thẻ công chức khi tiếp công dân tại bộ phận một cửa.",
        explanation="Quên thẻ ở nhà.", witnesses="Ông Phạm Văn Sơn", signature="refused",
    )  # fmt: skip
    return services.record_submit(record=created, actor=inspector)


def pdf_text(response):
    reader = PdfReader(io.BytesIO(response.content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_it_prints_the_minutes_in_the_decree_30_layout(client, reviewer, record):
    client.force_login(reviewer)

    response = client.get(reverse("inspections:record_pdf", args=[record.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="bien-ban-1-BB-KTCV.pdf"'
    reader, text = pdf_text(response)
    flat = re.sub(r"\s+", " ", text)
    expected = [
        "Số: 1/BB-KTCV",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BIÊN BẢN",
        "Vi phạm kỷ luật, kỷ cương hành chính",
        "Vào lúc 08 giờ 45 phút, ngày 12/03/2026, tại Phường Đông Kinh.",
        "Người lập biên bản: Trần Khôi, thành viên đoàn kiểm tra DX-07",
        "Đại diện đơn vị: Bà Hoàng Thị Lụa, Phó Chủ tịch UBND phường.",
        "Người vi phạm: Nguyễn Văn Đức, Công chức Tư pháp, Phường Đông Kinh (mã cán bộ S001).",
        "Người chứng kiến: Ông Phạm Văn Sơn.",
        "Hành vi vi phạm: Không đeo thẻ công chức, viên chức.",
        "Không đeo thẻ công chức khi tiếp công dân tại bộ phận một cửa.",
        "III. Ý kiến giải trình của người vi phạm",
        "Quên thẻ ở nhà.",
        "NGƯỜI VI PHẠM",
        "Người vi phạm từ chối ký biên bản",
        "NGƯỜI LẬP BIÊN BẢN",
    ]
    for line in expected:
        assert line in flat, line
    # In that order: number and national title, facts, explanation, signatures.
    positions = [flat.index(line) for line in expected]
    assert positions == sorted(positions)
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    fonts = {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any(font.endswith("+Liberation-Serif") for font in fonts), fonts


def test_it_names_the_place_and_date_of_the_minutes(client, reviewer, record):
    from django.utils import timezone

    client.force_login(reviewer)
    written = timezone.localtime(record.submitted_at)

    _, text = pdf_text(client.get(reverse("inspections:record_pdf", args=[record.pk])))

    assert f"Phường Đông Kinh, ngày {written:%d} tháng {written:%m} năm {written:%Y}" in re.sub(
        r"\s+", " ", text
    )


def test_it_prints_no_minutes_for_a_draft(client, inspector, record, unit_a):
    from django.utils import timezone

    draft = services.record_create(
        author=inspector, staff=record.staff, unit=unit_a, type="other", description="Khác.",
        occurred_at=timezone.now(),
    )  # fmt: skip
    client.force_login(inspector)

    assert client.get(reverse("inspections:record_pdf", args=[draft.pk])).status_code == 404


def test_it_keeps_the_minutes_from_those_who_may_not_see_the_record(
    client, record, council_member, outsider, unit_b
):
    client.force_login(outsider)
    refused = client.get(reverse("inspections:record_pdf", args=[record.pk]))
    client.force_login(make_user("head_b", role=Role.UNIT_HEAD, unit=unit_b))
    hidden = client.get(reverse("inspections:record_pdf", args=[record.pk]))
    # The council reads only the minutes its lists cite; this record is on none.
    client.force_login(council_member)
    not_cited = client.get(reverse("inspections:record_pdf", args=[record.pk]))

    assert (refused.status_code, hidden.status_code, not_cited.status_code) == (403, 404, 404)
