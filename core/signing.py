"""Digital signatures (ký số) on PDF documents, PAdES with pyHanko.

A signature is a visible stamp (the signer's name, title, organisation and time, in
Vietnamese, as on a document under Decree 30/2020/NĐ-CP) in a box the caller names. The key
is a PKCS#12 file per signer in development, or a PKCS#11 token or HSM in production (USB
tokens of the Government Cipher Committee). The PIN is typed at signing time and never kept.

`verify_pdf` checks every signature of a PDF: the signed bytes are intact, nothing but
signatures was added after it, and the signer's certificate was valid, is not revoked and
chains to the trust roots (SIGNATURE_TRUST_ROOTS). Revocation is read from the CRL files given
(SIGNATURE_CRLS) and, with SIGNATURE_REVOCATION=online, fetched from the certificate's CRL or OCSP
addresses; when none can be had, the check says "revocation not checked".
"""

import asyncio
import datetime
import hashlib
import io
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from asn1crypto import pem, x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from pkcs11 import exceptions
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko.sign.validation.status import ModificationLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import CertificateValidator, ValidationContext, errors

from core.errors import DomainError

SIGNING_OFF = _("Digital signing is not set up on this portal.")
NO_KEY = _("No signing certificate is set up for your account. Ask the administrator.")
WRONG_PIN = _("The PIN is wrong. Nothing was signed; type it again.")
PIN_LOCKED = _("The token is locked after too many wrong PINs. Ask the administrator.")
TOKEN_UNAVAILABLE = _("The signing token cannot be reached. Check that it is plugged in.")
NOT_SIGNED = _("Nothing was signed: %(problem)s.")
UNREADABLE = _("The file is not a PDF the portal can read.")

# What is wrong with a signature (verify_pdf); also the reason signing is refused.
MODIFIED = _("the document was changed after it was signed")
EXPIRED = _("the signer's certificate expired on %(date)s")
NOT_YET_VALID = _("the signer's certificate is valid only from %(date)s")
REVOKED = _("the signer's certificate was revoked on %(date)s")
UNTRUSTED = _("the signer's certificate does not chain to a trusted root certificate")
CERTIFICATE_INVALID = _("the signer's certificate could not be validated")
REVOCATION_NOT_CHECKED = _("revocation not checked: no revocation list could be read")
# Each failure by a code of its own, as a kept check stores it (check_as_data).
FAILURES = {
    "modified": MODIFIED,
    "expired": EXPIRED,
    "not_yet_valid": NOT_YET_VALID,
    "revoked": REVOKED,
    "untrusted": UNTRUSTED,
    "certificate_invalid": CERTIFICATE_INVALID,
    "unreadable": UNREADABLE,
}

# Every stamp is drawn in Liberation Serif (Times-compatible, with Vietnamese diacritics).
STAMP_FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
LOCAL_TIME = "Asia/Ho_Chi_Minh"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Box:
    """Where a stamp goes: PDF points from the page's lower left corner; page -1 is the last."""

    x1: int
    y1: int
    x2: int
    y2: int
    page: int = -1


# A4 is 595 by 842 points; the minutes keep 20 mm (57 pt) free at the bottom, where both go.
TEAM_LEADER_BOX = Box(300, 6, 565, 54)
COUNTERSIGNATURE_BOX = Box(30, 6, 295, 54)


@dataclass(frozen=True)
class SignatureCheck:
    """One signature of a PDF as verify_pdf found it."""

    field_name: str
    signer: str
    organisation: str
    signed_at: datetime.datetime | None
    # None when the signature holds; else what is wrong, as a message with `params`.
    failure: Promise | None = None
    params: dict = field(default_factory=dict)
    revocation_checked: bool = True

    @property
    def intact(self) -> bool:
        return self.failure is None

    @property
    def revocation_note(self) -> str:
        return "" if self.revocation_checked else str(REVOCATION_NOT_CHECKED)

    @property
    def problem(self) -> str:
        if self.failure is None:
            return ""
        return str(self.failure % self.params) if self.params else str(self.failure)


