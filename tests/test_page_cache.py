"""What the pages keep in the shared cache (core.page_cache; Redis in production) and the
writers after whose commit the next page shows their change: the council's period page and the
new record page. Each page read from the cache is also compared with the same page read
afresh, without it."""

import datetime
import logging
import re

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management.sql import emit_post_migrate_signal
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from core import page_cache
from emulation.imports import nominations_import
from emulation.models import Title
from emulation.services import (
    nomination_create,
    period_approve,
    period_return_to_collection,
    period_secretary_set,
    period_settings_change,
    period_start_review,
)
from inspections import services as inspection_services
from inspections.discipline_services import discipline_record
from inspections.imports import violations_import
from inspections.models import RecordStatus, ViolationRecord
from personnel.imports import agencies_import, staff_import
from personnel.models import Role, Staff
from personnel.services import staff_transfer
from portal.demo import seed_demo
from tests.factories import (
    local,
    make_period,
    make_record,
    make_staff,
    make_user,
    visit_started_earlier,
)
from tests.test_emulation_pages import build_large_period, listed

PER_PROCESS = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _without_tokens(html: str) -> str:
    """A page less what changes with every answer: CSRF tokens, the new record's one-time
    token, its default time and the offline kit's time of rendering."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'name="token" value="[^"]*"', "", html)
    html = re.sub(r'name="occurred_at" value="[^"]*"', "", html)
    return re.sub(r'"rendered": "[^"]*"', "", html)


def shown(client, url, query=None):
    """The page as the cache serves it, asserted equal to the page read without the cache."""
    kept = client.get(url, query or {})
    with override_settings(CACHES=PER_PROCESS):
        fresh = client.get(url, query or {}).content.decode()
    assert _without_tokens(kept.content.decode()) == _without_tokens(fresh)
    return kept


@pytest.fixture
def written(django_capture_on_commit_callbacks):
    """A writer's work, committed: what it bumps after its commit is bumped."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- The version store --------------------------------------------------------------------------


def test_it_keeps_rows_read_before_a_commit_under_the_old_version(
    db, shared_cache, django_capture_on_commit_callbacks
):
    assert page_cache.kept("k", versions=["x"], compute=lambda: "old") == "old"

    with django_capture_on_commit_callbacks(execute=True):
        page_cache.changed("x")
        # Another worker, before the commit: the old rows, kept under the old version.
        assert page_cache.kept("k", versions=["x"], compute=lambda: "unused") == "old"
        page_cache.kept("other", versions=["x"], compute=lambda: "read before the commit")

    assert page_cache.kept("k", versions=["x"], compute=lambda: "new") == "new"
    assert page_cache.kept("k", versions=["x"], compute=lambda: "unused") == "new"
    assert page_cache.kept("other", versions=["x"], compute=lambda: "after") == "after"


def test_it_reads_again_what_a_version_lost_in_the_cache_was_kept_under(db, shared_cache):
    page_cache.kept("k", versions=["x"], compute=lambda: "old")

    cache.delete(page_cache.VERSION_KEY % "x")  # evicted

    assert page_cache.kept("k", versions=["x"], compute=lambda: "new") == "new"


def test_it_reads_everything_again_after_a_migration(db, shared_cache, written):
    page_cache.kept("k", versions=["x"], compute=lambda: "old")

    with written():
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert page_cache.kept("k", versions=["x"], compute=lambda: "new") == "new"


def test_it_reads_everything_again_after_the_demo_is_loaded(db, shared_cache, written, tmp_path):
    page_cache.kept("k", versions=["x"], compute=lambda: "old")

    with written():
        seed_demo(accounts_file=tmp_path / "accounts.txt")  # written in bulk, without signals

    assert page_cache.kept("k", versions=["x"], compute=lambda: "new") == "new"


def test_it_keeps_nothing_in_a_cache_of_each_process(db, written):
    # locmemcache:// (the default): a worker's bump would not reach the other workers' copies.
    assert page_cache.kept("k", versions=["x"], compute=lambda: "first") == "first"
    assert page_cache.kept("k", versions=["x"], compute=lambda: "second") == "second"


