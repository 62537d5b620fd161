"""Journey: the team leader signs a record's minutes digitally, the reviewer confirms the
record and countersigns, and downloads the signed PDF; the page shows both signatures intact.
Real keys from a throw-away CA (tests/signing_keys.py), PKCS#12 files. Vietnamese and English."""

import io

import pytest
from pypdf import PdfReader

from core.signing import verify_pdf
from exports.models import SignedDocument
from exports.signed import signed_bytes
from tests.signing_keys import PASSPHRASE, build_authority, sign_with
from tests.system.browser.journeys import (
    build_city,
    check_page,
    heading,
    log_in,
    messages_of,
    submitted_record,
    t,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("media_root"),
]


@pytest.fixture
def signing_keys(settings, tmp_path):
    authority = build_authority(
        tmp_path / "ca",
        {"thanhtra_test": ("Trần Khôi", "Trưởng đoàn"), "noivu_test": ("Phạm Lan", "Chuyên viên")},
    )
    sign_with(settings, authority)
    return authority


def sign(page, language: str, button: str):
    page.click(f"main button:text-is('{t(language, button)}')")
    assert heading(page) == t(language, "Confirm this step")
    page.fill("#id_pin", PASSPHRASE)
    page.click("button.button--consequential")
    assert messages_of(page) == [t(language, "The minutes are signed.")]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_it_signs_the_minutes_as_team_leader_and_reviewer(desktop, signing_keys, language):
    desktop.set_default_timeout(15_000)
    city = build_city()
    record = submitted_record(city, city.people["Nguyễn Thị Hằng"])
    record_url = f"/inspections/records/{record.pk}/"

    # The round's lead signs the submitted minutes.
    log_in(desktop, "thanhtra_test", language)
    desktop.goto(record_url)
    assert desktop.locator(".signature").count() == 0
    sign(desktop, language, "Sign the minutes as team leader")
    assert (
        desktop.locator(".signature--intact")
        .all_inner_texts()[0]
        .startswith(t(language, "Signed by %(signer)s, intact", signer="Trần Khôi"))
    )
    check_page(desktop, language)

    # The reviewer confirms the record, then countersigns.
    desktop.context.clear_cookies()
    log_in(desktop, "noivu_test", language)
    desktop.goto(record_url)
    desktop.click(f"main button:text-is('{t(language, 'Confirm')}')")
    desktop.click("button.button--consequential")
    assert messages_of(desktop) == [t(language, "The record is confirmed.")]
    sign(desktop, language, "Countersign the minutes")
    assert desktop.locator(".signature strong").all_inner_texts() == [
        t(language, "Signed by %(signer)s, intact", signer="Trần Khôi"),
        t(language, "Signed by %(signer)s, intact", signer="Phạm Lan"),
    ]
    check_page(desktop, language)

    # The signed PDF, version 2, downloaded: both signatures in it, and it holds.
    links = desktop.locator("ul.signed-versions a")
    assert links.count() == 2
    download = desktop.request.get(links.nth(1).get_attribute("href"))
    assert download.status == 200
    assert download.headers["content-type"] == "application/pdf"
    data = download.body()
    assert data == signed_bytes(SignedDocument.objects.get(version=2))
    fields = PdfReader(io.BytesIO(data)).get_fields()
    assert {"TruongDoan", "NoiVu"} <= set(fields)
    assert [(check.signer, check.intact) for check in verify_pdf(data)] == [
        ("Trần Khôi", True),
        ("Phạm Lan", True),
    ]
