"""Signing the minutes through PKCS#11, as with a USB token or an HSM in production, against
SoftHSM2 (a PKCS#11 token in software; .ci/run installs it)."""

import os
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.utils import timezone

from core import signing
from core.errors import DomainError
from exports.models import SignedDocument
from exports.signed import signed_bytes
from inspections import services, signature_services
from inspections.models import SigningCapacity
from personnel.models import Posting, Staff
from tests.factories import visit_started_earlier
from tests.signing_keys import build_authority

SOFTHSM_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_PIN = "246810"

pytestmark = pytest.mark.skipif(
    not Path(SOFTHSM_LIBRARY).exists(), reason="needs softhsm2 (.ci/run installs it)"
)


@pytest.fixture
def token(tmp_path, monkeypatch):
    """A SoftHSM token holding the inspector's key and certificate under the label "inspector"."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    authority = build_authority(tmp_path / "ca", {"inspector": ("Trần Khôi", "Trưởng đoàn")})
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    environment = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "kycuong", "--so-pin", "135790",
         "--pin", TOKEN_PIN],
        check=True, capture_output=True, env=environment,
    )  # fmt: skip
    leaf = authority.leaves["inspector"]
    key_file = tmp_path / "inspector.key"
    key_file.write_bytes(
        leaf.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    subprocess.run(
        ["softhsm2-util", "--import", str(key_file), "--token", "kycuong", "--label",
         "inspector", "--id", "01", "--pin", TOKEN_PIN],
        check=True, capture_output=True, env=environment,
    )  # fmt: skip
    library = pkcs11.lib(SOFTHSM_LIBRARY)
    # The library reads its configuration (SOFTHSM2_CONF) when initialised.
    library.reinitialize()
    with library.get_token(token_label="kycuong").open(user_pin=TOKEN_PIN, rw=True) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True,
            Attribute.LABEL: "inspector",
            Attribute.ID: b"\x01",
            Attribute.SUBJECT: leaf.certificate.subject.public_bytes(),
            Attribute.VALUE: leaf.certificate.public_bytes(serialization.Encoding.DER),
        })  # fmt: skip
    return authority


@pytest.fixture
def pkcs11_record(settings, token, tmp_path, inspector, unit_a):
    authority = token
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SIGNATURE_BACKEND = "pkcs11"
    settings.SIGNATURE_PKCS11_LIBRARY = SOFTHSM_LIBRARY
    settings.SIGNATURE_PKCS11_TOKEN = "kycuong"
    settings.SIGNATURE_PKCS11_SLOT = None
    settings.SIGNATURE_KEY_NAMES = {}
    settings.SIGNATURE_TRUST_ROOTS = [str(authority.roots_pem)]
    settings.SIGNATURE_CRLS = [str(authority.crl)]
    settings.SIGNATURE_REVOCATION = "offline"
    today = timezone.localdate()
    the_round = services.round_create(
        code="DX-11", name="Kiểm tra đột xuất", kind="surprise", starts_on=today, ends_on=today,
        lead=inspector, members=[], units=[unit_a],
        team_decision_number="125/QĐ-UBND", team_decision_date=today,
    )  # fmt: skip
    visit = visit_started_earlier(
        services.visit_start(inspection_round=the_round, unit=unit_a, actor=inspector)
    )
    person = Staff.objects.create(code="S002", full_name="Đỗ Thị Mai", category="cong_chuc")
    Posting.objects.create(staff=person, unit=unit_a)
    created = services.record_create(
        author=inspector, staff=person, unit=unit_a, visit=visit, type="no_badge",
        occurred_at=timezone.now() - timezone.timedelta(minutes=20), description="Vắng mặt.",
    )  # fmt: skip
    return services.record_submit(record=created, actor=inspector)


def test_it_signs_the_minutes_with_the_key_on_a_pkcs11_token(pkcs11_record, inspector):
    document = signature_services.minutes_sign(
        record=pkcs11_record, signer=inspector, capacity=SigningCapacity.TEAM_LEADER,
        pin=TOKEN_PIN,
    )  # fmt: skip

    [check] = signing.verify_pdf(signed_bytes(document))
    assert (check.signer, check.intact, check.revocation_checked) == ("Trần Khôi", True, True)


def test_it_refuses_a_wrong_token_pin(pkcs11_record, inspector):
    with pytest.raises(DomainError) as refused:
        signature_services.minutes_sign(
            record=pkcs11_record, signer=inspector, capacity=SigningCapacity.TEAM_LEADER,
            pin="000000",
        )  # fmt: skip

    assert refused.value.message == signing.WRONG_PIN
    assert SignedDocument.objects.count() == 0