def _run(coroutine):
    """Run one of pyHanko's coroutines to its end: here, or in a thread of its own when this
    thread already runs an event loop (asyncio.run refuses to start a second one)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def signing_enabled() -> bool:
    return settings.SIGNATURE_BACKEND != "none"


def _key_name(username: str) -> str:
    return settings.SIGNATURE_KEY_NAMES.get(username, username)


@cache
def _trust_roots(paths: tuple[str, ...]) -> list:
    roots = []
    for path in paths:
        data = Path(path).read_bytes()
        for _kind, _headers, der in pem.unarmor(data, multiple=True):
            roots.append(x509.Certificate.load(der))
    if paths and not roots:
        raise ImproperlyConfigured("SIGNATURE_TRUST_ROOTS names no PEM certificate.")
    return roots


def _crls(paths: tuple[str, ...]) -> list[bytes]:
    found = []
    for path in paths:
        data = Path(path).read_bytes()
        if pem.detect(data):
            found += [der for _kind, _headers, der in pem.unarmor(data, multiple=True)]
        else:
            found.append(data)
    return found


def _validation_context(*, revocation_mode: str):
    return ValidationContext(
        trust_roots=_trust_roots(tuple(settings.SIGNATURE_TRUST_ROOTS)),
        # Read at each check: operations replace the files as the CA publishes new lists.
        crls=_crls(tuple(settings.SIGNATURE_CRLS)),
        allow_fetching=settings.SIGNATURE_REVOCATION == "online",
        revocation_mode=revocation_mode,
    )


@cache
def _font_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


@dataclass(frozen=True)
class _StampFont(GlyphAccumulatorFactory):
    """pyHanko's font factory, reading the font from memory: its own leaves the file open."""

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(_font_bytes(self.font_file)),
            font_size=self.font_size,
            obj_stream=obj_stream,
        )


# --- Signing ------------------------------------------------------------------------------


def _pkcs12_signer(username: str, pin: str):
    path = Path(settings.SIGNATURE_PKCS12_DIR) / f"{_key_name(username)}.p12"
    if not path.is_file():
        raise DomainError(NO_KEY)
    try:
        return SimpleSigner.load_pkcs12_data(path.read_bytes(), [], pin.encode())
    except ValueError:
        # A PKCS#12 file that does not open is, in practice, a wrong passphrase.
        raise DomainError(WRONG_PIN) from None


def _pkcs11_session(pin: str):
    try:
        return open_pkcs11_session(
            settings.SIGNATURE_PKCS11_LIBRARY,
            slot_no=settings.SIGNATURE_PKCS11_SLOT,
            token_criteria=TokenCriteria(label=settings.SIGNATURE_PKCS11_TOKEN)
            if settings.SIGNATURE_PKCS11_TOKEN
            else None,
            user_pin=pin,
        )
    except (exceptions.PinIncorrect, exceptions.PinLenRange, exceptions.PinInvalid):
        raise DomainError(WRONG_PIN) from None
    except exceptions.PinLocked:
        raise DomainError(PIN_LOCKED) from None
    except (exceptions.PKCS11Error, OSError, RuntimeError):
        logger.exception("PKCS#11 token not reachable")
        raise DomainError(TOKEN_UNAVAILABLE) from None


def _certificate_field(certificate, name: str) -> str:
    return certificate.subject.native.get(name, "") or ""


def sign_pdf(
    data: bytes,
    *,
    username: str,
    pin: str,
    title: str,
    box: Box,
    field_name: str,
    reason: str = "",
) -> bytes:
    """`data` with one more signature, by `username`'s key, stamped in `box`.

    The stamp names the signer and organisation as their certificate does, `title` (their
    post or job title) and the local time. The result is checked as verify_pdf checks it:
    an expired, revoked or untrusted certificate signs nothing (DomainError NOT_SIGNED), and
    neither does a wrong PIN (WRONG_PIN). Nothing is written anywhere.
    """
    if not signing_enabled():
        raise DomainError(SIGNING_OFF)
    if settings.SIGNATURE_BACKEND == "pkcs11":
        session = _pkcs11_session(pin)
        try:
            signed = _sign_with(
                data, _pkcs11_signer(session, username), title, box, field_name, reason
            )
        finally:
            session.close()
    else:
        signer = _pkcs12_signer(username, pin)
        signed = _sign_with(data, signer, title, box, field_name, reason)
    new = next(check for check in verify_pdf(signed) if check.field_name == field_name)
    if not new.intact:
        raise DomainError(NOT_SIGNED, problem=new.problem)
    return signed


def _pkcs11_signer(session, username: str):
    label = _key_name(username)
    signer = PKCS11Signer(session, cert_label=label, key_label=label)
    try:
        _run(signer.ensure_objects_loaded())
    except Exception:  # pyHanko reports a missing object with its own errors or pkcs11's
        raise DomainError(NO_KEY) from None
    return signer


