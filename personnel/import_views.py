"""Imports from the web: upload, preview (nothing written), confirm.

The uploaded file is kept in the media storage (imports/) with a random name that only the
uploader's session knows, so the confirmation checks and imports the very file previewed.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from personnel.imports import (
    AGENCY_COLUMNS,
    STAFF_COLUMNS,
    Action,
    ImportResult,
    agencies_import,
    staff_import,
)
from personnel.models import Role
from portal.access import role_required
from portal.tabular import SUFFIXES, Column, template_workbook
from portal.uploads import (
    MULTIPART_SLACK,
    UploadSizeLimit,
    discard_upload,
    local_upload,
    store_upload,
    upload_exists,
)

FILE_TOO_LARGE = _("The file is larger than %(limit)s: split it, or ask for a higher limit.")
NO_PENDING_IMPORT = _("There is no file waiting to be imported: upload it again.")
SESSION_KEY = "personnel_import"
ROWS_SHOWN = 200


@dataclass(frozen=True)
class ImportKind:
    label: Promise
    columns: tuple[Column, ...]
    service: Callable[..., ImportResult]
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
        help_text=_("CSV (UTF-8) or Excel (.xlsx), first row the column headers."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )


def _pending(request) -> dict | None:
    pending = request.session.get(SESSION_KEY)
    if not pending or pending.get("kind") not in KINDS:
        return None
    return pending if upload_exists(pending["file"]) else None


def _forget_pending(request) -> None:
    if pending := request.session.pop(SESSION_KEY, None):
        discard_upload(pending["file"])


def _store_upload(request, *, kind: str, upload) -> None:
    _forget_pending(request)
    request.session[SESSION_KEY] = {"kind": kind, "file": store_upload(upload), "name": upload.name}


def _too_large_page(request):
    refusal = FILE_TOO_LARGE % {"limit": filesizeformat(settings.IMPORT_MAX_BYTES)}
    return _start_page(request, UploadForm(), refusal=refusal, status=413)


def _start_page(request, form, *, refusal: str | None = None, status: int = 200):
    context = {
        "form": form,
        "refusal": refusal,
        "kinds": KINDS,
        "pending": _pending(request),
    }
    return render(request, "personnel/import_start.html", context, status=status)


@role_required(Role.REVIEWER)
@csrf_exempt  # checked below, once the upload size is known to be acceptable
def start(request):
    if request.method != "POST":
        return _start_page(request, UploadForm())
    limit = settings.IMPORT_MAX_BYTES
    # Refused on the announced size, before a byte of the body is read.
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit + MULTIPART_SLACK:
        return _too_large_page(request)
    size_limit = UploadSizeLimit(request, limit + MULTIPART_SLACK)
    request.upload_handlers.insert(0, size_limit)
    return _receive_upload(request, size_limit)


@csrf_protect
def _receive_upload(request, size_limit: UploadSizeLimit):
    form = UploadForm(request.POST, request.FILES)
    if size_limit.exceeded or (
        "file" in request.FILES and request.FILES["file"].size > settings.IMPORT_MAX_BYTES
    ):
        return _too_large_page(request)
    if not form.is_valid():
        return _start_page(request, form, status=400)
    _store_upload(request, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"])
    return redirect("personnel:import_preview")


def _result_page(request, pending: dict, result: ImportResult, *, status: int = 200):
    plans = {action: [] for action in (Action.CREATED, Action.UPDATED)}
    for plan in result.plans:
        if plan.action in plans and len(plans[plan.action]) < ROWS_SHOWN:
            plans[plan.action].append(plan)
    context = {
        "pending": pending,
        "kind": KINDS[pending["kind"]],
        "result": result,
        "created": plans[Action.CREATED],
        "updated": plans[Action.UPDATED],
        "problems": result.problems[:ROWS_SHOWN],
        "rows_shown": ROWS_SHOWN,
    }
    return render(request, "personnel/import_preview.html", context, status=status)


@require_GET
@role_required(Role.REVIEWER)
def preview(request):
    pending = _pending(request)
    if pending is None:
        messages.warning(request, NO_PENDING_IMPORT)
        return redirect("personnel:import")
    with local_upload(pending["file"]) as path:
        result = KINDS[pending["kind"]].service(path=path, dry_run=True)
    return _result_page(request, pending, result)


@require_POST
@role_required(Role.REVIEWER)
def confirm(request):
    pending = _pending(request)
    if pending is None or request.POST.get("file") != pending["file"]:
        messages.warning(request, NO_PENDING_IMPORT)
        return redirect("personnel:import")
    with local_upload(pending["file"]) as path:
        result = KINDS[pending["kind"]].service(path=path)
    if not result.written:
        return _result_page(request, pending, result, status=400)
    _forget_pending(request)
    messages.success(
        request,
        gettext("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect("personnel:import")


@require_POST
@role_required(Role.REVIEWER)
def cancel(request):
    _forget_pending(request)
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
