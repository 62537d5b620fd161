"""A new user's first visit, in a real browser: Vietnamese first, English on the switch,
each demo account to its own menu, and pages that fit a 360 px phone."""

import pytest
from django.core.management import call_command

from tests.system.browser.conftest import sign_in
from tests.system.browser.journeys import menu_texts

# serialized_rollback: the flush after each test would otherwise drop the role groups
# that a data migration created, for every test that runs later.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def demo_accounts(tmp_path):
    accounts_file = tmp_path / "accounts.txt"
    call_command("seed_demo", accounts_file=str(accounts_file))
    return {
        username: password
        for _role, username, password in (
            line.split("\t") for line in accounts_file.read_text().splitlines()
        )
    }


def menu_of(page):
    return menu_texts(page)


def test_it_greets_in_vietnamese_and_switches_to_english(desktop, demo_accounts):
    desktop.goto("/")

    assert desktop.locator("h1").inner_text() == "Siết chặt kỷ luật, kỷ cương hành chính"
    desktop.click("button[value=en]")
    assert desktop.locator("h1").inner_text() == "Tightening administrative discipline"
    assert desktop.locator("html").get_attribute("lang") == "en"


def test_it_shows_each_demo_account_its_own_menu_on_a_phone(phone, demo_accounts):
    expected = {
        "thanhtra": ["Bàn làm việc", "Đợt kiểm tra", "Cán bộ", "Đơn vị"],
        "hoidong": [
            "Bàn làm việc",
            "Kỳ xét thi đua",
            "Kiểm tra văn bản PDF đã ký số",
            "Bảng số liệu",
        ],
        "truongdonvi": [
            "Bàn làm việc",
            "Cán bộ",
            "Đơn vị của tôi",
            "Biên bản của đơn vị",
            "Đề nghị khen thưởng",
        ],
    }
    for username, menu in expected.items():
        phone.context.clear_cookies()
        sign_in(phone, username, demo_accounts[username])
        assert menu_of(phone) == menu, username
        # Nothing wider than the phone: no sideways scrolling.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, username


def test_it_finds_a_person_typed_without_diacritics_on_a_phone(phone, demo_accounts):
    from personnel.models import Staff

    person = Staff.objects.order_by("code").first()
    folded_words = person.search_text.split("|")[0]
    sign_in(phone, "thanhtra", demo_accounts["thanhtra"])

    phone.goto("/personnel/staff/")
    phone.fill("#id_q", folded_words)
    phone.click("main button[type=submit]")

    assert person.full_name in phone.locator("main table").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_it_reports_no_csp_violation_on_the_main_pages(desktop, demo_accounts):
    violations = []
    desktop.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(desktop, "noivu", demo_accounts["noivu"])
    for path in ["/", "/personnel/units/", "/personnel/staff/", "/personnel/units/P-CHILANG/"]:
        desktop.goto(path)

    assert violations == []
