"""Server-drawn SVG charts: proportional, escaped, script-free."""

import re

from core.charts import bar_chart, column_chart


def bar_widths(svg: str) -> list[int]:
    return [int(width) for width in re.findall(r'<rect x="0" y="\d+" width="(\d+)"', svg)]


def test_it_draws_bars_in_proportion_to_the_values():
    svg = bar_chart([("Không đeo thẻ", 7), ("Đi muộn, về sớm", 14), ("Khác", 0)])

    widths = bar_widths(svg)
    assert widths[1] == 2 * widths[0]
    assert widths[2] == 0
    assert ">Không đeo thẻ</text>" in svg
    assert ">14</text>" in svg


def test_it_escapes_labels_and_carries_no_script_or_style():
    svg = bar_chart([('<script>alert("x")</script>', 1)])

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "style=" not in svg
    assert 'aria-hidden="true"' in svg


def test_it_draws_one_column_per_month_with_empty_months_flat():
    months = [(f"T{month}", value) for month, value in enumerate([0, 3, 0, 6] + [0] * 8, start=1)]

    svg = column_chart(months)

    heights = [int(height) for height in re.findall(r'height="(\d+)" class="chart__bar"', svg)]
    assert len(heights) == 12
    assert heights[3] == 2 * heights[1]
    assert heights[0] == 0


def test_it_draws_an_empty_chart_without_dividing_by_zero():
    assert bar_widths(bar_chart([("A", 0), ("B", 0)])) == [0, 0]
    assert "<svg" in column_chart([])
