"""Units and staff imported from the web, on the flow of core.import_flow: upload, preview
(nothing written), confirm."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from core.access import role_required
from core.import_flow import (
    PendingImport,
    confirm_pending,
    preview_page,
    preview_pending,
    receive_upload,
    too_large_text,
)
from core.imports import ImportSummary
from core.tabular import SUFFIXES, Column, template_workbook
from core.uploads import (
    local_upload,
)
from personnel.imports import AGENCY_COLUMNS, STAFF_COLUMNS, agencies_import, staff_import
from personnel.models import Role

SESSION_KEY = "personnel_import"
PENDING = PendingImport(SESSION_KEY)


@dataclass(frozen=True)
class ImportKind:
    label: Promise
    columns: tuple[Column, ...]
    service: Callable[..., ImportSummary]
    template_name: str


KINDS = {
    "agencies": ImportKind(_("Units"), AGENCY_COLUMNS, agencies_import, "mau-don-vi.xlsx"),
    "staff": ImportKind(_("Staff"), STAFF_COLUMNS, staff_import, "mau-can-bo.xlsx"),
}


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[(key, kind.label) for key, kind in KINDS.items()],
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8), Excel (.xlsx, .xls) or OpenDocument (.ods), first row the column headers."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )


def _pending(request) -> dict | None:
    pending = PENDING.get(request)
    return pending if pending and pending.get("kind") in KINDS else None


def _too_large_page(request):
    return _start_page(request, UploadForm(), refusal=too_large_text(), status=413)


def _start_page(request, form, *, refusal: str | None = None, status: int = 200):
    context = {
        "form": form,
        "refusal": refusal,
        "kinds": KINDS,
        "pending": _pending(request),
    }
    return render(request, "personnel/import_start.html", context, status=status)


@role_required(Role.REVIEWER)
@csrf_exempt  # receive_upload checks it, once the size is known to be acceptable
def start(request):
    if request.method != "POST":
        return _start_page(request, UploadForm())
    return receive_upload(request, accept=_accept_upload, too_large=_too_large_page)


def _accept_upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _start_page(request, form, status=400)
    PENDING.keep(request, form.cleaned_data["file"], run=_run, kind=form.cleaned_data["kind"])
    return redirect("personnel:import_preview")


def _result_page(request, pending: dict, shown: dict, *, status: int = 200):
    labels = {
        "what": KINDS[pending["kind"]].label,
        "created": _("Rows to create"),
        "updated": _("Rows to change"),
        "code": _("Code"),
        "name": _("Name"),
    }
    urls = {
        "confirm_url": reverse("personnel:import_confirm"),
        "again_url": reverse("personnel:import"),
        "cancel_url": reverse("personnel:import_cancel"),
    }
    return preview_page(request, pending, shown, labels=labels, urls=urls, status=status)


def _run(pending: dict, *, dry_run: bool) -> ImportSummary:
    with local_upload(pending["file"]) as path:
        return KINDS[pending["kind"]].service(path=path, dry_run=dry_run)


def _back():
    return redirect("personnel:import")


@require_GET
@role_required(Role.REVIEWER)
def preview(request):
    return preview_pending(
        request, pending=_pending(request), result_page=_result_page, start=_back
    )


@require_POST
@role_required(Role.REVIEWER)
def confirm(request):
    return confirm_pending(
        request,
        pending=_pending(request),
        pending_import=PENDING,
        run=_run,
        result_page=_result_page,
        start=_back,
        done=_back,
    )


@require_POST
@role_required(Role.REVIEWER)
def cancel(request):
    PENDING.forget(request)
    return redirect("personnel:import")


@require_GET
@role_required(Role.REVIEWER)
def template(request, kind: str):
    if kind not in KINDS:
        raise Http404
    response = HttpResponse(
        template_workbook(KINDS[kind].columns),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{KINDS[kind].template_name}"'
    return response
