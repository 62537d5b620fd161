"""A unit's official name and its issuing body, as they stood on a day (Decree 30/2020 headers)."""

import datetime

from personnel.models import Unit, UnitKind, UnitName
from personnel.selectors import unit_names_on


def test_it_gives_the_names_in_use_on_the_day(unit_a):
    UnitName.objects.create(
        unit=unit_a,
        official_name="Ủy ban nhân dân phường Đông Kinh",
        issuing_body="ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN",
    )
    UnitName.objects.create(
        unit=unit_a,
        valid_from=datetime.date(2025, 7, 1),
        official_name="Ủy ban nhân dân phường Lương Văn Tri",
        issuing_body="ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN",
    )

    assert unit_names_on(unit_a, datetime.date(2025, 6, 30)) == (
        "Ủy ban nhân dân phường Đông Kinh",
        "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN",
    )
    assert unit_names_on(unit_a, datetime.date(2025, 7, 1)) == (
        "Ủy ban nhân dân phường Lương Văn Tri",
        "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN",
    )


def test_it_falls_back_to_the_unit_and_its_parent_in_capitals(db):
    city = Unit.objects.create(
        code="UBND-LS", name="Ủy ban nhân dân thành phố Lạng Sơn", kind="other"
    )
    ward = Unit.objects.create(code="P-CL", name="Phường Chi Lăng", kind=UnitKind.WARD, parent=city)
    # Recorded from a later day only: before it, the fallback still holds.
    UnitName.objects.create(
        unit=ward, valid_from=datetime.date(2027, 1, 1), official_name="Ủy ban nhân dân phường Mới"
    )

    assert unit_names_on(ward, datetime.date(2026, 12, 7)) == (
        "Phường Chi Lăng",
        "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN",
    )
    # A recorded name without an issuing body takes the parent's.
    assert unit_names_on(ward, datetime.date(2027, 1, 1)) == (
        "Ủy ban nhân dân phường Mới",
        "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN",
    )
    assert unit_names_on(city, datetime.date(2026, 12, 7)) == (
        "Ủy ban nhân dân thành phố Lạng Sơn",
        "",
    )
