"""The dashboard in a real browser: fits a 360 px phone, and prints its charts without the
navigation."""

import pytest

from personnel.models import Role, Unit, UnitKind
from tests.factories import Clock, build_year, local, make_user
from tests.system.browser.conftest import sign_in

# serialized_rollback: the flush after each test would otherwise drop the role groups
# that a data migration created, for every test that runs later.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def reviewer_with_year(monkeypatch):
    inspector = make_user("thanhtra_test", role=Role.INSPECTOR)
    reviewer = make_user("noivu_test", role=Role.REVIEWER)
    unit_a = Unit.objects.create(code="P-A", name="Phường Đông Kinh", kind=UnitKind.WARD)
    unit_b = Unit.objects.create(code="X-B", name="Xã Hoàng Đồng", kind=UnitKind.COMMUNE)
    clock = Clock(monkeypatch, local(2019, 1, 1))
    build_year(clock, inspector=inspector, reviewer=reviewer, unit_a=unit_a, unit_b=unit_b)
    monkeypatch.undo()  # the live server's sessions need the real clock
    return reviewer


def test_it_fits_a_phone_and_prints_the_charts_without_navigation(phone, reviewer_with_year):
    sign_in(phone, "noivu_test", "a-long-test-passphrase")

    phone.goto("/bao-cao/?year=2019")

    assert phone.locator("h1").inner_text() == "Số liệu kỷ luật, kỷ cương năm 2019"
    assert phone.locator("svg.chart").count() == 3
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert "phát hiện và lập biên bản 4 trường hợp" in phone.locator("#report-draft").input_value()
    phone.goto("/bao-cao/2019/print/")
    phone.emulate_media(media="print")
    assert not phone.locator(".main-nav").is_visible()
    assert phone.locator("svg.chart").first.is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
