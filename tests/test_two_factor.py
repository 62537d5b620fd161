"""Two-factor sign-in (TOTP): enrolment, the code after the password, throttling, admins."""

from binascii import unhexlify
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_user

PASSWORD = "a-long-test-passphrase"
ENROL = reverse("twofactor:enrol")
CODE = reverse("twofactor:login_code")
REVIEW_QUEUE = reverse("inspections:review_queue")


def current_code(key_hex: str) -> str:
    return f"{totp(unhexlify(key_hex)):06d}"


def wrong_code(key_hex: str) -> str:
    # Not the code of the previous, current or next 30 seconds (all three are accepted).
    valid = {f"{totp(unhexlify(key_hex), drift=drift):06d}" for drift in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def sign_in_with_password(client, username):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


@pytest.fixture
def password_client():
    """A client whose force_login is Django's own: the password step only."""
    return Client()


@pytest.fixture
def reviewer_device(reviewer):
    return TOTPDevice.objects.create(user=reviewer, name="TOTP", confirmed=True)


@pytest.fixture
def new_superuser(db):
    return make_user("chanh_van_phong", is_superuser=True, is_staff=True)


def test_it_enrols_a_reviewer_with_a_code_from_the_scanned_key(client, reviewer):
    client.force_login(reviewer)

    page = client.get(ENROL)
    key = client.session["twofactor_enrol_key"]
    response = client.post(ENROL, {"code": current_code(key)})

    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg class="twofactor__qr"' in html or 'class="twofactor__qr"' in html
    assert "<path" in html
    assert "style=" not in html and "<style" not in html and "<script" not in html
    secret = "".join(html.split('class="twofactor__secret"')[1].split("</p>")[0].split())
    assert len(key) == 40 and secret.count("<span>") == 8  # 32 base32 letters, by fours
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    device = TOTPDevice.objects.get(user=reviewer)
    assert (device.key, device.confirmed) == (key, True)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert "twofactor_enrol_key" not in client.session
    assert client.get(REVIEW_QUEUE).status_code == 200


def test_it_keeps_the_same_key_while_the_page_is_reloaded(client, council_member):
    client.force_login(council_member)

    client.get(ENROL)
    first = client.session["twofactor_enrol_key"]
    client.get(ENROL)

    assert client.session["twofactor_enrol_key"] == first
    assert TOTPDevice.objects.count() == 0


def test_it_refuses_a_wrong_code_at_enrolment_and_stores_nothing(client, reviewer):
    client.force_login(reviewer)
    client.get(ENROL)
    key = client.session["twofactor_enrol_key"]

    response = client.post(ENROL, {"code": wrong_code(key)})
    not_digits = client.post(ENROL, {"code": "12ab56"})

    assert response.status_code == 200
    assert "Mã này không đúng hoặc đã hết hạn" in response.content.decode()
    assert "Hãy nhập 6 chữ số" in not_digits.content.decode()
    assert TOTPDevice.objects.count() == 0
    assert client.session["twofactor_enrol_key"] == key


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("reviewer", 200),
        ("council_member", 200),
        ("administrator", 200),
        ("inspector", 403),
        ("unit_head", 403),
        ("outsider", 403),
    ],
)
def test_it_offers_enrolment_to_reviewers_council_and_administrators_only(
    client, db, request, persona, status
):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(ENROL)
    refused_post = client.post(ENROL, {"code": "123456"})

    assert response.status_code == status
    if status == 403:
        assert refused_post.status_code == 403
        assert TOTPDevice.objects.filter(user=user).count() == 0
        assert 'href="/accounts/two-factor/"' not in client.get(reverse("home")).content.decode()


def test_it_shows_that_two_factor_is_on_without_a_new_key(client, administrator):
    client.force_login(administrator)

    html = client.get(ENROL).content.decode()

    assert "Đăng nhập hai bước đã bật cho tài khoản của bạn" in html
    assert "twofactor__qr" not in html
    assert "twofactor_enrol_key" not in client.session


def test_it_asks_for_the_code_after_the_password_before_any_page(client, reviewer_device):
    sign_in_with_password(client, "reviewer")

    blocked = client.get(REVIEW_QUEUE)
    home = client.get(reverse("home"))
    code_page = client.get(blocked["Location"])
    answered = client.post(CODE, {"code": current_code(reviewer_device.key), "next": REVIEW_QUEUE})

    assert blocked.status_code == 302
    assert blocked["Location"] == f"{CODE}?{urlencode({'next': REVIEW_QUEUE})}"
    assert home["Location"] == f"{CODE}?next=%2F"
    assert code_page.status_code == 200
    assert 'class="main-nav"' not in code_page.content.decode()
    assert answered.status_code == 302
    assert answered["Location"] == REVIEW_QUEUE
    assert client.get(REVIEW_QUEUE).status_code == 200
    reviewer_device.refresh_from_db()
    assert reviewer_device.throttling_failure_count == 0
    assert reviewer_device.last_used_at is not None


