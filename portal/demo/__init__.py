"""The demo city: Lạng Sơn city's units with invented people, and one account per role.

Passwords are generated on first creation and kept only in the accounts file (mode 600),
so no password in the repository or the docs can ever open a real deployment.
"""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import transaction

from core import page_cache
from personnel.models import Role, Unit, User
from portal.demo.city import ROOT, build_city
from portal.demo.history import build_history

# Invented people: the demo names no real official.
DEMO_ACCOUNTS = [
    # username, first name, last name, role (None: administrator), unit code
    ("thanhtra", "Khôi", "Trần Minh", Role.INSPECTOR, "TTTP"),
    ("noivu", "Lan", "Phạm Thị", Role.REVIEWER, "PNV"),
    ("hoidong", "Huy", "Vũ Quang", Role.COUNCIL, "VP"),
    ("truongdonvi", "Mai", "Đặng Thị", Role.UNIT_HEAD, "P-CHILANG"),
    ("quantri", "Bình", "Ngô Thanh", None, None),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str


def read_accounts_file(path: Path) -> dict[str, DemoAccount]:
    accounts = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                role, username, password = parts
                accounts[username] = DemoAccount(username, password, role)
    return accounts


def write_accounts_file(path: Path, accounts: list[DemoAccount]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{a.role}\t{a.username}\t{a.password}\n" for a in accounts)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


@transaction.atomic
def seed_demo(*, accounts_file: Path) -> list[DemoAccount]:
    """Load the demo city once; a second run only refreshes the demo accounts."""
    first_load = not Unit.objects.filter(code=ROOT[0]).exists()
    if first_load:
        units = build_city()
    else:
        units = Unit.objects.in_bulk(
            [code for *_rest, code in DEMO_ACCOUNTS if code], field_name="code"
        )

    known = read_accounts_file(accounts_file)
    accounts, users = [], {}
    for username, first_name, last_name, role, unit_code in DEMO_ACCOUNTS:
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "unit": units.get(unit_code),
                "is_superuser": role is None,
                "is_staff": role is None,
                # The demo's mail goes to the log (no mail server): addresses of an unused domain.
                "email": f"{username}@demo.kycuong.invalid",
            },
        )
        password = known[username].password if username in known and not created else None
        if password is None or not user.check_password(password):
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
        if role is not None:
            # get_or_create: a test database flushed between tests has lost the migration's rows
            group, _created = Group.objects.get_or_create(name=role)
            user.groups.set([group])
        accounts.append(DemoAccount(username, password, role or "administrator"))
        users[username] = user

    if first_load:
        build_history(accounts=users)
        # The city is written in bulk, without signals.
        page_cache.changed(page_cache.EVERYTHING)
    write_accounts_file(accounts_file, accounts)
    return accounts
