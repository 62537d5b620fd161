"""Two-factor sign-in in a real browser: the enrolment page on a phone, under the strict CSP."""

from binascii import unhexlify

import pytest
from django.contrib.sessions.models import Session
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_user
from tests.system.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_it_enrols_an_administrator_on_a_phone_without_csp_violations(phone):
    boss = make_user("quan_tri_vien", is_superuser=True, is_staff=True)
    violations = []
    phone.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    sign_in(phone, "quan_tri_vien", "a-long-test-passphrase")

    assert phone.url.split("?")[0].endswith("/accounts/two-factor/")
    qr = phone.locator("svg.twofactor__qr")
    assert qr.is_visible()
    assert qr.bounding_box()["width"] >= 150  # big enough to scan
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    session = Session.objects.get().get_decoded()
    code = f"{totp(unhexlify(session['twofactor_enrol_key'])):06d}"
    phone.fill("#id_code", code)
    phone.click("main form.form button[type=submit]")
    assert phone.locator(".site-menu__toggle").is_visible()
    assert TOTPDevice.objects.get(user=boss).confirmed
    assert violations == []
