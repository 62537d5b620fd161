"""A unit head's nomination list as a spreadsheet: upload, preview (nothing written), confirm.

The same approach as personnel/import_views.py, whose size limit and upload folder it reuses:
the file is kept in the media storage (imports/) with a random name only the uploader's session
knows, so the confirmation imports the very file previewed, for the unit it was previewed for.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from emulation.forms import PeriodUploadForm
from emulation.imports import nominations_import
from emulation.models import Period
from emulation.views import UPLOAD_SESSION_KEY, nominations_page, upload_form
from personnel.import_views import FILE_TOO_LARGE, NO_PENDING_IMPORT, ROWS_SHOWN
from personnel.imports import Action, ImportResult
from personnel.models import Role, Unit
from portal.access import role_required
from portal.uploads import (
    MULTIPART_SLACK,
    UploadSizeLimit,
    discard_upload,
    local_upload,
    store_upload,
    upload_exists,
)

SESSION_KEY = UPLOAD_SESSION_KEY


def _get_unit_for_user(request) -> Unit:
    """The unit whose list a unit head may upload: their own."""
    if request.user.unit is None:
        raise PermissionDenied
    return request.user.unit


def _is_reviewer(request) -> bool:
    """Reviewers and administrators upload any unit's list, from the period's page."""
    return request.user.has_role(Role.REVIEWER)


def _pending(request) -> dict | None:
    """The file waiting in the session, if this user may still act on it."""
    pending = request.session.get(SESSION_KEY)
    if not pending:
        return None
    if not _is_reviewer(request) and (
        pending.get("for_any_unit") or pending.get("unit") != _get_unit_for_user(request).pk
    ):
        return None
    return pending if upload_exists(pending["file"]) else None


def _back(request):
    """Where the user came from: the period's page for a reviewer's upload."""
    pending = request.session.get(SESSION_KEY) or {}
    if pending.get("for_any_unit") and _is_reviewer(request):
        return redirect("emulation:period", code=pending["period"])
    return redirect("emulation:nominations")


def _forget_pending(request) -> None:
    if pending := request.session.pop(SESSION_KEY, None):
        discard_upload(pending["file"])


def _store_upload(
    request, *, unit: Unit | None, period_code: str, upload, for_any_unit: bool = False
) -> None:
    _forget_pending(request)
    request.session[SESSION_KEY] = {
        "file": store_upload(upload),
        "name": upload.name,
        "period": period_code,
        "unit": unit.pk if unit else None,
        "for_any_unit": for_any_unit,
    }


def _refused(request, message: str, *, status: int):
    return nominations_page(request, upload_refusal=message, status=status)


@role_required(Role.UNIT_HEAD)
@csrf_exempt  # checked below, once the upload size is known to be acceptable
@require_POST
def upload(request):
    _get_unit_for_user(request)
    limit = settings.IMPORT_MAX_BYTES
    too_large = FILE_TOO_LARGE % {"limit": filesizeformat(limit)}
    # Refused on the announced size, before a byte of the body is read.
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit + MULTIPART_SLACK:
        return _refused(request, too_large, status=413)
    size_limit = UploadSizeLimit(request, limit + MULTIPART_SLACK)
    request.upload_handlers.insert(0, size_limit)
    return _receive_upload(request, size_limit, too_large)


@csrf_protect
def _receive_upload(request, size_limit: UploadSizeLimit, too_large: str):
    unit = _get_unit_for_user(request)
    form = upload_form(request.POST, request.FILES)
    if size_limit.exceeded or (
        "file" in request.FILES and request.FILES["file"].size > settings.IMPORT_MAX_BYTES
    ):
        return _refused(request, too_large, status=413)
    if not form.is_valid():
        return nominations_page(request, upload=form, status=400)
    _store_upload(
        request,
        unit=unit,
        period_code=form.cleaned_data["period"],
        upload=form.cleaned_data["file"],
    )
    return redirect("emulation:nomination_import_preview")


def _result_page(request, pending: dict, result: ImportResult, *, status: int = 200):
    shown = {action: [] for action in (Action.CREATED, Action.UPDATED, Action.UNCHANGED)}
    for plan in result.plans:
        if len(shown[plan.action]) < ROWS_SHOWN:
            shown[plan.action].append(plan)
    context = {
        "pending": pending,
        "result": result,
        "created": shown[Action.CREATED],
        "updated": shown[Action.UPDATED],
        "unchanged": shown[Action.UNCHANGED],
        "problems": result.problems[:ROWS_SHOWN],
        "rows_shown": ROWS_SHOWN,
    }
    return render(request, "emulation/nomination_import_preview.html", context, status=status)


def _run(request, pending: dict, *, dry_run: bool):
    unit = Unit.objects.filter(pk=pending["unit"]).first() if pending["unit"] else None
    with local_upload(pending["file"]) as path:
        return nominations_import(
            path=path,
            period_code=pending["period"],
            unit=unit,
            submitted_by=request.user,
            dry_run=dry_run,
        )


@require_GET
@role_required(Role.UNIT_HEAD, Role.REVIEWER)
def preview(request):
    pending = _pending(request)
    if pending is None:
        messages.warning(request, NO_PENDING_IMPORT)
        return redirect("emulation:nominations")
    return _result_page(request, pending, _run(request, pending, dry_run=True))


@require_POST
@role_required(Role.UNIT_HEAD, Role.REVIEWER)
def confirm(request):
    pending = _pending(request)
    if pending is None or request.POST.get("file") != pending["file"]:
        messages.warning(request, NO_PENDING_IMPORT)
        return _back(request)
    result = _run(request, pending, dry_run=False)
    if not result.written:
        return _result_page(request, pending, result, status=400)
    back = _back(request)
    _forget_pending(request)
    messages.success(
        request,
        gettext("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return back


@require_POST
@role_required(Role.UNIT_HEAD, Role.REVIEWER)
def cancel(request):
    if _pending(request) is not None:
        back = _back(request)
        _forget_pending(request)
        return back
    if not _is_reviewer(request):
        _get_unit_for_user(request)
    return redirect("emulation:nominations")


@role_required(Role.REVIEWER)
@csrf_exempt  # checked below, once the upload size is known to be acceptable
@require_POST
def period_upload(request, code):
    """A reviewer's (or administrator's) upload of any unit's list for the period `code`."""
    period = get_object_or_404(Period, code=code)
    limit = settings.IMPORT_MAX_BYTES
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit + MULTIPART_SLACK:
        messages.error(request, FILE_TOO_LARGE % {"limit": filesizeformat(limit)})
        return redirect("emulation:period", code=period.code)
    size_limit = UploadSizeLimit(request, limit + MULTIPART_SLACK)
    request.upload_handlers.insert(0, size_limit)
    return _receive_period_upload(request, period, size_limit)


@csrf_protect
def _receive_period_upload(request, period: Period, size_limit: UploadSizeLimit):
    form = PeriodUploadForm(request.POST, request.FILES)
    if size_limit.exceeded or (
        "file" in request.FILES and request.FILES["file"].size > settings.IMPORT_MAX_BYTES
    ):
        limit = filesizeformat(settings.IMPORT_MAX_BYTES)
        messages.error(request, FILE_TOO_LARGE % {"limit": limit})
        return redirect("emulation:period", code=period.code)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("emulation:period", code=period.code)
    _store_upload(
        request,
        unit=form.cleaned_data["unit"],
        period_code=period.code,
        upload=form.cleaned_data["file"],
        for_any_unit=True,
    )
    return redirect("emulation:nomination_import_preview")
