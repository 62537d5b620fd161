from base64 import b32encode
from binascii import unhexlify

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.utils.html import mark_safe
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from core.access import role_required
from core.errors import DomainError
from portal.twofactor.forms import CodeForm
from portal.twofactor.selectors import ENROL, ENROLLING_ROLES, confirmed_device
from portal.twofactor.services import totp_check, totp_enrol
from portal.twofactor.steps import pending_step

ENROL_KEY_SESSION_KEY = "twofactor_enrol_key"


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: redirect() would take any other word for a view's name.
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _qr_svg(text: str) -> str:
    """The QR code as inline SVG markup: shapes only, no style or script (strict CSP)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage)
    root = image.get_image()
    # Sized by the stylesheet, not in millimetres.
    del root.attrib["width"], root.attrib["height"]
    root.set("class", "twofactor__qr")
    root.set("role", "img")
    root.set("aria-label", _("QR code for your authenticator app"))
    # Built by qrcode from our own key and username: escaped by ElementTree, no user markup.
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308


@never_cache
@role_required(*ENROLLING_ROLES)
def enrol(request):
    """Turn on two-factor sign-in: scan the QR code (or type the key), confirm with a code."""
    device = confirmed_device(user=request.user)
    if device is not None:
        return render(request, "twofactor/enabled.html", {"device": device})
    key = request.session.get(ENROL_KEY_SESSION_KEY) or random_hex(20)
    request.session[ENROL_KEY_SESSION_KEY] = key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = totp_enrol(user=request.user, key=key, token=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", str(error))
        else:
            del request.session[ENROL_KEY_SESSION_KEY]
            django_otp.login(request, device)
            messages.success(
                request,
                _("Two-factor sign-in is on: from now on you enter a code after your password."),
            )
            return redirect(_next_url(request))
    secret = b32encode(unhexlify(key)).decode()
    unsaved = TOTPDevice(user=request.user, key=key)
    forced = pending_step(request) == ENROL
    return render(
        request,
        "twofactor/enrol.html",
        {
            "form": form,
            "qr_svg": _qr_svg(unsaved.config_url),
            "secret_groups": [secret[start : start + 4] for start in range(0, len(secret), 4)],
            "forced": forced,
            "second_step": forced,
            "next": _next_url(request),
        },
    )


@never_cache
@login_required
def login_code(request):
    """The second step of signing in: a code from the authenticator app."""
    device = confirmed_device(user=request.user)
    if device is None or request.user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            totp_check(device=device, token=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", str(error))
        else:
            django_otp.login(request, device)
            return redirect(_next_url(request))
    return render(
        request,
        "twofactor/login_code.html",
        {"form": form, "second_step": True, "next": _next_url(request)},
    )
