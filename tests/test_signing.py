"""Digital signatures of the minutes (PAdES, pyHanko): the team leader signs, the confirming
reviewer countersigns, each signature a new version kept as signed; every check names what
is wrong. Real keys and certificates from a throw-away CA (tests/signing_keys.py)."""

import datetime
import io
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core import signing
from core.errors import DomainError
from core.models import Refusal
from exports.models import SignedDocument, SignedDocumentCheck
from exports.signed import kept_signatures, signed_bytes
from inspections import services, signature_services
from inspections.models import AuditAction, AuditEntry, InspectionRound, SigningCapacity
from personnel.models import Posting, Role, Staff
from tests.factories import make_user, visit_started_earlier
from tests.signing_keys import PASSPHRASE, make_root


@pytest.fixture
def member(db):
    return make_user("member", role=Role.INSPECTOR, first_name="Tâm", last_name="Lê Văn")


@pytest.fixture
def record(signing_settings, inspector, member, unit_a):
    today = timezone.localdate()
    the_round = services.round_create(
        code="DX-07", name="Kiểm tra đột xuất", kind="surprise", starts_on=today, ends_on=today,
        lead=inspector, members=[member], units=[unit_a],
        team_decision_number="125/QĐ-UBND", team_decision_date=today,
    )  # fmt: skip
    visit = visit_started_earlier(
        services.visit_start(inspection_round=the_round, unit=unit_a, actor=inspector)
    )
    person = Staff.objects.create(code="S001", full_name="Nguyễn Văn Đức", category="cong_chuc")
    Posting.objects.create(staff=person, unit=unit_a)
    created = services.record_create(
        author=member, staff=person, unit=unit_a, visit=visit, type="no_badge",
        occurred_at=timezone.now() - datetime.timedelta(minutes=30),
        description="Không đeo thẻ công chức khi tiếp công dân.",
    )  # fmt: skip
    return services.record_submit(record=created, actor=member)


def stored_files(settings) -> list:
    signed = settings.MEDIA_ROOT / "signed"
    return sorted(path for path in signed.rglob("*") if path.is_file()) if signed.exists() else []


def stamp_text(data: bytes, field_name: str) -> str:
    """The text drawn in the visible stamp of the signature field `field_name`."""
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[-1]
    for annotation in page["/Annots"]:
        widget = annotation.get_object()
        if widget.get("/T") == field_name:
            text = page.extract_xform_text(widget["/AP"]["/N"].get_object())
            return re.sub(r"\s+", " ", text)
    raise AssertionError(f"no signature field {field_name}")


def sign_as_lead(record, inspector, pin=PASSPHRASE):
    return signature_services.minutes_sign(
        record=record, signer=inspector, capacity=SigningCapacity.TEAM_LEADER, pin=pin
    )


def test_it_signs_the_minutes_as_team_leader_with_a_visible_stamp(record, inspector):
    document = sign_as_lead(record, inspector)

    data = signed_bytes(document)
    assert (document.version, document.capacity, document.signed_by) == (
        1,
        "team_leader",
        inspector,
    )
    [check] = signing.verify_pdf(data)
    assert (check.signer, check.intact, check.revocation_checked) == ("Trần Khôi", True, True)
    assert check.organisation == "UBND thành phố Lạng Sơn"
    stamp = stamp_text(data, "TruongDoan")
    assert "Ký bởi: Trần Khôi" in stamp
    assert "Chức danh: Trưởng đoàn kiểm tra" in stamp
    assert "Cơ quan: UBND thành phố Lạng Sơn" in stamp
    assert re.search(r"Thời gian ký: \d\d/\d\d/\d{4} \d\d:\d\d", stamp)
    # The minutes' own text is the document that was signed.
    assert "Số: 1/BB-KTCV" in re.sub(
        r"\s+", " ", PdfReader(io.BytesIO(data)).pages[0].extract_text()
    )
    entry = AuditEntry.objects.filter(record=record).last()
    assert (entry.action, entry.actor) == (AuditAction.SIGNED, inspector)
    assert entry.changes["signed_version"] == [None, 1]