def test_it_reads_the_database_when_the_cache_does_not_answer(db, settings, caplog, written):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }

    with caplog.at_level(logging.ERROR):
        value = page_cache.kept("k", versions=["x"], compute=lambda: "from the database")
        with written():
            page_cache.changed("x")  # logged; the writer's commit stands

    assert value == "from the database"
    assert "did not answer" in caplog.text
    assert "Error calling" in caplog.text


# --- The council's period page --------------------------------------------------------------------


@pytest.fixture
def period_2019(unit_a, unit_b):
    """S001 excluded by a confirmed record, S002 pending on a submitted one, S003 eligible
    (unit A); S004 eligible (unit B)."""
    period = make_period("2019")
    people = {
        "S001": make_staff("S001", unit=unit_a, full_name="Nguyễn Văn Hùng"),
        "S002": make_staff("S002", unit=unit_a, full_name="Lê Thị Hoa"),
        "S003": make_staff("S003", unit=unit_a, full_name="Phạm Minh Tuấn"),
        "S004": make_staff("S004", unit=unit_b, full_name="Đỗ Thu Trang"),
    }
    make_record(people["S001"], local(2019, 3, 12, 8, 0), number="BB-01/2019")
    make_record(people["S002"], local(2019, 4, 2, 8, 0), RecordStatus.SUBMITTED, number="BB-02")
    for code, person in people.items():
        nomination_create(
            period_code="2019",
            staff_code=code,
            title_code="lao_dong_tien_tien",
            unit=person.postings.first().unit,
            submitted_by=None,
            rating="tot",
        )
    return period


@pytest.fixture
def council_page(client, period_2019, council_member, shared_cache):
    """The council member's period page, read once: what it reads is kept."""
    client.force_login(council_member)
    url = reverse("emulation:period", args=["2019"])
    first = shown(client, url)
    assert first.context["counts"] == {"eligible": 2, "excluded": 1, "pending": 1}
    return url


def test_it_shows_a_review_on_the_next_page(client, council_page, reviewer, written):
    with written():
        inspection_services.record_confirm(
            record=ViolationRecord.objects.get(number="BB-02"), reviewer=reviewer
        )

    response = shown(client, council_page)

    assert response.context["counts"] == {"eligible": 2, "excluded": 2, "pending": 0}
    assert listed(shown(client, council_page, {"status": "excluded"})) == ["S001", "S002"]


def test_it_shows_a_new_nomination_on_the_next_page(client, council_page, unit_b, written):
    make_staff("S005", unit=unit_b, full_name="Vũ Minh Châu")
    with written():
        nomination_create(
            period_code="2019",
            staff_code="S005",
            title_code="lao_dong_tien_tien",
            unit=unit_b,
            submitted_by=None,
            rating="tot",
        )

    response = shown(client, council_page)

    assert "S005" in listed(response)
    assert response.context["counts"]["eligible"] == 3


def test_it_shows_nominations_imported(client, council_page, unit_b, tmp_path, written):
    make_staff("S005", unit=unit_b, full_name="Vũ Minh Châu")
    path = tmp_path / "nominations.csv"
    path.write_text("staff_code,title,rating\nS005,lao_dong_tien_tien,tot\n")
    with written():
        nominations_import(path=path, period_code="2019")

    assert "S005" in listed(shown(client, council_page))


def test_it_shows_records_imported(client, council_page, tmp_path, written):
    path = tmp_path / "violations.csv"
    path.write_text(
        "record_no,staff_code,occurred_at,type,status\nBB-09/2019,S004,2019-05-06,no_badge,confirmed\n"
    )
    with written():
        violations_import(path=path)

    response = shown(client, council_page)

    assert response.context["counts"] == {"eligible": 1, "excluded": 2, "pending": 1}
    assert "BB-09/2019" in response.content.decode()


def test_it_shows_a_discipline_procedure_opened(client, council_page, written):
    with written():
        discipline_record(
            number="02/QĐ-UBND",
            staff=Staff.objects.get(code="S003"),
            form="khien_trach",
            status="under_review",
            decided_on=None,
            effective_until=None,
            signer="",
            records=None,
            actor=None,
        )

    response = shown(client, council_page)

    assert response.context["counts"] == {"eligible": 1, "excluded": 1, "pending": 2}