def test_it_refuses_a_wrong_code_then_makes_the_next_try_wait(client, reviewer_device):
    sign_in_with_password(client, "reviewer")

    wrong = client.post(CODE, {"code": wrong_code(reviewer_device.key)})
    too_soon = client.post(CODE, {"code": current_code(reviewer_device.key)})

    assert wrong.status_code == 200
    assert "Mã này không đúng hoặc đã hết hạn" in wrong.content.decode()
    assert too_soon.status_code == 200
    assert "Bạn đã nhập sai mã quá nhiều lần liên tiếp. Hãy đợi 1 giây" in too_soon.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(REVIEW_QUEUE).status_code == 302
    reviewer_device.refresh_from_db()
    assert reviewer_device.throttling_failure_count == 1

    # After the wait (one second after one wrong code) the right code is accepted.
    TOTPDevice.objects.filter(pk=reviewer_device.pk).update(
        throttling_failure_timestamp=reviewer_device.throttling_failure_timestamp
        - timedelta(seconds=2)
    )
    assert client.post(CODE, {"code": current_code(reviewer_device.key)}).status_code == 302
    assert client.get(REVIEW_QUEUE).status_code == 200


def test_it_doubles_the_wait_after_each_wrong_code(client, reviewer_device):
    TOTPDevice.objects.filter(pk=reviewer_device.pk).update(throttling_failure_count=5)
    reviewer_device.refresh_from_db()
    reviewer_device.throttle_increment()  # the sixth wrong code, just now
    sign_in_with_password(client, "reviewer")

    html = client.post(CODE, {"code": current_code(reviewer_device.key)}).content.decode()

    assert "Hãy đợi 32 giây" in html or "Hãy đợi 31 giây" in html
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_it_does_not_take_the_same_code_twice(client, reviewer_device):
    code = current_code(reviewer_device.key)
    sign_in_with_password(client, "reviewer")
    assert client.post(CODE, {"code": code}).status_code == 302
    client.post(reverse("logout"))
    sign_in_with_password(client, "reviewer")

    replayed = client.post(CODE, {"code": code})

    assert replayed.status_code == 200
    assert "Mã này không đúng hoặc đã hết hạn" in replayed.content.decode()


def test_it_sends_a_superuser_without_a_device_to_enrolment_and_nowhere_else(client, new_superuser):
    sign_in_with_password(client, "chanh_van_phong")

    for url in [
        reverse("home"),
        reverse("admin:index"),
        reverse("personnel:staff_list"),
        reverse("password_change"),
        CODE,
        "/no-such-page/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{ENROL}?next="), url
    page = client.get(ENROL)
    key = client.session["twofactor_enrol_key"]
    done = client.post(ENROL, {"code": current_code(key), "next": reverse("admin:index")})

    assert page.status_code == 200
    assert "Quản trị viên bắt buộc phải dùng đăng nhập hai bước" in page.content.decode()
    assert 'class="main-nav"' not in page.content.decode()
    assert done["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200
    assert TOTPDevice.objects.get(user=new_superuser).confirmed


def test_it_lets_a_user_sign_out_at_the_second_step(client, reviewer_device):
    sign_in_with_password(client, "reviewer")

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_it_keeps_the_admin_from_a_superuser_without_the_code(password_client, administrator):
    password_client.force_login(administrator)

    response = password_client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(f"{CODE}?next=")
    request = RequestFactory().get(reverse("admin:index"))
    request.user = administrator
    administrator.is_verified = lambda: False
    assert admin.site.has_permission(request) is False
    administrator.is_verified = lambda: True
    assert admin.site.has_permission(request) is True


def test_it_lets_users_without_a_device_in_after_the_password(client, reviewer):
    sign_in_with_password(client, "reviewer")

    assert client.get(REVIEW_QUEUE).status_code == 200
    assert client.get(CODE)["Location"] == reverse("home")


def test_it_adds_no_query_to_pages_of_users_without_two_factor(
    client, reviewer, django_assert_max_num_queries
):
    sign_in_with_password(client, "reviewer")

    # session, the user with their roles (the session was saved at sign-in: no write within a
    # minute)
    with django_assert_max_num_queries(2):
        client.get(reverse("home"))