def test_it_keeps_version_1_when_the_reviewer_countersigns(record, inspector, reviewer):
    first = sign_as_lead(record, inspector)
    first_bytes = signed_bytes(first)
    confirmed = services.record_confirm(record=record, reviewer=reviewer)

    second = signature_services.minutes_sign(
        record=confirmed, signer=reviewer, capacity=SigningCapacity.REVIEWER, pin=PASSPHRASE
    )

    first.refresh_from_db()
    assert [d.version for d in SignedDocument.objects.order_by("version")] == [1, 2]
    assert signed_bytes(first) == first_bytes
    second_bytes = signed_bytes(second)
    # An incremental update: version 2 is version 1 with the countersignature appended.
    assert second_bytes.startswith(first_bytes)
    checks = signing.verify_pdf(second_bytes)
    assert [(c.signer, c.intact) for c in checks] == [("Trần Khôi", True), ("Phạm Thị Lan", True)]
    assert "Ký bởi: Phạm Thị Lan" in stamp_text(second_bytes, "NoiVu")
    assert "Chức danh: Chuyên viên Phòng Nội vụ" in stamp_text(second_bytes, "NoiVu")


def test_it_serves_the_latest_signed_version_instead_of_making_the_minutes_again(
    client, record, inspector, reviewer
):
    document = sign_as_lead(record, inspector)
    client.force_login(reviewer)

    response = client.get(reverse("inspections:record_pdf", args=[record.pk]))

    assert response.content == signed_bytes(document)


def test_it_catches_one_byte_changed_after_signing(record, inspector):
    data = signed_bytes(sign_as_lead(record, inspector))
    # One byte of the minutes' first compressed stream, inside the signed range.
    position = data.index(b"stream", 100) + 12
    tampered = bytearray(data)
    tampered[position] ^= 0x01

    [check] = signing.verify_pdf(bytes(tampered))

    assert not check.intact
    assert check.failure == signing.MODIFIED
    assert check.signer == "Trần Khôi"


@pytest.mark.parametrize(
    ("key", "failure"),
    [
        ("expired", signing.EXPIRED),
        ("not_yet", signing.NOT_YET_VALID),
        ("revoked", signing.REVOKED),
        ("foreign", signing.UNTRUSTED),
    ],
)
def test_it_refuses_to_sign_with_a_certificate_that_does_not_hold(
    signing_settings, record, inspector, key, failure
):
    # The inspector's key name points at the bad certificate's file.
    signing_settings.SIGNATURE_KEY_NAMES = {"inspector": key}
    entries = AuditEntry.objects.count()

    with pytest.raises(DomainError) as refused:
        sign_as_lead(record, inspector)

    assert refused.value.message == signing.NOT_SIGNED
    assert refused.value.params["problem"].startswith(str(failure).split("%")[0])
    assert SignedDocument.objects.count() == 0
    assert AuditEntry.objects.count() == entries
    assert stored_files(signing_settings) == []


def test_it_names_the_failure_of_a_pdf_signed_with_an_expired_or_foreign_certificate(
    signing_settings, authority
):
    minutes = _plain_pdf()
    expired = signing._sign_with(
        minutes, _signer(authority, "expired"), "Trưởng đoàn", signing.TEAM_LEADER_BOX, "A", ""
    )
    foreign = signing._sign_with(
        minutes, _signer(authority, "foreign"), "Trưởng đoàn", signing.TEAM_LEADER_BOX, "A", ""
    )

    [expired_check] = signing.verify_pdf(expired)
    [foreign_check] = signing.verify_pdf(foreign)

    until = timezone.localtime(authority.leaves["expired"].certificate.not_valid_after_utc)
    assert expired_check.problem == (f"chứng thư số của người ký đã hết hạn ngày {until:%d/%m/%Y}")
    assert foreign_check.problem == (
        "chứng thư số của người ký không thuộc chuỗi của chứng thư số gốc được tin cậy"
    )


def test_it_says_revocation_was_not_checked_without_a_revocation_list(
    signing_settings, record, inspector
):
    data = signed_bytes(sign_as_lead(record, inspector))
    signing_settings.SIGNATURE_CRLS = []

    [check] = signing.verify_pdf(data)

    assert check.intact
    assert not check.revocation_checked
    assert check.revocation_note == str(signing.REVOCATION_NOT_CHECKED)


def test_it_refuses_a_wrong_pin_and_writes_nothing(signing_settings, record, inspector):
    entries = AuditEntry.objects.count()

    with pytest.raises(DomainError) as refused:
        sign_as_lead(record, inspector, pin="0000")

    assert refused.value.message == signing.WRONG_PIN
    assert SignedDocument.objects.count() == 0
    assert AuditEntry.objects.count() == entries
    assert stored_files(signing_settings) == []
    # The refusal is kept in the trail of refused steps, without the PIN.
    refusal = Refusal.objects.get(action="record.sign")
    assert "0000" not in refusal.message