def test_it_shows_a_collective_whose_members_moved(client, council_page, unit_a, unit_b, written):
    with written():
        nomination_create(
            period_code="2019",
            title_code="tap_the_lao_dong_tien_tien",
            unit=unit_a,
            submitted_by=None,
        )
    units_tab = {"nominee": "unit"}
    before = shown(client, council_page, units_tab).content.decode()
    with written():
        # The excluded and the pending member leave unit A: the eligible one is all it has.
        for code in ("S001", "S002"):
            staff_transfer(
                staff=Staff.objects.get(code=code), unit=unit_b, on=datetime.date(2019, 6, 1)
            )

    after = shown(client, council_page, units_tab).content.decode()

    assert "1/3 thành viên" in before
    assert "1/3 thành viên" not in after


def test_it_shows_the_list_evaluated_again_under_new_settings(
    client, council_page, period_2019, written
):
    with written():
        period_settings_change(
            period=period_2019, policy="discipline", min_months=6, collective_share=70
        )

    response = shown(client, council_page)

    # Under the legal floor a record alone neither excludes nor defers.
    assert response.context["counts"] == {"eligible": 4, "excluded": 0, "pending": 0}
    assert 'value="discipline" selected' in response.content.decode()


def test_it_warns_of_a_cap_set_since(client, council_page, period_2019, written):
    with written():
        nomination_create(
            period_code="2019",
            staff_code="S003",
            title_code="chien_si_thi_dua_co_so",
            unit=Staff.objects.get(code="S003").postings.get().unit,
            submitted_by=None,
            rating="xuat_sac",
        )
    assert "tối đa" not in shown(client, council_page).content.decode()
    with written():
        # The cap alone: a warning, the verdicts as they were.
        period_settings_change(
            period=period_2019,
            policy=period_2019.policy,
            min_months=period_2019.min_months,
            collective_share=period_2019.collective_share,
            cstdcs_cap=10,
        )

    html = shown(client, council_page).content.decode()

    assert "Phường Đông Kinh: đề nghị 1, tối đa 0" in html


def test_it_shows_each_step_of_the_history(
    client, council_page, period_2019, council_member, written
):
    with written():
        period_start_review(period=period_2019, user=council_member)
    sent = shown(client, council_page).content.decode()
    with written():
        period_return_to_collection(
            period=period_2019, user=council_member, reason="Thiếu danh sách phường Đông Kinh"
        )

    returned = shown(client, council_page).content.decode()

    assert "Quá trình xử lý danh sách" in sent
    assert "Thiếu danh sách phường Đông Kinh" not in sent
    assert ": Thiếu danh sách phường Đông Kinh</li>" in returned


def test_it_shows_a_frozen_list_citing_a_decision_taken_since(
    client, council_page, period_2019, council_member, written
):
    trang = Staff.objects.get(code="S004")
    decision = {
        "number": "01/QĐ-UBND",
        "staff": trang,
        "form": "khien_trach",
        "effective_until": None,
        "signer": "",
        "records": None,
        "actor": None,
    }
    with written():
        discipline_record(**decision, status="under_review", decided_on=None)
        period_start_review(period=period_2019, user=council_member)
        period_approve(period=period_2019, user=council_member)
    frozen = shown(client, council_page, {"status": "pending"}).content.decode()
    with written():
        discipline_record(**decision, status="decided", decided_on=datetime.date(2019, 6, 3))

    after = shown(client, council_page, {"status": "pending"}).content.decode()

    # The approved list keeps Trang deferred; its reason reads the decision as it now stands.
    assert "Đang xem xét xử lý kỷ luật (01/QĐ-UBND)" in frozen
    assert "(QĐ 01/QĐ-UBND ngày 03/06/2019) còn hiệu lực trong kỳ" in after


def test_it_shows_the_secretary_chosen(client, council_page, period_2019, council_member, written):
    with written():
        period_secretary_set(period=period_2019, secretary=council_member, user=council_member)

    html = shown(client, council_page).content.decode()

    assert f'<option value="{council_member.pk}" selected>' in html


