"""A ward of thousands: its people are read in one statement that each database plans once
for the unit, never once per person, and the inspector's pages list at most PEOPLE_SHOWN of
them at once, paged or narrowed by a search."""

import datetime
import json
import re

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from inspections import services
from inspections.models import RollCallEntry, ViolationRecord
from inspections.views import PEOPLE_SHOWN
from personnel.imports import staff_import
from personnel.models import Posting, Staff
from personnel.search import staff_search_text
from personnel.selectors import (
    staff_count_posted_to,
    staff_list,
    staff_posted_to,
    staff_search,
)
from personnel.services import staff_transfer
from tests.factories import visit_started_earlier

# Every signed-in page: session, the user with their unit and roles (the session is saved at
# most once a minute, and force_login has just saved it). Then the inspector's visit: the
# visit with its round and unit, among the rounds the user sees (the round's lead sees each
# of its visits without asking again).
VISIT_PAGE = 2 + 1
# one page of the unit's people, their roll call marks; the count shown ("18/25"): how many
# of the unit's people are marked, how many are posted (read from the postings alone, and
# also the pages' count)
ROLL_CALL_QUERIES = VISIT_PAGE + 2 + 2
# the first PEOPLE_SHOWN people and one more (whether there are more)
RECORD_NEW_QUERIES = VISIT_PAGE + 1


@pytest.fixture
def visit(inspector, unit_a, unit_b):
    today = timezone.localdate()
    the_round = services.round_create(
        code="DX-01", name="Kiểm tra đột xuất đợt 1", kind="surprise", starts_on=today,
        ends_on=today + datetime.timedelta(days=7), lead=inspector, members=[],
        units=[unit_a, unit_b],
    )  # fmt: skip
    return visit_started_earlier(
        services.visit_start(inspection_round=the_round, unit=unit_a, actor=inspector)
    )


@pytest.fixture
def english(client):
    # Sentences checked in English, the catalogue's source, whatever the Vietnamese one holds.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def post_people(count, *, unit, prefix="N", **posting):
    """`count` people posted to `unit`, named so that their order by name is their codes'."""
    people = Staff.objects.bulk_create(
        Staff(
            code=f"{prefix}{index:05d}",
            full_name=f"Người {prefix}{index:05d}",
            category="cong_chuc",
            search_text=staff_search_text(f"Người {prefix}{index:05d}"),
        )
        for index in range(count)
    )
    Posting.objects.bulk_create(Posting(staff=person, unit=unit, **posting) for person in people)
    return people


@pytest.fixture
def around(unit_a, unit_b):
    """Who must not be listed: a person of another unit, and one who left the unit yesterday."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    post_people(1, unit=unit_b, prefix="B")
    post_people(1, unit=unit_a, prefix="L", ends_on=yesterday)


def html_of(response):
    return response.content.decode()


def listed_on_roll_call(response):
    return [int(pk) for pk in re.findall(r'id="staff-(\d+)"', html_of(response))]


def offered(response):
    return [int(pk) for pk in re.findall(r'<option value="(\d+)"', html_of(response))]


# The statement


def sqlite_per_person_unit_reads(sql, params):
    """The steps of SQLite's plan that look the unit's postings up inside a subquery run once
    per person (a CORRELATED subquery among their parents)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        steps = {step: (parent, detail) for step, parent, _unused, detail in cursor.fetchall()}

    def per_person(step):
        while step in steps:
            step, detail = steps[step]
            if detail.startswith("CORRELATED"):
                return True
        return False

    return [
        detail
        for step, (parent, detail) in steps.items()
        if "(unit_id=?" in detail and per_person(parent)
    ], steps