def test_it_refuses_a_signer_without_the_role(record, member, reviewer, inspector, authority):
    other_reviewer = make_user("other_reviewer", role=Role.REVIEWER)

    with pytest.raises(DomainError) as not_lead:
        sign_as_lead(record, member)
    with pytest.raises(DomainError) as not_yet_confirmed:
        signature_services.minutes_sign(
            record=record, signer=reviewer, capacity=SigningCapacity.REVIEWER, pin=PASSPHRASE
        )
    sign_as_lead(record, inspector)
    services.record_confirm(record=record, reviewer=reviewer)
    with pytest.raises(DomainError) as not_confirming:
        signature_services.minutes_sign(
            record=record, signer=other_reviewer, capacity=SigningCapacity.REVIEWER,
            pin=PASSPHRASE,
        )  # fmt: skip
    with pytest.raises(DomainError) as inspector_countersigning:
        signature_services.minutes_sign(
            record=record, signer=inspector, capacity=SigningCapacity.REVIEWER, pin=PASSPHRASE
        )

    assert not_lead.value.message == signature_services.NOT_TEAM_LEADER
    assert not_yet_confirmed.value.message == signature_services.NOT_CONFIRMED_YET
    assert not_confirming.value.message == signature_services.NOT_CONFIRMING_REVIEWER
    assert inspector_countersigning.value.message == signature_services.NOT_CONFIRMING_REVIEWER
    assert SignedDocument.objects.count() == 1


@pytest.mark.postgresql
def test_it_locks_the_record_while_the_minutes_are_signed(record, inspector):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        sign_as_lead(record, inspector)

    locking = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert any('FROM "inspections_violationrecord"' in sql for sql in locking), locking


def test_it_refuses_minutes_whose_round_has_no_legal_basis(signing_settings, record, inspector):
    InspectionRound.objects.filter(pk=record.visit.round_id).update(team_decision_number="")

    with pytest.raises(DomainError) as refused:
        sign_as_lead(record, inspector)

    assert refused.value.message == signature_services.NO_LEGAL_BASIS
    assert SignedDocument.objects.count() == 0
    assert stored_files(signing_settings) == []


def test_it_refuses_to_sign_twice_in_the_same_capacity(record, inspector):
    sign_as_lead(record, inspector)

    with pytest.raises(DomainError) as refused:
        sign_as_lead(record, inspector)

    assert refused.value.message == signature_services.ALREADY_SIGNED
    assert SignedDocument.objects.count() == 1


def test_it_refuses_when_no_key_is_set_up_for_the_signer(signing_settings, record, inspector):
    signing_settings.SIGNATURE_KEY_NAMES = {"inspector": "nobody"}

    with pytest.raises(DomainError) as refused:
        sign_as_lead(record, inspector)

    assert refused.value.message == signing.NO_KEY


# --- The pages ---------------------------------------------------------------------------


def test_it_signs_from_the_record_page_after_asking_once_more_for_the_pin(
    client, record, inspector
):
    client.force_login(inspector)
    url = reverse("inspections:record_sign", args=[record.pk])

    page = client.get(reverse("inspections:record_detail", args=[record.pk])).content.decode()
    asked = client.post(url, {"capacity": "team_leader"})
    signed = client.post(
        url, {"capacity": "team_leader", "pin": PASSPHRASE, "confirmed": "yes"}, follow=True
    )

    assert "Ký số biên bản (trưởng đoàn kiểm tra)" in page
    assert 'type="password"' in asked.content.decode()
    assert SignedDocument.objects.count() == 1
    assert "Đã ký số biên bản." in signed.content.decode()
    assert "Ký bởi Trần Khôi, còn nguyên vẹn" in signed.content.decode()


def test_it_never_writes_a_pin_typed_too_early_into_the_confirming_page(client, record, inspector):
    client.force_login(inspector)

    asked = client.post(
        reverse("inspections:record_sign", args=[record.pk]),
        {"capacity": "team_leader", "pin": PASSPHRASE},
    )

    assert PASSPHRASE not in asked.content.decode()
    assert SignedDocument.objects.count() == 0


def test_it_tells_a_wrong_pin_on_the_record_page(client, record, inspector):
    client.force_login(inspector)

    response = client.post(
        reverse("inspections:record_sign", args=[record.pk]),
        {"capacity": "team_leader", "pin": "0000", "confirmed": "yes"},
        follow=True,
    )

    assert str(signing.WRONG_PIN) in response.content.decode()
    assert SignedDocument.objects.count() == 0


def test_it_offers_no_signing_to_a_team_member_who_is_not_the_lead(client, record, member):
    client.force_login(member)

    page = client.get(reverse("inspections:record_detail", args=[record.pk])).content.decode()

    assert "Sign the minutes as team leader" not in page