def test_it_offers_a_member_who_joined_the_council(client, council_page, written):
    newcomer = make_user("thu-ky", first_name="Lan", last_name="Hà Thị")
    with written():
        newcomer.groups.add(Group.objects.get(name=Role.COUNCIL))

    html = shown(client, council_page).content.decode()

    assert f'<option value="{newcomer.pk}">Hà Thị Lan</option>' in html


def test_it_offers_a_member_renamed(client, council_page, council_member, written):
    with written():
        council_member.first_name, council_member.last_name = "Mai", "Hà Thị"
        council_member.save()

    html = shown(client, council_page).content.decode()

    assert f'<option value="{council_member.pk}">Hà Thị Mai</option>' in html


def test_it_shows_a_unit_renamed(client, council_page, unit_a, written):
    with written():
        unit_a.name = "Phường Kinh Bắc"
        unit_a.save()

    html = shown(client, council_page).content.decode()

    assert '<option value="P-A">Phường Kinh Bắc</option>' in html
    assert ">Phường Kinh Bắc</td>" in html


def test_it_shows_a_title_renamed(client, council_page, written):
    title = Title.objects.get(code="lao_dong_tien_tien")
    with written():
        title.name = "Lao động tiên tiến (cấp phường)"
        title.save()

    html = shown(client, council_page).content.decode()

    assert "Lao động tiên tiến (cấp phường)</option>" in html
    assert ">Lao động tiên tiến (cấp phường)<br>" in html


def test_it_shows_a_person_renamed_by_the_staff_import(client, council_page, tmp_path, written):
    path = tmp_path / "staff.csv"
    path.write_text(
        "staff_code,full_name,agency_code,category\nS003,Phạm Minh Quân,P-A,cong_chuc\n"
    )
    with written():
        staff_import(path=path)

    assert ">Phạm Minh Quân</td>" in shown(client, council_page).content.decode()


def test_it_shows_a_unit_renamed_by_the_agencies_import(client, council_page, tmp_path, written):
    path = tmp_path / "agencies.csv"
    path.write_text("code,name,kind\nX-B,Xã Hoàng Long,commune\n")
    with written():
        agencies_import(path=path)

    assert ">Xã Hoàng Long</td>" in shown(client, council_page).content.decode()


def test_it_keeps_the_page_across_a_sign_in(
    client, council_page, council_member, written, django_assert_num_queries
):
    # Signing in saves the user's last_login alone: nothing the page keeps changed.
    with written():
        client.force_login(council_member)

    # 1 session, 2 the user with their roles, 3 the period with its secretary and meeting.
    with django_assert_num_queries(3):
        client.get(council_page)


@pytest.mark.parametrize("count", [10, 1000])
def test_it_serves_a_kept_period_page_in_three_queries(
    client, unit_a, council_member, count, shared_cache, django_assert_num_queries
):
    period = build_large_period(count, unit_a)
    client.force_login(council_member)
    url = reverse("emulation:period", args=[period.code])

    # Read the first time as without the cache (tests/test_emulation_pages.py).
    with django_assert_num_queries(11):
        client.get(url)
    # 1 session, 2 the user with their roles, 3 the period with its secretary and council
    # meeting: the counts, the rows with their reasons, the filters' units and titles,
    # whether there are collectives, the history and the council's members are kept.
    with django_assert_num_queries(3):
        kept = client.get(url)

    assert len(listed(kept)) == min(count, 50)
    assert kept.context["counts"]["excluded"] == len(range(0, count, 2))


# --- The new record page --------------------------------------------------------------------------


@pytest.fixture
def visit(inspector, unit_a, unit_b):
    today = timezone.localdate()
    inspection_round = inspection_services.round_create(
        code="DX-01", name="Kiểm tra đột xuất đợt 1", kind="surprise", starts_on=today,
        ends_on=today + datetime.timedelta(days=7), lead=inspector, members=[],
        units=[unit_a, unit_b],
    )  # fmt: skip
    return visit_started_earlier(
        inspection_services.visit_start(
            inspection_round=inspection_round, unit=unit_a, actor=inspector
        )
    )


