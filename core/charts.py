"""Charts drawn on the server as SVG: no script, nothing to download, allowed by the CSP,
printable. Each chart is decorative for screen readers (aria-hidden); the page shows the same
numbers in a table beside it."""

from django.utils.html import format_html, format_html_join

BAR_HEIGHT = 22
BAR_GAP = 10
LABEL_HEIGHT = 18
WIDTH = 600


def bar_chart(items: list[tuple[str, int]], *, css_class: str = "chart") -> str:
    """Horizontal bars, each with its label above it: readable at 360 px.

    The viewBox scales the drawing to the width of its container.
    """
    largest = max((value for _label, value in items), default=0) or 1
    row_height = LABEL_HEIGHT + BAR_HEIGHT + BAR_GAP
    rows = []
    for index, (label, value) in enumerate(items):
        top = index * row_height
        length = round((WIDTH - 60) * value / largest)
        rows.append(
            (
                top + LABEL_HEIGHT - 4,
                label,
                top + LABEL_HEIGHT,
                max(length, 1 if value else 0),
                BAR_HEIGHT,
                length + 6,
                top + LABEL_HEIGHT + BAR_HEIGHT - 6,
                value,
            )
        )
    body = format_html_join(
        "",
        '<text x="0" y="{}" class="chart__label">{}</text>'
        '<rect x="0" y="{}" width="{}" height="{}" class="chart__bar"></rect>'
        '<text x="{}" y="{}" class="chart__value">{}</text>',
        rows,
    )
    height = max(len(items) * row_height, row_height)
    return format_html(
        '<svg class="{}" viewBox="0 0 {} {}" role="img" aria-hidden="true" '
        'preserveAspectRatio="xMinYMin meet">{}</svg>',
        css_class,
        WIDTH,
        height,
        body,
    )


def column_chart(items: list[tuple[str, int]], *, css_class: str = "chart") -> str:
    """Vertical columns with short labels under them (months of a year)."""
    largest = max((value for _label, value in items), default=0) or 1
    count = max(len(items), 1)
    slot = WIDTH / count
    plot_height = 160
    columns = []
    for index, (label, value) in enumerate(items):
        height = round(plot_height * value / largest)
        left = round(index * slot + slot * 0.15, 1)
        middle = round(index * slot + slot / 2, 1)
        columns.append(
            (
                left,
                20 + plot_height - height,
                round(slot * 0.7, 1),
                height,
                middle,
                20 + plot_height - height - 4,
                value,
                middle,
                20 + plot_height + 18,
                label,
            )
        )
    body = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" class="chart__bar"></rect>'
        '<text x="{}" y="{}" class="chart__value" text-anchor="middle">{}</text>'
        '<text x="{}" y="{}" class="chart__label" text-anchor="middle">{}</text>',
        columns,
    )
    return format_html(
        '<svg class="{}" viewBox="0 0 {} {}" role="img" aria-hidden="true" '
        'preserveAspectRatio="xMinYMin meet">{}</svg>',
        css_class,
        WIDTH,
        20 + plot_height + 26,
        body,
    )
