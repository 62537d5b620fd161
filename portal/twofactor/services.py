import math
import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import DomainError
from personnel.models import User
from portal.twofactor.selectors import confirmed_device

WRONG_CODE = _(
    "This code is wrong or has expired. Enter the 6-digit code your authenticator app shows now."
)
TOO_MANY_WRONG_CODES = ngettext_lazy(
    "Too many wrong codes in a row. Wait %(seconds)d second, then enter the code your "
    "authenticator app shows at that time.",
    "Too many wrong codes in a row. Wait %(seconds)d seconds, then enter the code your "
    "authenticator app shows at that time.",
    "seconds",
)
ALREADY_ENROLLED = _("Two-factor sign-in is already on for this account.")
DEVICE_NAME = "TOTP"


def totp_enrol(*, user: User, key: str, token: str) -> TOTPDevice:
    """Confirm the authenticator app holding `key` with a current code and keep it.

    Nothing is stored until the code matches; the code cannot be used again to sign in.
    """
    device = TOTPDevice(user=user, key=key, name=DEVICE_NAME, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not token.isdigit() or not totp.verify(int(token), device.tolerance):
        raise DomainError(WRONG_CODE)
    device.last_t = totp.t()
    device.drift = totp.drift
    with transaction.atomic():
        # Two tabs confirming at once must not leave two devices.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if confirmed_device(user=user) is not None:
            raise DomainError(ALREADY_ENROLLED)
        device.save()
    return device


def totp_check(*, device: TOTPDevice, token: str) -> None:
    """Accept a current code from the user's app; refuse a wrong one and slow down guessing.

    django-otp's throttle doubles the wait after each wrong code (1, 2, 4, 8 … seconds),
    counted on the device row, so every server sees the same count.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, details = device.verify_is_allowed()
        verified = allowed and device.verify_token(token)
    if not allowed:
        wait = (details["locked_until"] - timezone.now()).total_seconds()
        raise DomainError(TOO_MANY_WRONG_CODES, seconds=max(1, math.ceil(wait)))
    if not verified:
        raise DomainError(WRONG_CODE)
