"""The Interior Affairs dashboard: the year's figures beside the previous year's, charts,
tables, exports, a printable view and the first draft of the report's text."""

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.access import role_required
from core.charts import bar_chart, column_chart
from core.sheets import csv_download
from personnel.models import Role
from portal.reports.figures import MAX_YEAR, MIN_YEAR, discipline_report
from portal.reports.tables import TABLES, month_label, report_tables, table_csv, table_xlsx
from portal.reports.text import draft_text

READERS = (Role.REVIEWER, Role.COUNCIL)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class YearForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"),
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        error_messages={"invalid": _("Enter a year such as 2019.")},
    )


def _year(request) -> tuple[YearForm, int]:
    """The chosen year, or this year when none (or a bad one) is given."""
    this_year = timezone.localdate().year
    if "year" not in request.GET:
        return YearForm(initial={"year": this_year}), this_year
    form = YearForm(request.GET)
    return form, form.cleaned_data["year"] if form.is_valid() else this_year


def _context(year: int) -> dict:
    report = discipline_report(year=year)
    tables = report_tables(report)
    this = report.current
    type_rows = tables["types"].rows
    return {
        "year": year,
        "report": report,
        "tables": tables,
        "charts": {
            "months": column_chart(
                [(str(month), count) for month, count in enumerate(this.records_by_month, 1)]
            ),
            "types": bar_chart([(row[0], row[1]) for row in type_rows]),
            "inspections": bar_chart([(row.name, row.count) for row in this.inspections_per_unit]),
        },
        "month_labels": [month_label(month) for month in range(1, 13)],
        "draft": draft_text(this),
    }


@role_required(*READERS)
def dashboard(request):
    form, year = _year(request)
    return render(
        request, "reports/dashboard.html", {"form": form, **_context(year), "printable": False}
    )


@role_required(*READERS)
def dashboard_print(request, year: int):
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404
    return render(request, "reports/dashboard.html", {**_context(year), "printable": True})


@role_required(*READERS)
def export(request, year: int, table: str, fmt: str):
    if not MIN_YEAR <= year <= MAX_YEAR or table not in TABLES or fmt not in ("csv", "xlsx"):
        raise Http404
    chosen = report_tables(discipline_report(year=year))[table]
    filename = f"bao-cao-{year}-{table}.{fmt}"
    if fmt == "csv":
        return csv_download(table_csv(chosen), filename=filename)
    response = HttpResponse(table_xlsx(chosen, year=year), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
