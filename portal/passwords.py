import re
import string
from pathlib import Path

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.text import fold


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with our own wording: Django's Vietnamese catalogue lacks its new message."""

    def get_error_message(self):
        return ngettext(
            "This password is too short: it must have at least %(min_length)d character.",
            "This password is too short: it must have at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self):
        return ngettext(
            "At least %(min_length)d character.",
            "At least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


VIETNAMESE_PASSWORD_LIST = Path(__file__).resolve().parent / "common-passwords-vi.txt"
# Digits and signs people put before or after a word ("anhyeuem2024!", "@matkhau").
_EDGES = string.digits + string.punctuation + " "


def _folded(text: str) -> str:
    """Lower case, without diacritics or spaces: 'Mật Khẩu 123' → 'matkhau123'."""
    return fold(text).replace(" ", "")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Refuse the 20,000 common passwords Django ships with and our Vietnamese list.

    Compared without case, diacritics, spaces or separators, whole and with the digits and signs
    at either end removed, so that a listed word dressed up with a year is refused too
    ("iloveyou2024!").
    Offline: both lists are files in the code, nothing is sent anywhere.
    """

    def __init__(self, vietnamese_list_path=VIETNAMESE_PASSWORD_LIST):
        super().__init__()  # Django's own list
        with open(vietnamese_list_path, encoding="utf-8") as lines:
            self.passwords |= {
                _folded(line) for line in lines if line.strip() and not line.startswith("#")
            }

    def validate(self, password, user=None):
        folded = _folded(password)
        # 'mat-khau_123456' is 'matkhau123456' with separators.
        joined = re.sub(r"[^a-z0-9]", "", folded)
        candidates = {
            variant
            for text in (folded, joined)
            for variant in (text, text.strip(_EDGES), text.lstrip(_EDGES), text.rstrip(_EDGES))
        }
        if any(candidate in self.passwords for candidate in candidates if candidate):
            raise ValidationError(self.get_error_message(), code="password_too_common")

    def get_error_message(self):
        return _(
            "This password is too common: it is on the list of passwords that are tried first "
            "when an account is attacked (a common word or name, with or without digits)."
        )

    def get_help_text(self):
        return _("Not a common password, nor a common word with a few digits added.")


class PersonalPasswordValidator:
    """Refuse a password that contains the account's username, a part of the person's name,
    their unit's code or the portal's name: the first things someone who knows them tries.

    Django's UserAttributeSimilarityValidator only refuses passwords that look like a whole
    attribute; this one also catches 'noivu@2024abcd'.
    """

    MIN_PART = 4  # shorter parts ('le', 'an', unit codes like 'P-A') are in too many words

    def _parts(self, user) -> set[str]:
        parts = {"kycuong"}
        if user is None:
            return parts
        unit = getattr(user, "unit", None)
        texts = [
            getattr(user, "username", ""),
            getattr(user, "email", "").partition("@")[0],
            f"{getattr(user, 'last_name', '')} {getattr(user, 'first_name', '')}",
            unit.code if unit else "",
        ]
        for text in texts:
            folded = fold(text or "")
            parts.add(re.sub(r"[^a-z0-9]", "", folded))
        return {part for part in parts if len(part) >= self.MIN_PART}

    def validate(self, password, user=None):
        folded = re.sub(r"[^a-z0-9]", "", _folded(password))
        if any(part in folded for part in self._parts(user)):
            raise ValidationError(self.get_error_message(), code="password_too_personal")

    def get_error_message(self):
        return _(
            "This password contains your username, your name or your unit's code: choose one "
            "that cannot be guessed from them."
        )

    def get_help_text(self):
        return _("Not containing your username, your name or your unit's code.")
