"""Which unit was a person in on a given day: postings, transfers and merged units."""

import datetime

import pytest

from core.errors import DomainError
from personnel.models import Posting, Staff, StaffCategory, Unit, UnitKind
from personnel.selectors import posting_on, staff_posted_to, unit_on
from personnel.services import (
    TRANSFER_BEFORE_CURRENT_POSTING,
    TRANSFER_TO_SAME_UNIT,
    staff_transfer,
)

DAY = datetime.date


@pytest.fixture
def hung(unit_a):
    staff = Staff.objects.create(
        code="S001", full_name="Nguyễn Văn Hùng", category=StaffCategory.CONG_CHUC
    )
    Posting.objects.create(staff=staff, unit=unit_a, starts_on=None)
    return staff


def test_it_finds_the_unit_before_and_after_a_transfer(hung, unit_a, unit_b):
    staff_transfer(staff=hung, unit=unit_b, on=DAY(2019, 7, 1))

    assert unit_on(staff=hung, day=DAY(2010, 1, 1)) == unit_a
    assert unit_on(staff=hung, day=DAY(2019, 6, 30)) == unit_a
    assert unit_on(staff=hung, day=DAY(2019, 7, 1)) == unit_b
    assert list(hung.postings.values_list("unit__code", "starts_on", "ends_on")) == [
        ("P-A", None, DAY(2019, 6, 30)),
        ("X-B", DAY(2019, 7, 1), None),
    ]


def test_it_answers_the_unit_on_a_day_in_one_query(hung, unit_b, django_assert_num_queries):
    staff_transfer(staff=hung, unit=unit_b, on=DAY(2019, 7, 1))

    with django_assert_num_queries(1):
        assert unit_on(staff=hung, day=DAY(2020, 1, 1)).code == "X-B"


def test_it_falls_back_to_the_earliest_unit_only_when_asked(unit_a, unit_b):
    staff = Staff.objects.create(code="S002", full_name="Lê Thị Hoa", category="vien_chuc")
    Posting.objects.create(
        staff=staff, unit=unit_a, starts_on=DAY(2018, 1, 1), ends_on=DAY(2018, 12, 31)
    )
    Posting.objects.create(staff=staff, unit=unit_b, starts_on=DAY(2019, 1, 1))

    assert unit_on(staff=staff, day=DAY(2017, 5, 1)) is None
    assert unit_on(staff=staff, day=DAY(2017, 5, 1), fallback_to_earliest=True) == unit_a
    assert posting_on(staff=staff, day=DAY(2019, 5, 1), fallback_to_earliest=True).unit == unit_b


def test_it_lists_who_was_posted_to_a_unit_that_day(hung, unit_a, unit_b):
    staff_transfer(staff=hung, unit=unit_b, on=DAY(2019, 7, 1))

    assert list(staff_posted_to(unit=unit_a, day=DAY(2019, 6, 30))) == [hung]
    assert list(staff_posted_to(unit=unit_a, day=DAY(2019, 7, 1))) == []
    assert list(staff_posted_to(unit=unit_b, day=DAY(2019, 7, 1))) == [hung]


@pytest.mark.parametrize(
    ("unit_code", "on", "message"),
    [("P-A", DAY(2020, 1, 1), TRANSFER_TO_SAME_UNIT)],
)
def test_it_refuses_a_transfer_to_the_same_unit(hung, unit_code, on, message):
    with pytest.raises(DomainError) as error:
        staff_transfer(staff=hung, unit=Unit.objects.get(code=unit_code), on=on)

    assert str(error.value.args[0]) == str(message)
    assert hung.postings.count() == 1


def test_it_refuses_a_transfer_dated_before_the_current_posting(hung, unit_b, unit_a):
    staff_transfer(staff=hung, unit=unit_b, on=DAY(2019, 7, 1))

    with pytest.raises(DomainError) as error:
        staff_transfer(staff=hung, unit=unit_a, on=DAY(2019, 7, 1))

    assert error.value.args[0] == TRANSFER_BEFORE_CURRENT_POSTING
    assert hung.postings.count() == 2


def test_it_keeps_a_merged_unit_for_old_records(unit_a):
    merged = Unit.objects.create(
        code="P-MOI", name="Phường Lương Văn Tri", kind=UnitKind.WARD, valid_from=DAY(2025, 7, 1)
    )
    unit_a.valid_to = DAY(2025, 6, 30)
    unit_a.successor = merged
    unit_a.save()

    assert unit_a.exists_on(DAY(2025, 6, 30))
    assert not unit_a.exists_on(DAY(2025, 7, 1))
    assert list(merged.predecessors.all()) == [unit_a]