def test_it_checks_an_uploaded_signed_pdf(client, record, inspector, reviewer):
    data = signed_bytes(sign_as_lead(record, inspector))
    tampered = bytearray(data)
    tampered[data.index(b"stream", 100) + 12] ^= 0x01
    client.force_login(reviewer)
    url = reverse("inspections:signature_verify")

    intact = client.post(url, {"document": SimpleUploadedFile("bb.pdf", data)})
    changed = client.post(url, {"document": SimpleUploadedFile("bb.pdf", bytes(tampered))})
    word = client.post(
        url, {"document": SimpleUploadedFile("bb.pdf", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")}
    )

    assert "Ký bởi Trần Khôi, còn nguyên vẹn" in intact.content.decode()
    assert "văn bản đã bị thay đổi sau khi ký" in changed.content.decode()
    assert "Văn bản phải là tệp PDF." in word.content.decode()


# --- The kept check ---------------------------------------------------------------------


def tamper_with_the_stored_file(document) -> None:
    """One byte of the stored minutes changed inside the signed range, as a disk or someone
    with access to the storage might."""
    path = Path(document.file.path)
    data = bytearray(path.read_bytes())
    data[data.index(b"stream", 100) + 12] ^= 0x01
    path.write_bytes(bytes(data))


def test_it_keeps_the_check_made_when_the_minutes_are_signed(record, inspector):
    document = sign_as_lead(record, inspector)

    [check] = SignedDocumentCheck.objects.filter(document=document)
    assert (check.checked_by, check.sha256) == (inspector, document.sha256)
    assert check.trust_roots == signing.trust_roots_fingerprint()
    [signature] = kept_signatures(check)
    assert (signature.signer, signature.intact, signature.field_name) == (
        "Trần Khôi",
        True,
        "TruongDoan",
    )


def test_it_shows_the_kept_check_until_someone_checks_the_stored_file_again(
    client, record, inspector, reviewer
):
    document = sign_as_lead(record, inspector)
    tamper_with_the_stored_file(document)
    client.force_login(reviewer)
    page_url = reverse("inspections:record_detail", args=[record.pk])
    check_url = reverse("inspections:record_signatures_check", args=[record.pk])

    before = client.get(page_url).content.decode()
    checked = client.post(check_url, follow=True)
    after = client.get(page_url).content.decode()

    # The page read the check kept at signing: it did not open the PDF again.
    assert "Ký bởi Trần Khôi, còn nguyên vẹn" in before
    assert f'action="{check_url}"' in before
    # Asked for, the check reads the stored file as it is now and says what is wrong.
    assert checked.redirect_chain == [(page_url, 302)]
    assert str(signing.MODIFIED) in after
    assert "Ký bởi Trần Khôi, còn nguyên vẹn" not in after
    assert "SHA-256" in after
    latest = SignedDocumentCheck.objects.filter(document=document).last()
    assert latest.checked_by == reviewer
    assert latest.sha256 != document.sha256
    assert [c.failure for c in kept_signatures(latest)] == [signing.MODIFIED]
    assert SignedDocumentCheck.objects.filter(document=document).count() == 2


def test_it_checks_again_by_itself_when_the_trust_roots_changed(
    client, signing_settings, record, inspector, reviewer, tmp_path
):
    document = sign_as_lead(record, inspector)
    other_roots = tmp_path / "other-roots.pem"
    other_roots.write_bytes(make_root("CA khác").certificate.public_bytes(Encoding.PEM))
    signing_settings.SIGNATURE_TRUST_ROOTS = [str(other_roots)]
    client.force_login(reviewer)
    page_url = reverse("inspections:record_detail", args=[record.pk])

    first = client.get(page_url).content.decode()
    client.get(page_url)

    checks = list(SignedDocumentCheck.objects.filter(document=document))
    assert len(checks) == 2  # at signing, then once for the new roots: not at each view
    assert checks[1].checked_by is None
    assert [c.failure for c in kept_signatures(checks[1])] == [signing.UNTRUSTED]
    assert str(signing.UNTRUSTED) in first


def test_it_refuses_to_check_minutes_not_signed_yet(client, record, reviewer):
    client.force_login(reviewer)

    response = client.post(
        reverse("inspections:record_signatures_check", args=[record.pk]), follow=True
    )

    assert str(signature_services.NOT_SIGNED_YET) in response.content.decode()
    assert SignedDocumentCheck.objects.count() == 0


def _signer(authority, name):
    from pyhanko.sign.signers import SimpleSigner

    return SimpleSigner.load_pkcs12_data(
        (authority.p12_dir / f"{name}.p12").read_bytes(), [], PASSPHRASE.encode()
    )


def _plain_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>Biên bản</p>").write_pdf()