@pytest.fixture
def record_page(client, visit, inspector, unit_a, shared_cache):
    make_staff("S001", unit=unit_a, full_name="Nguyễn Văn An")
    make_staff("S002", unit=unit_a, full_name="Trần Thị Bình")
    client.force_login(inspector)
    url = reverse("inspections:record_new", args=[visit.pk])
    assert "Trần Thị Bình (S002)" in shown(client, url).content.decode()
    return url


def test_it_offers_a_person_posted_to_the_unit_since(client, record_page, unit_a, written):
    with written():
        make_staff("S003", unit=unit_a, full_name="Lê Văn Cường")

    assert "Lê Văn Cường (S003)" in shown(client, record_page).content.decode()


def test_it_no_longer_offers_a_person_transferred_out(client, record_page, unit_b, written):
    with written():
        staff_transfer(staff=Staff.objects.get(code="S002"), unit=unit_b, on=timezone.localdate())

    assert "Trần Thị Bình" not in shown(client, record_page).content.decode()


def test_it_offers_a_person_renamed_by_the_staff_import(client, record_page, tmp_path, written):
    path = tmp_path / "staff.csv"
    path.write_text("staff_code,full_name,agency_code,category\nS001,Nguyễn Văn Ân,P-A,cong_chuc\n")
    with written():
        staff_import(path=path)

    assert "Nguyễn Văn Ân (S001)" in shown(client, record_page).content.decode()


def test_it_serves_a_kept_new_record_page_in_two_queries(
    client, record_page, django_assert_num_queries
):
    # 1 session, 2 the user with their roles: the visit with its round and unit, and the
    # unit's people, are kept; the lead of the round is on its team without a query.
    with django_assert_num_queries(2):
        client.get(record_page)


def test_it_drops_the_offline_kit_once_the_visit_is_finished(
    client, record_page, visit, inspector, written
):
    assert 'id="offline-data"' in shown(client, record_page).content.decode()
    with written():
        inspection_services.visit_finish(visit=visit, actor=inspector)

    assert 'id="offline-data"' not in shown(client, record_page).content.decode()


def test_it_shows_the_unit_renamed_on_a_visits_page(client, record_page, unit_a, written):
    with written():
        unit_a.name = "Phường Kinh Bắc"
        unit_a.save()

    assert ">Phường Kinh Bắc</a></p>" in shown(client, record_page).content.decode()


def test_it_refuses_a_lead_replaced_since_the_page_was_kept(
    client, record_page, visit, inspector, written
):
    with written():
        visit.round.lead = make_user("truong-doan", role=Role.INSPECTOR)
        visit.round.save()

    assert client.get(record_page).status_code == 404


def test_it_refuses_a_member_taken_off_the_team_since_the_page_was_kept(
    client, record_page, visit, written
):
    member = make_user("thanh-vien", role=Role.INSPECTOR)
    visit.round.members.add(member)
    client.force_login(member)
    assert client.get(record_page).status_code == 200

    with written():
        visit.round.members.remove(member)

    assert client.get(record_page).status_code == 404


def test_it_serves_a_team_members_new_record_page_in_three_queries(
    client, record_page, visit, django_assert_num_queries
):
    member = make_user("thanh-vien", role=Role.INSPECTOR)
    visit.round.members.add(member)
    client.force_login(member)
    client.get(record_page)

    # 1 session, 2 the user with their roles, 3 whether they are on the team: the visit and
    # the unit's people are kept.
    with django_assert_num_queries(3):
        client.get(record_page)


def test_it_serves_a_team_members_new_record_page_in_five_queries_without_the_cache(
    client, visit, unit_a, django_assert_num_queries
):
    member = make_user("thanh-vien", role=Role.INSPECTOR)
    visit.round.members.add(member)
    make_staff("S001", unit=unit_a)
    client.force_login(member)
    url = reverse("inspections:record_new", args=[visit.pk])
    client.get(url)

    # 1 session, 2 the user with their roles, 3 the visit with its round and unit, 4 whether
    # they are on the team (asked once for the page and its offline kit), 5 the unit's people.
    with django_assert_num_queries(5):
        client.get(url)


def test_it_keeps_nothing_for_a_search(client, record_page, written):
    html = shown(client, record_page, {"q": "binh"}).content.decode()

    assert "Trần Thị Bình (S002)" in html
    assert "Nguyễn Văn An" not in html