def postgresql_per_person_unit_reads(sql, params):
    """The steps of PostgreSQL's plan, as run, that look the unit's postings up more than once
    (a subplan run for each person); a look-up of one person's own postings (by the person,
    the unit checked among them) is not one."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def steps(node):
        yield {key: value for key, value in node.items() if key != "Plans"}
        for child in node.get("Plans", []):
            yield from steps(child)

    return [
        step for step in steps(plan[0]["Plan"])
        if re.search(r"unit_id = \d", json.dumps(step)) and step["Actual Loops"] > 1
        and "staff_id" not in step.get("Index Cond", "")
    ], plan  # fmt: skip


def per_person_unit_reads(people):
    """The plan's steps that read the unit's postings once per person, and the whole plan."""
    sql, params = people.query.sql_with_params()
    if connection.vendor == "sqlite":
        return sqlite_per_person_unit_reads(sql, params)
    return postgresql_per_person_unit_reads(sql, params)


@pytest.mark.parametrize("count", [10, 1000])
def test_it_reads_a_units_people_in_one_query_reading_its_postings_once(
    count, unit_a, around, django_assert_num_queries
):
    people = post_people(count, unit=unit_a)
    posted = staff_posted_to(unit=unit_a, day=timezone.localdate())

    # the people whose posting to the unit covers the day, by name
    with django_assert_num_queries(1):
        read = list(posted)

    assert read == people
    per_person, plan = per_person_unit_reads(posted)
    assert per_person == [], plan
    if connection.vendor == "sqlite":  # the unit's postings in name order, from the index alone
        details = [detail for _parent, detail in plan.values()]
        assert any("COVERING INDEX posting_unit_name_dates" in detail for detail in details)
        assert not any("TEMP B-TREE" in detail for detail in details), details


@pytest.mark.parametrize("reading", ["staff_list", "staff_search"])
def test_it_searches_a_unit_reading_its_postings_once(reading, unit_a, around):
    post_people(50, unit=unit_a)
    day = timezone.localdate()
    if reading == "staff_list":  # the staff list filtered by the unit
        people = staff_list(day=day, query="nguoi", unit=unit_a)[:50]
    else:  # the search that ranks the unit's people first
        people = staff_search(query="nguoi", current_unit=unit_a, day=day)[:50]

    per_person, plan = per_person_unit_reads(people)

    assert per_person == [], plan
    # The unit's 50 people; in the search, before the namesakes of other units.
    assert [person.code for person in people] == [f"N{index:05d}" for index in range(50)]


# The roll call


@pytest.mark.parametrize("count", [10, 1000])
def test_it_reads_the_roll_call_in_a_constant_number_of_queries(
    count, client, inspector, visit, unit_a, around, django_assert_num_queries
):
    people = post_people(count, unit=unit_a)
    for person in (people[0], people[-1]):
        services.roll_call_mark(visit=visit, actor=inspector, staff=person, attendance="present")
    client.force_login(inspector)
    url = reverse("inspections:roll_call", args=[visit.pk])

    with django_assert_num_queries(ROLL_CALL_QUERIES):
        response = client.get(url)

    first_page = people[:PEOPLE_SHOWN]
    assert listed_on_roll_call(response) == [person.pk for person in first_page]
    # The marks shown are those of the people on the page.
    assert html_of(response).count("tap-button--chosen") == (2 if count <= PEOPLE_SHOWN else 1)
    last = client.get(url, {"page": 5})
    if count > PEOPLE_SHOWN:
        assert f"Trang 1/{count // PEOPLE_SHOWN}" in html_of(response)
        assert 'name="q"' in html_of(response)
        assert listed_on_roll_call(last) == [person.pk for person in people[800:]]
    else:
        assert "Trang 1/" not in html_of(response)
        assert 'name="q"' not in html_of(response)  # a small unit's roll call is as it was


def test_it_narrows_the_roll_call_of_a_large_unit_to_the_person_typed(
    client, inspector, visit, unit_a
):
    post_people(1000, unit=unit_a)
    hang = Staff.objects.create(code="S-HANG", full_name="Nguyễn Thị Hằng", category="cong_chuc")
    Posting.objects.create(staff=hang, unit=unit_a)
    client.force_login(inspector)

    response = client.get(
        reverse("inspections:roll_call", args=[visit.pk]), {"q": "nguyen thi hang"}
    )

    assert listed_on_roll_call(response) == [hang.pk]
    assert "1 người của đơn vị khớp với “nguyen thi hang”." in html_of(response)


def test_it_returns_to_the_same_page_and_search_after_a_tap(client, inspector, visit, unit_a):
    people = post_people(1000, unit=unit_a)
    person = people[450]
    client.force_login(inspector)
    url = reverse("inspections:roll_call", args=[visit.pk])

    response = client.post(f"{url}?q=nguoi&page=3", {"staff": person.pk, "attendance": "present"})

    assert response["Location"] == f"{url}?q=nguoi&page=3#staff-{person.pk}"
    assert RollCallEntry.objects.get().staff == person
    page = client.get(response["Location"].split("#")[0])
    assert person.pk in listed_on_roll_call(page)
    assert 'value="present" class="tap-button tap-button--chosen"' in html_of(page)


# The new record


@pytest.mark.parametrize("count", [10, 1000])
def test_it_reads_the_new_record_page_in_a_constant_number_of_queries(
    count, client, english, inspector, visit, unit_a, around, django_assert_num_queries
):
    people = post_people(count, unit=unit_a)
    client.force_login(inspector)

    with django_assert_num_queries(RECORD_NEW_QUERIES):
        response = client.get(reverse("inspections:record_new", args=[visit.pk]))

    assert offered(response) == [person.pk for person in people[:PEOPLE_SHOWN]]
    more = (
        f"More than {PEOPLE_SHOWN} people are posted to this unit; the list holds the first "
        f"{PEOPLE_SHOWN} by name. Find the person to narrow it."
    )
    assert (more in html_of(response)) == (count > PEOPLE_SHOWN)


def test_it_finds_a_person_beyond_the_first_names_and_records_them(
    client, inspector, visit, unit_a
):
    people = post_people(1000, unit=unit_a)
    beyond = people[900]
    client.force_login(inspector)
    url = reverse("inspections:record_new", args=[visit.pk])

    everyone = client.get(url)
    found = client.get(url, {"q": beyond.code.lower()})
    token = found.context["form"].initial["token"]
    client.post(url, {
        "staff": beyond.pk, "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "type": "no_badge", "description": "Không đeo thẻ.", "signature": "refused",
        "token": token,
    })  # fmt: skip

    assert beyond.pk not in offered(everyone)
    assert offered(found) == [beyond.pk]
    assert found.context["form"].initial["staff"] == beyond.pk
    assert ViolationRecord.objects.get().staff == beyond


def test_it_keeps_the_chosen_person_of_a_large_unit_on_a_refused_form(
    client, inspector, visit, unit_a
):
    people = post_people(1000, unit=unit_a)
    beyond = people[900]
    client.force_login(inspector)
    later = (timezone.localtime() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(reverse("inspections:record_new", args=[visit.pk]), {
        "staff": beyond.pk, "occurred_at": later, "type": "no_badge",
        "description": "Không đeo thẻ.", "signature": "refused", "token": "tok-1",
    })  # fmt: skip

    assert "Thời điểm vi phạm không thể ở tương lai." in html_of(response)
    assert offered(response) == [beyond.pk] + [person.pk for person in people[:PEOPLE_SHOWN]]
    assert f'<option value="{beyond.pk}" selected>' in html_of(response)
    assert ViolationRecord.objects.count() == 0


@pytest.mark.postgresql
def test_it_reads_a_units_first_people_in_name_order_from_its_postings_and_stops(
    unit_a, unit_b, around
):
    post_people(300, unit=unit_a)
    post_people(600, unit=unit_b, prefix="A")  # named so that they come first by name
    first = staff_posted_to(unit=unit_a, day=timezone.localdate()).only("code", "full_name")
    sql, params = first[: PEOPLE_SHOWN + 1].query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE personnel_staff, personnel_posting")
        # A few hundred rows: the planner would rightly read whole tables, hash and sort them;
        # without those, what is left is what the indexes allow (a sort only if none gives the
        # page's order).
        for method in ("seqscan", "bitmapscan", "hashjoin", "mergejoin", "sort"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def steps(node):
        yield node
        for child in node.get("Plans", []):
            yield from steps(child)

    walked = [
        step for step in steps(plan[0]["Plan"])
        if step.get("Index Name") == "posting_unit_name_dates"
    ]  # fmt: skip
    # The page stops the walk of the unit's postings in name order: its rows and a few the
    # dates leave out, not the unit's 300 (nor the whole staff's name index, nor a sort of
    # the unit's people).
    assert plan[0]["Plan"]["Node Type"] == "Limit", plan
    assert len(walked) == 1 and walked[0]["Actual Rows"] == PEOPLE_SHOWN + 1, plan
    assert not [step for step in steps(plan[0]["Plan"]) if "Sort" in step["Node Type"]], plan
    assert "staff_name_code" not in json.dumps(plan), plan
    assert [person.code for person in first[:3]] == ["N00000", "N00001", "N00002"]


def test_it_counts_the_people_posted_to_a_unit_once_each(unit_a, around):
    people = post_people(12, unit=unit_a)
    # A second posting to the same unit on the same day: the person is still one.
    Posting.objects.create(staff=people[0], unit=unit_a, starts_on=datetime.date(2000, 1, 1))
    day = timezone.localdate()

    assert staff_count_posted_to(unit=unit_a, day=day) == 12
    assert (
        staff_count_posted_to(unit=unit_a, day=day) == staff_posted_to(unit=unit_a, day=day).count()
    )


# The order kept by the database: whoever writes a name, a code or a posting, the unit's
# people are listed by their names as they are now.


def roll_call_order(client, visit):
    return listed_on_roll_call(client.get(reverse("inspections:roll_call", args=[visit.pk])))


def pks(*people):
    return [person.pk for person in people]


@pytest.fixture
def five(unit_a, around):
    """Five people of the unit, Người N00000 to N00004 in that order."""
    return post_people(5, unit=unit_a)


def test_it_lists_a_renamed_person_under_their_new_name(client, inspector, visit, five):
    first, second, third, fourth, fifth = five
    client.force_login(inspector)
    assert roll_call_order(client, visit) == pks(*five)

    second.full_name = "Người N00003 Hoa"  # the form's way: one person saved
    second.save()

    assert roll_call_order(client, visit) == pks(first, third, fourth, second, fifth)
    choice = client.get(reverse("inspections:record_new", args=[visit.pk]))
    assert offered(choice) == pks(first, third, fourth, second, fifth)
    assert f"Người N00003 Hoa ({second.code})" in html_of(choice)


def test_it_orders_namesakes_by_their_new_codes(client, inspector, visit, unit_a, around):
    older, younger = post_people(2, unit=unit_a, prefix="T")
    Staff.objects.filter(pk__in=pks(older, younger)).update(full_name="Trần Văn An")
    client.force_login(inspector)
    assert roll_call_order(client, visit) == pks(older, younger)

    Staff.objects.filter(pk=older.pk).update(code="T99999")  # a bulk update, no save()

    assert roll_call_order(client, visit) == pks(younger, older)


def test_it_lists_a_new_posting_and_a_transfer_in_name_order(
    client, inspector, visit, unit_a, unit_b, five
):
    first, second, third, fourth, fifth = five
    newcomer = Staff.objects.create(
        code="S-NEW", full_name="Người N00001 Mai", category="vien_chuc"
    )
    Posting.objects.create(staff=newcomer, unit=unit_a)
    moved = Staff.objects.create(code="S-MOV", full_name="Người N00003 Lan", category="cong_chuc")
    Posting.objects.create(staff=moved, unit=unit_b)
    client.force_login(inspector)

    staff_transfer(staff=moved, unit=unit_a, on=timezone.localdate())

    assert roll_call_order(client, visit) == pks(
        first, second, newcomer, third, fourth, moved, fifth
    )


def test_it_keeps_the_new_name_when_a_posting_read_before_a_rename_is_saved(
    client, inspector, visit, five
):
    first, second, third, fourth, fifth = five
    posting = Posting.objects.get(staff=second)  # read with the old name
    Staff.objects.filter(pk=second.pk).update(full_name="Người N00009")

    posting.ends_on = timezone.localdate() + datetime.timedelta(days=30)
    posting.save()  # writes every column back, the copy of the old name too

    client.force_login(inspector)
    assert roll_call_order(client, visit) == pks(first, third, fourth, fifth, second)


def test_it_lists_people_in_name_order_after_a_bulk_import(
    client, inspector, visit, unit_a, unit_b, five, tmp_path
):
    first, second, third, fourth, fifth = five
    moved = post_people(1, unit=unit_b, prefix="M")[0]
    # More rows than an INSERT takes: on PostgreSQL the import writes them with COPY.
    newcomers = [(f"S-{index:03d}", f"Người N00002 {index:03d}") for index in range(60)]
    lines = [
        "staff_code,full_name,agency_code,category",
        f"{fourth.code},Người N00000 Anh,{unit_a.code},cong_chuc",  # renamed
        f"{moved.code},Người N00004 Bảo,{unit_a.code},cong_chuc",  # renamed and moved here
        *(f"{code},{name},{unit_a.code},vien_chuc" for code, name in newcomers),
    ]
    path = tmp_path / "staff.csv"
    path.write_text("\n".join(lines) + "\n")

    staff_import(path=path, today=timezone.localdate())

    new_people = Staff.objects.filter(code__startswith="S-").order_by("code")
    expected = [first, fourth, second, third, *new_people, fifth, moved]
    client.force_login(inspector)
    assert roll_call_order(client, visit) == pks(*expected)
