"""What every signed-in page costs before its own work: the session and the user, no more."""

from django.contrib.auth.models import Group
from django.urls import reverse

from personnel.models import Role
from tests.factories import make_user


def test_it_reads_the_user_with_unit_and_roles_in_one_query(
    client, unit_head, django_assert_num_queries
):
    client.force_login(unit_head)

    # 1 session, 2 the user with their unit and role names; the page shows the unit and the
    # menu of the user's roles without another query, and the session is not saved again;
    # 3-4 the unit's records submitted or decided lately: their count, the latest ones
    with django_assert_num_queries(4):
        response = client.get(reverse("home"))

    html = response.content.decode()
    assert unit_head.unit.name in html
    assert reverse("inspections:unit_records") in html


def test_it_applies_a_role_taken_away_on_the_next_page(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("inspections:review_queue")).status_code == 200

    reviewer.groups.remove(Group.objects.get(name=Role.REVIEWER))

    assert client.get(reverse("inspections:review_queue")).status_code == 403


def test_it_gives_a_user_without_roles_no_menu(client, db):
    nobody = make_user("nobody")
    client.force_login(nobody)

    html = client.get(reverse("home")).content.decode()

    assert "Tài khoản của bạn chưa được phân vai trò" in html