def _sign_with(data, signer, title, box, field_name, reason) -> bytes:
    certificate = signer.signing_cert
    now = timezone.localtime(timezone.now(), ZoneInfo(LOCAL_TIME))
    # The stamp is part of the Vietnamese document, whatever language the signer reads.
    style = TextStampStyle(
        stamp_text=(
            "Ký bởi: %(signer)s\nChức danh: %(title)s\n"
            "Cơ quan: %(organisation)s\nThời gian ký: %(time)s"
        ),
        text_box_style=TextBoxStyle(font=_StampFont(STAMP_FONT, font_size=8)),
        border_width=1,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    pdf_signer = PdfSigner(
        PdfSignatureMetadata(field_name=field_name, reason=reason or None),
        signer,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(
            field_name, on_page=box.page, box=(box.x1, box.y1, box.x2, box.y2)
        ),
    )
    out = _run(
        pdf_signer.async_sign_pdf(
            writer,
            appearance_text_params={
                "signer": _certificate_field(certificate, "common_name"),
                "title": title,
                "organisation": _certificate_field(certificate, "organization_name"),
                "time": now.strftime("%d/%m/%Y %H:%M"),
            },
        )
    )
    return out.getvalue()


# --- Verification ----------------------------------------------------------------------------


def _certificate_problem(certificate, others) -> tuple[Promise | None, dict, bool]:
    """(what is wrong with the certificate or None, its params, whether revocation was read)."""

    def check(revocation_mode):
        validator = CertificateValidator(
            certificate,
            intermediate_certs=others,
            validation_context=_validation_context(revocation_mode=revocation_mode),
        )
        _run(validator.async_validate_usage(set()))

    def local_date(moment) -> str:
        return timezone.localtime(moment).strftime("%d/%m/%Y")

    revocation_checked = True
    try:
        try:
            # First with revocation information required: it is there and says "not revoked".
            check("require")
        except errors.InsufficientRevinfoError:
            revocation_checked = False
            check("soft-fail")
    except errors.ExpiredError:
        return EXPIRED, {"date": local_date(certificate.not_valid_after)}, revocation_checked
    except errors.NotYetValidError:
        return NOT_YET_VALID, {"date": local_date(certificate.not_valid_before)}, revocation_checked
    except errors.RevokedError as revoked:
        return REVOKED, {"date": local_date(revoked.revocation_dt)}, True
    except errors.PathBuildingError:
        return UNTRUSTED, {}, revocation_checked
    except errors.PathValidationError:
        return CERTIFICATE_INVALID, {}, revocation_checked
    return None, {}, revocation_checked


def verify_pdf(data: bytes) -> list[SignatureCheck]:
    """Every signature of the PDF `data`, in signing order, each intact or with its failure.

    DomainError UNREADABLE when `data` is not a PDF that can be read.
    """
    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError):
        raise DomainError(UNREADABLE) from None
    checks = []
    for signature in signatures:
        certificate = signature.signer_cert
        known = {
            "field_name": signature.field_name,
            "signer": _certificate_field(certificate, "common_name"),
            "organisation": _certificate_field(certificate, "organization_name"),
            "signed_at": signature.self_reported_timestamp,
        }
        try:
            # Intact bytes and what changed since: the certificate is checked below.
            status = _run(
                async_validate_pdf_signature(
                    signature, _validation_context(revocation_mode="soft-fail")
                )
            )
        except (SignatureValidationError, PdfError, ValueError):
            checks.append(SignatureCheck(**known, failure=MODIFIED))
            continue
        changed = (
            not status.intact
            or not status.valid
            or not status.docmdp_ok
            or status.modification_level is None
            or status.modification_level > ModificationLevel.FORM_FILLING
        )
        if changed:
            checks.append(SignatureCheck(**known, failure=MODIFIED))
            continue
        failure, params, revocation_checked = _certificate_problem(
            certificate, signature.other_embedded_certs
        )
        checks.append(
            SignatureCheck(
                **known, failure=failure, params=params, revocation_checked=revocation_checked
            )
        )
    return checks


def stored_checks(data: bytes) -> list[SignatureCheck]:
    """The signatures of a stored signed version, each checked as it stands; a stored file that
    is no readable PDF shows as one failed check (it never should be one)."""
    try:
        return verify_pdf(data)
    except DomainError as error:
        return [SignatureCheck("", "", "", None, failure=error.message, params=error.params)]


def trust_roots_fingerprint() -> str:
    """SHA-256 of the trust roots a check reads now (SIGNATURE_TRUST_ROOTS), each root's DER in
    order: a kept check made against other roots is out of date."""
    digest = hashlib.sha256()
    for root in _trust_roots(tuple(settings.SIGNATURE_TRUST_ROOTS)):
        digest.update(hashlib.sha256(root.dump()).digest())
    return digest.hexdigest()


def check_as_data(check: SignatureCheck) -> dict:
    """`check` as JSON keeps it; check_from_data reads it back."""
    failure = next((code for code, text in FAILURES.items() if text is check.failure), None)
    if check.failure is not None and failure is None:
        raise ValueError(f"A failure with no code in FAILURES: {check.failure}")
    return {
        "field_name": check.field_name,
        "signer": check.signer,
        "organisation": check.organisation,
        "signed_at": check.signed_at.isoformat() if check.signed_at else None,
        "failure": failure,
        "params": check.params,
        "revocation_checked": check.revocation_checked,
    }


def check_from_data(data: dict) -> SignatureCheck:
    signed_at = data["signed_at"]
    return SignatureCheck(
        field_name=data["field_name"],
        signer=data["signer"],
        organisation=data["organisation"],
        signed_at=datetime.datetime.fromisoformat(signed_at) if signed_at else None,
        failure=FAILURES[data["failure"]] if data["failure"] else None,
        params=data["params"],
        revocation_checked=data["revocation_checked"],
    )
