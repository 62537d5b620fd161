"""A throw-away certification authority for the signing tests, made with `cryptography`:
a root, leaf certificates for the people who sign (name, title, organisation), an expired
one, a revoked one with its CRL, and a foreign CA; each leaf also as a PKCS#12 file."""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSPHRASE = "mã-pin-1234"
ORGANISATION = "UBND thành phố Lạng Sơn"


@dataclass
class Issued:
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey


@dataclass
class Authority:
    folder: Path
    root: Issued
    roots_pem: Path  # the trust roots file (SIGNATURE_TRUST_ROOTS)
    p12_dir: Path  # <username>.p12 (SIGNATURE_PKCS12_DIR)
    crl: Path  # the root's CRL, naming the revoked certificate
    leaves: dict[str, Issued] = field(default_factory=dict)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str, organisation: str = ORGANISATION, title: str = "") -> x509.Name:
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if title:
        parts.append(x509.NameAttribute(NameOID.TITLE, title))
    return x509.Name(parts)


def _key_usage(**allowed: bool) -> x509.KeyUsage:
    uses = ("content_commitment", "key_encipherment", "data_encipherment", "key_agreement")
    uses += ("key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(digital_signature=True, **{use: allowed.get(use, False) for use in uses})


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def make_root(common_name: str = "CA thử nghiệm Kỷ Cương") -> Issued:
    key = _key()
    name = _name(common_name, organisation="Ban Cơ yếu Chính phủ (thử nghiệm)")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(days=365))
        .not_valid_after(_now() + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(certificate, key)


def make_leaf(
    issuer: Issued,
    common_name: str,
    *,
    title: str = "",
    valid_from: datetime.datetime | None = None,
    valid_until: datetime.datetime | None = None,
) -> Issued:
    key = _key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, title=title))
        .issuer_name(issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from or _now() - datetime.timedelta(days=30))
        .not_valid_after(valid_until or _now() + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(content_commitment=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
        .sign(issuer.key, hashes.SHA256())
    )
    return Issued(certificate, key)


def write_p12(path: Path, issued: Issued, *, passphrase: str = PASSPHRASE) -> Path:
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            name=path.stem.encode(),
            key=issued.key,
            cert=issued.certificate,
            cas=None,
            encryption_algorithm=serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
    return path


def write_crl(path: Path, issuer: Issued, revoked: list[x509.Certificate]) -> Path:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(_now() - datetime.timedelta(hours=1))
        .next_update(_now() + datetime.timedelta(days=7))
    )
    for certificate in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(certificate.serial_number)
            .revocation_date(_now() - datetime.timedelta(minutes=30))
            .build()
        )
    path.write_bytes(
        builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
    )
    return path


def build_authority(folder: Path, people: dict[str, tuple[str, str]]) -> Authority:
    """The root, a valid leaf per username in `people` ({username: (full name, title)}), and
    `expired`, `not_yet`, `revoked` and `foreign` (issued by another CA) leaves; every leaf's
    PKCS#12 file as <username>.p12, the root as the only trust root, and the root's CRL
    naming `revoked`."""
    folder.mkdir(parents=True, exist_ok=True)
    root = make_root()
    p12_dir = folder / "p12"
    p12_dir.mkdir(exist_ok=True)
    roots_pem = folder / "roots.pem"
    roots_pem.write_bytes(root.certificate.public_bytes(serialization.Encoding.PEM))
    leaves = {
        username: make_leaf(root, name, title=title) for username, (name, title) in people.items()
    }
    leaves["expired"] = make_leaf(
        root, "Người Hết Hạn", valid_from=_now() - datetime.timedelta(days=400),
        valid_until=_now() - datetime.timedelta(days=2),
    )  # fmt: skip
    leaves["not_yet"] = make_leaf(
        root, "Người Chưa Đến Hạn", valid_from=_now() + datetime.timedelta(days=2),
        valid_until=_now() + datetime.timedelta(days=400),
    )  # fmt: skip
    leaves["revoked"] = make_leaf(root, "Người Bị Thu Hồi")
    leaves["foreign"] = make_leaf(make_root("CA lạ"), "Người Của CA Lạ")
    for username, issued in leaves.items():
        write_p12(p12_dir / f"{username}.p12", issued)
    crl = write_crl(folder / "root.crl", root, [leaves["revoked"].certificate])
    return Authority(
        folder=folder, root=root, roots_pem=roots_pem, p12_dir=p12_dir, crl=crl, leaves=leaves
    )


def sign_with(settings, authority: "Authority"):
    """Settings that sign with the authority's PKCS#12 files and check against its root and its
    revocation list only (offline, as on a closed network)."""
    settings.SIGNATURE_BACKEND = "pkcs12"
    settings.SIGNATURE_PKCS12_DIR = str(authority.p12_dir)
    settings.SIGNATURE_KEY_NAMES = {}
    settings.SIGNATURE_TRUST_ROOTS = [str(authority.roots_pem)]
    settings.SIGNATURE_CRLS = [str(authority.crl)]
    settings.SIGNATURE_REVOCATION = "offline"
    return settings


# The signers the tests' throw-away CA issues certificates to: username → (name, post).
SIGNERS = {
    "inspector": ("Trần Khôi", "Trưởng đoàn"),
    "reviewer": ("Phạm Thị Lan", "Chuyên viên"),
    "member": ("Lê Văn Tâm", "Thành viên"),
    "other_reviewer": ("Hoàng Minh", "Chuyên viên"),
    "thuky": ("Vũ Quang Huy", "Thư ký"),
    "hoidong2": ("Đỗ Văn Bình", "Ủy viên"),
}
