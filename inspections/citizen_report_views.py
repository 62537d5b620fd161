"""Citizen reports: the public form and tracking page, and the reviewer's verification."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.access import role_required
from core.errors import DomainError
from core.network import client_ip
from core.personal_data import personal_data_access_log
from inspections.citizen_report_forms import (
    CitizenReportForm,
    ReportCloseForm,
    ReportConfirmForm,
    ReportFilterForm,
    TrackingLookupForm,
)
from inspections.citizen_report_selectors import (
    normalise_tracking_code,
    report_list,
    staff_for_hint,
)
from inspections.citizen_report_services import (
    DESCRIPTION_REQUIRED,
    OCCURRED_IN_FUTURE,
    TOO_MANY_REPORTS,
    UNIT_NOT_CURRENT,
    new_tracking_code,
    report_close,
    report_confirm,
    report_start_verification,
    report_submit,
    report_track,
)
from inspections.models import CitizenReport, ReportStatus
from personnel.models import Role

SENT_CODE_SESSION_KEY = "citizen_report_sent_code"
REPORTS_PER_PAGE = 50

FIELD_OF_ERROR = {
    OCCURRED_IN_FUTURE: "occurred_at",
    DESCRIPTION_REQUIRED: "description",
    UNIT_NOT_CURRENT: "unit",
}


def report_submit_view(request):
    form = CitizenReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_trap_filled():
            # A bot: answer as if it worked, keep nothing.
            request.session[SENT_CODE_SESSION_KEY] = new_tracking_code()
            return redirect("citizen_reports:sent")
        if form.is_valid():
            try:
                report = report_submit(
                    unit=form.cleaned_data["unit"],
                    staff_hint=form.cleaned_data["staff_hint"],
                    occurred_at=form.cleaned_data["occurred_at"],
                    description=form.cleaned_data["description"],
                    contact_name=form.cleaned_data["contact_name"],
                    contact_phone=form.cleaned_data["contact_phone"],
                    contact_email=form.cleaned_data["contact_email"],
                    sender_address=client_ip(request) or "",
                )
            except DomainError as error:
                message = str(error)
                form.add_error(FIELD_OF_ERROR.get(message), message)
                if message == TOO_MANY_REPORTS:
                    status = 429
            else:
                request.session[SENT_CODE_SESSION_KEY] = report.tracking_code
                return redirect("citizen_reports:sent")
    return render(request, "inspections/citizen_report_form.html", {"form": form}, status=status)


# The tracking code is as good as a password to the report's status: keep it out of caches.
@never_cache
def report_sent_view(request):
    code = request.session.pop(SENT_CODE_SESSION_KEY, None)
    if code is None:
        return redirect("citizen_reports:submit")
    return render(request, "inspections/citizen_report_sent.html", {"code": code})


def _lookup_page(request, form: TrackingLookupForm, *, status: int = 200):
    return render(request, "inspections/citizen_report_lookup.html", {"form": form}, status=status)


def report_lookup_view(request):
    form = TrackingLookupForm(request.GET or None)
    if form.is_valid():
        code = normalise_tracking_code(form.cleaned_data["code"])
        try:
            report = report_track(code=code, sender_address=client_ip(request) or "")
        except DomainError as error:
            form.add_error("code", str(error))
            return _lookup_page(request, form, status=429)
        if report is not None:
            return redirect("citizen_reports:track", code=code)
        form.add_error("code", _("No report has this tracking code. Check it and try again."))
    return _lookup_page(request, form)


@never_cache
def report_track_view(request, code):
    try:
        report = report_track(code=code, sender_address=client_ip(request) or "")
    except DomainError as error:
        form = TrackingLookupForm({"code": code})
        form.add_error("code", str(error))
        return _lookup_page(request, form, status=429)
    if report is None:
        raise Http404
    # Only what the sender needs to follow it: nothing personal, no description.
    return render(request, "inspections/citizen_report_track.html", {"report": report})


def _get_report_for_reviewer(request, pk: int) -> CitizenReport:
    """The one way into a report for the reviewer's pages; the role is checked by the gate."""
    return get_object_or_404(CitizenReport.objects.select_related("unit", "record"), pk=pk)


@role_required(Role.REVIEWER)
def report_list_view(request):
    filters = ReportFilterForm(request.GET or None)
    status, unit = None, None
    if filters.is_valid():
        status = filters.cleaned_data["status"] or None
        unit = filters.cleaned_data["unit"]
    page = Paginator(report_list(status=status, unit=unit), REPORTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inspections/citizen_report_list.html",
        {"filters": filters, "page": page, "query": query.urlencode()},
    )


@role_required(Role.REVIEWER)
def report_detail_view(request, pk):
    report = _get_report_for_reviewer(request, pk)
    # The sender's contact is personal data (Decree 13/2023/NĐ-CP): who read it is logged.
    personal_data_access_log(request=request, staff_id=report.staff_id, citizen_report_id=report.pk)
    context = {"report": report}
    if report.status == ReportStatus.VERIFYING:
        named = staff_for_hint(hint=report.staff_hint)
        context["close_form"] = ReportCloseForm()
        context["confirm_form"] = ReportConfirmForm(
            report=report, initial={"staff": named.pk if named else None}
        )
    return render(request, "inspections/citizen_report_detail.html", context)


def _detail(report: CitizenReport):
    return redirect(reverse("citizen_reports:detail", args=[report.pk]))


@role_required(Role.REVIEWER)
@require_POST
def report_start_verification_view(request, pk):
    report = _get_report_for_reviewer(request, pk)
    try:
        report_start_verification(report=report, reviewer=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Verification started."))
    return _detail(report)


@role_required(Role.REVIEWER)
@require_POST
def report_close_view(request, pk):
    report = _get_report_for_reviewer(request, pk)
    form = ReportCloseForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("reason", []):
            messages.error(request, error)
        return _detail(report)
    try:
        report_close(report=report, reviewer=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The report was closed as not confirmed."))
    return _detail(report)


@role_required(Role.REVIEWER)
@require_POST
def report_confirm_view(request, pk):
    report = _get_report_for_reviewer(request, pk)
    form = ReportConfirmForm(request.POST, report=report)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _detail(report)
    try:
        report_confirm(
            report=report,
            reviewer=request.user,
            staff=form.cleaned_data["staff"],
            violation_type=form.cleaned_data["violation_type"],
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "The report was confirmed; a violation record was made and sent for review "
                "by another reviewer."
            ),
        )
    return _detail(report)
