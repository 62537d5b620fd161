"""Sign in, sign out, password change, session expiry and the login throttle."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse

PASSWORD = "a-long-test-passphrase"
SIGNED_IN_AT = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)


def sign_in(client, username, password=PASSWORD, address="203.0.113.7"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_it_signs_in_and_lands_on_the_workspace(client, reviewer):
    response = sign_in(client, "reviewer")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("inspections:review_queue")).status_code == 200


def test_it_says_what_is_wrong_with_a_bad_password(client, reviewer):
    response = sign_in(client, "reviewer", "not-the-password")

    assert response.status_code == 200
    assert "mật khẩu chính xác" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_locks_the_account_from_that_address_after_five_wrong_passwords(client, reviewer):
    for _attempt in range(4):
        assert sign_in(client, "reviewer", "wrong-password").status_code == 200

    fifth = sign_in(client, "reviewer", "wrong-password")
    with_right_password = sign_in(client, "reviewer")

    assert fifth.status_code == 429
    assert with_right_password.status_code == 429
    html = with_right_password.content.decode()
    assert "Tài khoản này đã bị tạm khóa đăng nhập từ địa chỉ của bạn sau 5 lần nhập sai" in html
    assert "15 phút" in html
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="reviewer").ip_address == "203.0.113.7"


def test_it_keeps_the_account_open_from_other_addresses(client, reviewer):
    # Colleagues behind one office address must not be locked out by one person's typos,
    # nor the owner by someone guessing from elsewhere.
    for _attempt in range(5):
        sign_in(client, "reviewer", "wrong-password", address="198.51.100.1")

    response = sign_in(client, "reviewer", address="203.0.113.7")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(reviewer.pk)


def test_it_shows_the_lockout_in_english_when_chosen(client, reviewer, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _attempt in range(5):
        sign_in(client, "reviewer", "wrong-password")

    html = sign_in(client, "reviewer").content.decode()

    assert "This account has been blocked from your address after 5 wrong passwords" in html


def test_it_signs_out_with_a_post_only(client, reviewer):
    client.force_login(reviewer)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def session_expiry():
    from django.contrib.sessions.models import Session

    return Session.objects.get().expire_date


def test_it_writes_no_session_on_a_page_within_a_minute_of_the_last_refresh(
    client, reviewer, django_assert_num_queries
):
    with time_machine.travel(SIGNED_IN_AT, tick=False) as clock:
        client.force_login(reviewer)
        expiry = session_expiry()
        clock.shift(59)

        # session, the user with their roles; no session write
        with django_assert_num_queries(2):
            response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert session_expiry() == expiry


def test_it_pushes_the_expiry_forward_once_the_last_refresh_is_a_minute_old(client, reviewer):
    with time_machine.travel(SIGNED_IN_AT, tick=False) as clock:
        client.force_login(reviewer)
        clock.shift(60)

        response = client.get(reverse("home"))

    assert response.cookies["sessionid"]["max-age"] == 30 * 60
    assert session_expiry() == SIGNED_IN_AT + datetime.timedelta(minutes=30, seconds=60)


def test_it_opens_no_session_for_an_anonymous_visitor(client, db):
    from django.contrib.sessions.models import Session

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0


@pytest.mark.parametrize(("idle_minutes", "signed_in"), [(29, True), (30, False)])
def test_it_ends_the_session_after_thirty_idle_minutes(client, reviewer, idle_minutes, signed_in):
    with time_machine.travel(SIGNED_IN_AT, tick=False) as clock:
        client.force_login(reviewer)
        clock.shift(90)
        client.get(reverse("home"))  # the last refresh is 90 s old: refreshed
        clock.shift(59)
        client.get(reverse("home"))  # the last request: saves nothing
        # Counted from the refresh a minute at most before the last request, the idle
        # timeout holds within that minute and is never exceeded.
        clock.shift(idle_minutes * 60)
        response = client.get(reverse("inspections:review_queue"))

    if signed_in:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_it_refuses_an_expired_session(client, reviewer):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(reviewer)
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))

    response = client.get(reverse("inspections:review_queue"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.usefixtures("real_password_hashers")
def test_it_changes_the_password_and_refuses_a_short_one(client, reviewer):
    client.force_login(reviewer)
    url = reverse("password_change")

    short = client.post(
        url, {"old_password": PASSWORD, "new_password1": "ngan", "new_password2": "ngan"}
    )
    changed = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "mat-khau-moi-rat-dai-2026",
            "new_password2": "mat-khau-moi-rat-dai-2026",
        },
    )

    assert short.status_code == 200
    assert "Mật khẩu quá ngắn: cần có ít nhất 12 ký tự." in short.content.decode()
    assert changed.status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.check_password("mat-khau-moi-rat-dai-2026")
    assert reviewer.password.startswith("argon2")


def test_it_shows_the_signed_in_name_family_name_first(client, inspector):
    sign_in(client, "inspector")

    html = client.get(reverse("inspections:rounds")).content.decode()

    assert '<span class="user-bar__name">Trần Khôi</span>' in html


def test_it_counts_failures_per_client_behind_a_trusted_proxy(client, reviewer, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    for _attempt in range(5):
        client.post(
            reverse("login"),
            {"username": "reviewer", "password": "wrong-password"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )

    # Another client behind the same proxy, who even forges the first address, gets in.
    response = client.post(
        reverse("login"),
        {"username": "reviewer", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.20",
    )

    assert response.status_code == 302
    assert AccessAttempt.objects.get(username="reviewer").ip_address == "203.0.113.7"


def test_it_gives_a_new_session_key_at_sign_in(client, reviewer):
    # A key planted before sign-in (session fixation) must not become the signed-in session.
    from importlib import import_module

    from django.conf import settings

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    planted = SessionStore()
    planted["planted"] = True
    planted.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key

    sign_in(client, "reviewer")

    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != planted.session_key
    assert not SessionStore().exists(planted.session_key)
    assert client.get(reverse("inspections:review_queue")).status_code == 200
