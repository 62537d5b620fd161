"""Reviewers' pages of discipline decisions: the list, a decision with its history, the form
that records or changes one, and the import of a discipline file on the flow of
core.import_flow (upload, preview with nothing written, confirm)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from core.access import role_required
from core.errors import DomainError
from core.import_flow import (
    PendingImport,
    confirm_pending,
    preview_page,
    preview_pending,
    receive_upload,
    too_large_text,
)
from core.imports import ImportSummary
from core.personal_data import personal_data_access_log
from core.tabular import template_workbook
from core.uploads import local_upload
from inspections import discipline_selectors, discipline_services
from inspections.discipline_forms import DecisionFilterForm, DecisionForm, UploadForm
from inspections.discipline_imports import DISCIPLINE_COLUMNS, discipline_import
from inspections.models import DisciplineDecision
from personnel.models import Role

PAGE_SIZE = 50
SESSION_KEY = "discipline_import"
PENDING = PendingImport(SESSION_KEY)
TEMPLATE_FILE_NAME = "mau-quyet-dinh-ky-luat.xlsx"
# What the form shows and sends of a stored decision.
FORM_FIELDS = ("number", "staff", "form", "status", "decided_on", "effective_until", "signer")


def _get_decision_for_user(request, pk) -> DisciplineDecision:
    """The decision; every reviewer and administrator (whom the role gate lets in) sees all."""
    return get_object_or_404(DisciplineDecision.objects.select_related("staff"), pk=pk)


@role_required(Role.REVIEWER)
def discipline_list(request):
    form = DecisionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    decisions = discipline_selectors.decision_list(
        status=filters.get("status", ""), query=filters.get("q", "")
    )
    page = Paginator(decisions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inspections/discipline_list.html", {"form": form, "page": page})


@role_required(Role.REVIEWER)
def discipline_detail(request, pk):
    decision = _get_decision_for_user(request, pk)
    personal_data_access_log(request=request, staff_id=decision.staff_id)
    context = {
        "decision": decision,
        "records": discipline_selectors.decision_records(decision),
        "history": discipline_selectors.decision_history(decision),
    }
    return render(request, "inspections/discipline_detail.html", context)


@role_required(Role.REVIEWER)
def discipline_new(request):
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = discipline_services.discipline_record(
                **form.cleaned_data, records=None, actor=request.user, only_new=True
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect("inspections:discipline_detail", pk=decision.pk)
    return render(request, "inspections/discipline_form.html", {"form": form})


@role_required(Role.REVIEWER)
def discipline_edit(request, pk):
    decision = _get_decision_for_user(request, pk)
    initial = {name: getattr(decision, name) for name in FORM_FIELDS}
    initial["records"] = list(decision.records.all())
    form = DecisionForm(
        request.POST or None,
        initial=initial,
        records=discipline_selectors.records_to_cite(decision.staff),
    )
    if request.method == "POST" and form.is_valid():
        try:
            discipline_services.discipline_record(**form.cleaned_data, actor=request.user)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The decision is saved."))
            return redirect("inspections:discipline_detail", pk=pk)
    return render(request, "inspections/discipline_form.html", {"form": form, "decision": decision})


# The import of a discipline file


def _too_large_page(request):
    return _start_page(request, UploadForm(), refusal=too_large_text(), status=413)


def _start_page(request, form, *, refusal: str | None = None, status: int = 200):
    context = {
        "form": form,
        "refusal": refusal,
        "columns": DISCIPLINE_COLUMNS,
        "pending": PENDING.get(request),
    }
    return render(request, "inspections/discipline_import.html", context, status=status)


@role_required(Role.REVIEWER)
@csrf_exempt  # receive_upload checks it, once the size is known to be acceptable
def discipline_import_start(request):
    if request.method != "POST":
        return _start_page(request, UploadForm())
    return receive_upload(request, accept=_accept_upload, too_large=_too_large_page)


def _accept_upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _start_page(request, form, status=400)
    PENDING.keep(request, form.cleaned_data["file"], run=_run)
    return redirect("inspections:discipline_preview")


def _result_page(request, pending: dict, shown: dict, *, status: int = 200):
    labels = {
        "what": _("Discipline decisions"),
        "created": _("Decisions to record"),
        "updated": _("Decisions to change"),
        "code": _("Decision number"),
        "name": _("Staff member"),
    }
    urls = {
        "confirm_url": reverse("inspections:discipline_confirm"),
        "again_url": reverse("inspections:discipline_import"),
        "cancel_url": reverse("inspections:discipline_cancel"),
    }
    return preview_page(request, pending, shown, labels=labels, urls=urls, status=status)


def _run(pending: dict, *, dry_run: bool) -> ImportSummary:
    with local_upload(pending["file"]) as path:
        return discipline_import(path=path, dry_run=dry_run)


@require_GET
@role_required(Role.REVIEWER)
def discipline_import_preview(request):
    return preview_pending(
        request,
        pending=PENDING.get(request),
        result_page=_result_page,
        start=lambda: redirect("inspections:discipline_import"),
    )


@require_POST
@role_required(Role.REVIEWER)
def discipline_import_confirm(request):
    return confirm_pending(
        request,
        pending=PENDING.get(request),
        pending_import=PENDING,
        run=_run,
        result_page=_result_page,
        start=lambda: redirect("inspections:discipline_import"),
        done=lambda: redirect("inspections:discipline_list"),
    )


@require_POST
@role_required(Role.REVIEWER)
def discipline_import_cancel(request):
    PENDING.forget(request)
    return redirect("inspections:discipline_import")


@require_GET
@role_required(Role.REVIEWER)
def discipline_import_template(request):
    response = HttpResponse(
        template_workbook(DISCIPLINE_COLUMNS),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_FILE_NAME}"'
    return response
