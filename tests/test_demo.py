"""The demo: one account per role, each signs in with its generated password to its own menu."""

import stat
from binascii import unhexlify

from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp

from personnel.models import Unit, User

MENU_BY_ACCOUNT = {
    "thanhtra": {"Đợt kiểm tra", "Cán bộ", "Đơn vị"},
    "noivu": {"Đợt kiểm tra", "Biên bản chờ duyệt", "Đợt thi đua", "Cán bộ", "Đơn vị"},
    "hoidong": {"Đợt thi đua"},
    "truongdonvi": {"Cán bộ", "Đơn vị của tôi"},
    "quantri": {
        "Đợt kiểm tra",
        "Biên bản chờ duyệt",
        "Đợt thi đua",
        "Cán bộ",
        "Đơn vị",
        "Đơn vị của tôi",
        "Quản trị hệ thống",
    },
}
ALL_MENU_LABELS = set().union(*MENU_BY_ACCOUNT.values())


def read_accounts(path):
    return {
        username: password
        for _role, username, password in (
            line.split("\t") for line in path.read_text().splitlines()
        )
    }


def test_it_signs_each_demo_account_in_to_its_own_menu(client, db, tmp_path, capsys):
    accounts_file = tmp_path / "demo-accounts.txt"

    call_command("seed_demo", accounts_file=str(accounts_file))

    printed = capsys.readouterr().out
    accounts = read_accounts(accounts_file)
    assert set(accounts) == set(MENU_BY_ACCOUNT)
    for username, password in accounts.items():
        assert f"{username}" in printed and password in printed
        client.logout()
        response = client.post(reverse("login"), {"username": username, "password": password})
        assert response.status_code == 302, username
        if username == "quantri":
            # The administrator must set up two-factor sign-in before anything else.
            assert client.get(reverse("home"))["Location"].startswith(reverse("twofactor:enrol"))
            client.get(reverse("twofactor:enrol"))
            code = totp(unhexlify(client.session["twofactor_enrol_key"]))
            client.post(reverse("twofactor:enrol"), {"code": f"{code:06d}"})
        html = client.get(reverse("home")).content.decode()
        shown = {label for label in ALL_MENU_LABELS if f">{label}</a>" in html}
        assert shown == MENU_BY_ACCOUNT[username], username


def test_it_keeps_the_passwords_private_and_unique(db, tmp_path):
    accounts_file = tmp_path / "demo-accounts.txt"

    call_command("seed_demo", accounts_file=str(accounts_file))

    passwords = list(read_accounts(accounts_file).values())
    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600
    assert len(set(passwords)) == len(passwords)
    assert all(len(password) >= 12 for password in passwords)


def test_it_loads_the_demo_twice_without_changing_anything(db, tmp_path):
    accounts_file = tmp_path / "demo-accounts.txt"
    call_command("seed_demo", accounts_file=str(accounts_file))
    first = accounts_file.read_text()
    counts = (Unit.objects.count(), User.objects.count())

    call_command("seed_demo", accounts_file=str(accounts_file))

    assert accounts_file.read_text() == first
    assert (Unit.objects.count(), User.objects.count()) == counts


def test_it_does_not_reload_a_database_that_has_data(db, tmp_path, capsys):
    Unit.objects.create(code="UBND", name="Ủy ban đã có", kind="other")

    call_command("seed_demo", if_empty=True, accounts_file=str(tmp_path / "accounts.txt"))

    assert Unit.objects.get().name == "Ủy ban đã có"
    assert "the demo was not loaded again" in capsys.readouterr().out
    assert not User.objects.exists()


def test_it_builds_the_citys_49_units_with_staff_and_regulations(db, tmp_path):
    import datetime

    from django.db.models import Count

    from personnel.selectors import regulation_coverage

    call_command("seed_demo", accounts_file=str(tmp_path / "accounts.txt"))

    root = Unit.objects.get(code="UBND-LS")
    under_root = Unit.objects.filter(parent=root).annotate(people=Count("postings"))
    assert under_root.count() == 49
    assert min(unit.people for unit in under_root) >= 7
    assert regulation_coverage(
        start=datetime.date(2018, 1, 1), end=datetime.date(2019, 12, 31)
    ) == {"total": 50, "covered": 50, "percent": 100}
    assert User.objects.get(username="truongdonvi").unit.name == "Phường Chi Lăng"
