"""Each role reaches its own pages, is refused (403) elsewhere, and sees only its menu."""

import pytest
from django.urls import reverse

# The personas are looked up by name, so pytest-django cannot see these tests use the database.
pytestmark = pytest.mark.django_db

PAGES = [
    "inspections:rounds",
    "inspections:review_queue",
    "emulation:periods",
    "personnel:units",
    "personnel:staff_list",
    "personnel:my_unit",
    "personnel:import",
    "inspections:unit_records",
    "citizen_reports:list",
    "emulation:nominations",
    "inspections:signature_verify",
]

# Who may open which page; everyone else signed in gets 403.
ALLOWED = {
    "inspector": {"inspections:rounds", "personnel:units", "personnel:staff_list"},
    "reviewer": {
        "inspections:rounds",
        "inspections:review_queue",
        "emulation:periods",
        "personnel:units",
        "personnel:staff_list",
        "personnel:import",
        "citizen_reports:list",
        "inspections:signature_verify",
    },
    "council_member": {"emulation:periods", "inspections:signature_verify"},
    "unit_head": {
        "personnel:my_unit",
        "personnel:staff_list",
        "inspections:unit_records",
        "emulation:nominations",
    },
    "outsider": set(),
    "administrator": set(PAGES),
}


@pytest.mark.parametrize("persona", sorted(ALLOWED))
@pytest.mark.parametrize("page", PAGES)
def test_it_lets_each_role_into_its_pages_only(client, request, persona, page):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse(page))

    expected = 200 if page in ALLOWED[persona] else 403
    assert response.status_code == expected
    if expected == 403:
        assert "Không có quyền truy cập" in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_it_sends_anonymous_visitors_to_the_login_page(client, db, page):
    response = client.get(reverse(page))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse(page)}"


@pytest.mark.parametrize("persona", sorted(ALLOWED))
def test_it_shows_each_role_only_the_menu_it_may_use(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    html = client.get(reverse("home")).content.decode()

    for page in PAGES:
        link = f'href="{reverse(page)}"'
        assert (link in html) == (page in ALLOWED[persona]), page


def test_it_tells_a_user_without_role_to_ask_for_one(client, outsider):
    client.force_login(outsider)

    html = client.get(reverse("home")).content.decode()

    assert "Tài khoản của bạn chưa được phân vai trò" in html


def test_it_shows_the_unit_head_only_their_own_unit(client, unit_head, unit_b):
    client.force_login(unit_head)

    html = client.get(reverse("personnel:my_unit")).content.decode()

    assert "Phường Đông Kinh" in html
    assert "Xã Hoàng Đồng" not in html


def test_it_opens_the_admin_to_administrators_only(client, administrator, reviewer, settings):
    admin_index = reverse("admin:index")
    assert admin_index == f"/{settings.ADMIN_URL}"

    client.force_login(reviewer)
    refused = client.get(admin_index)
    client.force_login(administrator)
    allowed = client.get(admin_index)

    assert refused.status_code == 302
    assert refused["Location"].startswith(reverse("admin:login"))
    assert allowed.status_code == 200


def test_it_keeps_staff_status_alone_out_of_the_admin(client, db):
    from tests.factories import make_user

    client.force_login(make_user("clerk", is_staff=True))

    assert client.get(reverse("admin:index")).status_code == 302


def test_it_does_not_serve_the_admin_at_the_default_path(client, administrator):
    client.force_login(administrator)

    assert client.get("/admin/").status_code == 404
