"""Passwords: argon2, 12 characters, no common or guessable ones (offline lists), in Vietnamese."""

import pytest
from django.conf import settings
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.password_validation import (
    CommonPasswordValidator as DjangoCommonPasswordValidator,
)
from django.contrib.auth.password_validation import get_default_password_validators
from django.urls import reverse
from django.utils import translation

from personnel.models import Role, Unit, UnitKind
from portal.passwords import CommonPasswordValidator
from tests.factories import make_user

OLD_PASSWORD = "a-long-test-passphrase"
TOO_COMMON = "Mật khẩu này quá phổ biến"
TOO_PERSONAL = "Mật khẩu này chứa tên đăng nhập, họ tên hoặc mã đơn vị của bạn"


def change_password(client, new_password):
    return client.post(
        reverse("password_change"),
        {
            "old_password": OLD_PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )


@pytest.mark.usefixtures("real_password_hashers")
def test_it_checks_against_djangos_list_and_the_vietnamese_one():
    names = [type(validator).__name__ for validator in get_default_password_validators()]
    common = next(
        v for v in get_default_password_validators() if isinstance(v, CommonPasswordValidator)
    )

    assert "CommonPasswordValidator" in names
    assert "PersonalPasswordValidator" in names
    assert common.passwords > DjangoCommonPasswordValidator().passwords  # theirs and ours
    assert {"matkhau123", "anhyeuem", "motconvit", "password", "iloveyou"} <= common.passwords
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.parametrize(
    "password",
    [
        "matkhau123456",  # on the Vietnamese list, with digits added
        "Mật khẩu 123456",  # the same typed with diacritics and a space
        "mat-khau_123456",  # …and with separators
        "anhyeuem2024!!",
        "@@Anh Yêu Em@@",
        "motconvit1234",
        "iloveyou123456",  # on Django's list
        "password123456",
        "qwertyuiop123",
        "123456789a@@",
        "Thiên Thần 2024 !!",
        "vietnamvodich2026",
    ],
)
def test_it_refuses_a_common_password_with_a_message_in_vietnamese(client, reviewer, password):
    client.force_login(reviewer)

    response = change_password(client, password)

    assert response.status_code == 200
    assert TOO_COMMON in response.content.decode()
    reviewer.refresh_from_db()
    assert reviewer.check_password(OLD_PASSWORD)


@pytest.fixture
def ward_officer(db):
    unit = Unit.objects.create(code="UBND-CL", name="UBND phường Chi Lăng", kind=UnitKind.WARD)
    return make_user(
        "nguyenlan",
        role=Role.UNIT_HEAD,
        unit=unit,
        first_name="Lan",
        last_name="Nguyễn Thị",
        email="lan.nt@chilang.gov.vn",
    )


@pytest.mark.parametrize(
    "password",
    [
        "nguyenlan@2024abc",  # the username
        "NguyenThiLan-0912",  # the name, folded
        "Nguyễn Thị Lan 0912",
        "ubnd-cl-dang-lam-viec",  # the unit's code
        "lan.nt-mat-ma-2026",  # the e-mail's local part
        "kycuong-khong-doan-duoc",  # the portal's name
    ],
)
def test_it_refuses_a_password_made_of_the_accounts_own_details(client, ward_officer, password):
    client.force_login(ward_officer)

    response = change_password(client, password)

    assert response.status_code == 200
    assert TOO_PERSONAL in response.content.decode()
    ward_officer.refresh_from_db()
    assert ward_officer.check_password(OLD_PASSWORD)


@pytest.mark.usefixtures("real_password_hashers")
@pytest.mark.parametrize(
    "password", ["thuyen-rong-ha-long-8", "Đèo Mẫu Sơn mù sương 1993", "xk7#Tq2!vLp9zR"]
)
def test_it_accepts_a_long_uncommon_password(client, ward_officer, password):
    client.force_login(ward_officer)

    response = change_password(client, password)

    assert response.status_code == 302
    ward_officer.refresh_from_db()
    assert ward_officer.check_password(password)
    assert ward_officer.password.startswith("argon2")


def test_it_refuses_it_when_an_administrator_sets_a_password_too(ward_officer):
    # The admin site's own form for setting another user's password.
    with translation.override("vi"):
        form = AdminPasswordChangeForm(
            ward_officer,
            {"usable_password": "true", "password1": "matkhau123456", "password2": "matkhau123456"},
        )
        valid = form.is_valid()
        errors = form.errors.get("password2", [])

    assert not valid
    assert any(TOO_COMMON in error for error in errors)


def test_it_says_it_in_english_when_english_is_chosen(client, reviewer):
    client.force_login(reviewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = change_password(client, "anhyeuem2024!!")

    assert "This password is too common" in response.content.decode()


def test_it_explains_the_rules_under_the_field(client, reviewer):
    client.force_login(reviewer)

    html = client.get(reverse("password_change")).content.decode()

    assert "Không phải mật khẩu phổ biến" in html
    assert "Không chứa tên đăng nhập, họ tên hoặc mã đơn vị của bạn" in html
