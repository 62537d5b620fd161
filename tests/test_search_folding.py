"""Folding Vietnamese names for on-site search."""

import pytest

from core.text import fold
from personnel.search import staff_search_text


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nguyễn Văn Hùng", "nguyen van hung"),
        ("ĐẶNG THỊ ĐÀO", "dang thi dao"),
        ("  Trần   Quốc  Toản ", "tran quoc toan"),
        ("Ngô Bích Hợp", "ngo bich hop"),
    ],
)
def test_it_folds_diacritics_and_d_with_stroke(text, folded):
    assert fold(text) == folded


def test_it_keeps_name_initials_and_badge_apart():
    assert staff_search_text("Nguyễn Văn Hùng", "P-CL.001234567890.CC") == (
        "nguyen van hung|nvh|p-cl.001234567890.cc"
    )
