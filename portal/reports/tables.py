"""The dashboard's tables, one definition for the page, the exports and the text report.

Labels are in the active language; exports follow the reader's interface language.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.sheets import append_row, csv_text
from inspections.models import ViolationType
from portal.reports.figures import Report

TABLES = {
    "summary": gettext_lazy("Figures of the year"),
    "months": gettext_lazy("Confirmed violation records by month"),
    "types": gettext_lazy("Confirmed violation records by type"),
    "inspections": gettext_lazy("Inspections per unit"),
    "units": gettext_lazy("Confirmed violation records by unit"),
    "clean": gettext_lazy("Units inspected without a confirmed violation"),
}


@dataclass
class Table:
    slug: str
    title: str
    headers: list[str]
    rows: list[list]

    @property
    def labelled_rows(self) -> list[list[tuple[str, object]]]:
        """Each cell with its column's header (the phone layout shows it beside the value)."""
        return [list(zip(self.headers, row, strict=True)) for row in self.rows]


def _summary(report: Report) -> Table:
    this, last = report.current, report.previous
    figures = [
        (_("Inspection rounds started"), "rounds"),
        (_("of which surprise rounds"), "surprise_rounds"),
        (_("Units inspected"), "units_inspected"),
        (_("Inspection visits"), "visits"),
        (_("Units inspected once"), "units_inspected_once"),
        (_("Units inspected twice"), "units_inspected_twice"),
        (_("Units inspected three times or more"), "units_inspected_three_or_more"),
        (_("Units inspected more than once"), "units_inspected_more_than_once"),
        (_("Most inspections of one unit"), "max_inspections_per_unit"),
        (_("Confirmed violation records"), "violation_records"),
        (_("Units inspected without a confirmed violation"), "units_without_violation_count"),
        (_("People with more than one confirmed record"), "people_with_more_than_one_record"),
        (_("Citizen reports received"), "citizen_reports_received"),
        (_("Citizen reports confirmed"), "citizen_reports_confirmed"),
        (_("Nominees"), "nominees"),
        (_("Nominees excluded"), "nominees_excluded"),
        (_("Nominees pending review"), "nominees_pending"),
        (_("Units existing in the year"), "regulation_units"),
        (_("Units that issued or amended regulations"), "regulation_units_covered"),
        (_("Units that issued or amended regulations (%)"), "regulation_percent"),
    ]
    rows = [[label, getattr(this, name), getattr(last, name)] for label, name in figures]
    return Table(
        "summary", str(TABLES["summary"]), [_("Figure"), str(this.year), str(last.year)], rows
    )


def month_label(month: int) -> str:
    # Django's month names: "January" in English, "Tháng 1" in Vietnamese.
    return str(MONTHS[month])


def report_tables(report: Report) -> dict[str, Table]:
    this, last = report.current, report.previous
    years = [str(this.year), str(last.year)]
    type_names = dict(ViolationType.choices)
    tables = [
        _summary(report),
        Table(
            "months",
            str(TABLES["months"]),
            [_("Month"), *years],
            [
                [month_label(month), current, previous]
                for month, (current, previous) in enumerate(
                    zip(this.records_by_month, last.records_by_month, strict=True), start=1
                )
            ],
        ),
        Table(
            "types",
            str(TABLES["types"]),
            [_("Type of violation"), *years],
            [
                [str(type_names[code]), count, last.violations_by_type.get(code, 0)]
                for code, count in this.violations_by_type.items()
            ],
        ),
        Table(
            "inspections",
            str(TABLES["inspections"]),
            [_("Unit code"), _("Unit"), _("Number of inspections")],
            [[row.code, row.name, row.count] for row in this.inspections_per_unit],
        ),
        Table(
            "units",
            str(TABLES["units"]),
            [_("Unit code"), _("Unit"), _("Confirmed records")],
            [[row.code, row.name, row.count] for row in this.records_by_unit],
        ),
        Table(
            "clean",
            str(TABLES["clean"]),
            [_("Unit code"), _("Unit")],
            [[row.code, row.name] for row in this.units_without_violation],
        ),
    ]
    return {table.slug: table for table in tables}


def table_csv(table: Table) -> Iterator[str]:
    return csv_text([table.headers, *table.rows], line_end="\r\n")


def table_xlsx(table: Table, *, year: int) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(year)
    append_row(sheet, [table.title])
    sheet.cell(row=1, column=1).font = Font(bold=True)
    append_row(sheet, table.headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in table.rows:
        append_row(sheet, row)
    for index, header in enumerate(table.headers, start=1):
        longest = max([len(str(header)), *(len(str(row[index - 1])) for row in table.rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(10, longest + 2), 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
