"""The council's secretary signs the list and the minutes of the council's meeting digitally:
each signature a version kept as signed and served from then on, never made again; nobody else
signs, and not before the list is with the council. Real keys from a throw-away CA."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core import signing
from core.errors import DomainError
from core.models import Refusal
from emulation import signature_services
from emulation.documents import SIGNED_LIST, SIGNED_MEETING
from emulation.models import CouncilMeeting, PeriodAction, PeriodEvent, PeriodStatus
from exports.models import SignedDocument
from exports.signed import signed_bytes
from personnel.models import Role
from tests.conftest import drained
from tests.factories import make_period, make_staff, make_user, nominate_directly
from tests.signing_keys import PASSPHRASE
from tests.test_signing import stamp_text


@pytest.fixture
def secretary(db):
    return make_user("thuky", role=Role.COUNCIL, first_name="Huy", last_name="Vũ Quang")


@pytest.fixture
def member(db):
    return make_user("hoidong2", role=Role.COUNCIL, first_name="Bình", last_name="Đỗ Văn")


@pytest.fixture
def period(signing_settings, unit_a, secretary):
    period = make_period("2019", status=PeriodStatus.COUNCIL_REVIEW, secretary=secretary)
    nominate_directly(period, make_staff("S001", unit=unit_a), "lao_dong_tien_tien")
    return period


def sign(period, kind, signer, pin=PASSPHRASE):
    return signature_services.council_document_sign(
        period=period, kind=kind, signer=signer, pin=pin
    )


def test_the_secretary_signs_the_list_which_is_then_served_as_signed(
    client, period, secretary, member
):
    document = sign(period, SIGNED_LIST, secretary)

    data = signed_bytes(document)
    [check] = signing.verify_pdf(data)
    assert (check.intact, check.signer) == (True, "Vũ Quang Huy")
    assert "Chức danh: Thư ký Hội đồng Thi đua - Khen thưởng" in stamp_text(data, "ThuKy")
    assert (document.kind, document.subject, document.version) == (SIGNED_LIST, "2019", 1)
    event = PeriodEvent.objects.get(action=PeriodAction.SIGNED)
    assert (event.actor, event.reason) == (
        secretary,
        "Danh sách xét thi đua, khen thưởng (bản ký số 1)",
    )
    # The whole list is the signed one, whoever downloads it; a filtered one is made anew.
    client.force_login(member)
    whole = client.get(reverse("emulation:period_export_pdf", args=["2019"]))
    assert whole.content == data
    assert "ky-so" in whole["Content-Disposition"]
    filtered = client.get(
        reverse("emulation:period_export_pdf", args=["2019"]), {"status": "eligible"}
    )
    assert filtered.content != data and filtered.content.startswith(b"%PDF")


def test_the_page_shows_the_signature_checked_and_the_signed_file(client, period, secretary):
    sign(period, SIGNED_LIST, secretary)
    client.force_login(secretary)

    page = client.get(reverse("emulation:period", args=["2019"])).content.decode()
    signed_url = reverse("emulation:council_signed", args=["2019", SIGNED_LIST])
    assert signed_url in page
    checks = client.get(signed_url).content.decode()
    assert "Ký bởi Vũ Quang Huy, còn nguyên vẹn" in checks
    download = client.get(reverse("emulation:council_signed_pdf", args=["2019", SIGNED_LIST]))
    assert download.content == signed_bytes(SignedDocument.objects.get())


def test_it_signs_from_the_period_page_after_asking_once_more_for_the_pin(
    client, period, secretary
):
    client.force_login(secretary)
    url = reverse("emulation:council_document_sign", args=["2019", SIGNED_LIST])
    page = client.get(reverse("emulation:period", args=["2019"])).content.decode()
    assert url in page

    asked = client.post(url)

    assert 'name="pin"' in asked.content.decode()
    assert not SignedDocument.objects.exists()
    client.post(url, {"confirmed": "yes", "pin": PASSPHRASE})
    assert SignedDocument.objects.get().signed_by == secretary


def test_only_the_periods_secretary_signs(period, member):
    with pytest.raises(DomainError) as refused:
        sign(period, SIGNED_LIST, member)

    assert refused.value.message == signature_services.NOT_SECRETARY
    assert not SignedDocument.objects.exists()
    assert Refusal.objects.get().action == "council.sign"


def test_the_list_is_signed_once_it_is_with_the_council(period, secretary):
    period.status = PeriodStatus.COLLECTING
    period.save(update_fields=["status"])

    with pytest.raises(DomainError) as refused:
        sign(period, SIGNED_LIST, secretary)

    assert refused.value.message == signature_services.LIST_NOT_WITH_COUNCIL
    assert not SignedDocument.objects.exists()


def test_the_minutes_of_the_meeting_are_signed_once_recorded_and_only_once(
    period, secretary, signing_settings
):
    with pytest.raises(DomainError) as not_recorded:
        sign(period, SIGNED_MEETING, secretary)
    assert not_recorded.value.message == signature_services.MEETING_NOT_RECORDED

    CouncilMeeting.objects.create(
        period=period, held_at=timezone.now() - datetime.timedelta(hours=2), place="Phòng họp 1",
        chair="Hoàng Văn Minh", members_present=9, members_absent=2, votes_agree=9,
        votes_disagree=0, votes_abstain=0, recorded_by=secretary, recorded_at=timezone.now(),
    )  # fmt: skip
    period.refresh_from_db()
    document = sign(period, SIGNED_MEETING, secretary)
    [check] = signing.verify_pdf(signed_bytes(document))
    assert check.intact

    with pytest.raises(DomainError) as again:
        sign(period, SIGNED_MEETING, secretary)
    assert again.value.message == signature_services.DOCUMENT_ALREADY_SIGNED
    assert SignedDocument.objects.count() == 1


def test_a_wrong_pin_writes_nothing(period, secretary, signing_settings):
    with pytest.raises(DomainError) as refused:
        sign(period, SIGNED_LIST, secretary, pin="0000")

    assert refused.value.message == signing.WRONG_PIN
    assert not SignedDocument.objects.exists()
    assert not PeriodEvent.objects.filter(action=PeriodAction.SIGNED).exists()
    signed_folder = signing_settings.MEDIA_ROOT / "signed"
    assert not signed_folder.exists() or not any(signed_folder.rglob("*.pdf"))


def test_a_document_not_signed_answers_404(client, period, member):
    client.force_login(member)

    response = client.get(reverse("emulation:council_signed", args=["2019", SIGNED_LIST]))

    drained(response)
    assert response.status_code == 404
