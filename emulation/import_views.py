"""A unit head's nomination list as a spreadsheet, on the flow of core.import_flow: upload,
preview (nothing written), confirm, for the unit it was previewed for."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from core.access import role_required
from core.import_flow import (
    PendingImport,
    confirm_pending,
    preview_context,
    preview_pending,
    receive_upload,
    too_large_text,
)
from core.imports import Action, ImportSummary
from core.uploads import local_upload
from emulation.forms import PeriodUploadForm
from emulation.imports import nominations_import
from emulation.models import Period
from emulation.views import UPLOAD_SESSION_KEY, nominations_page, upload_form
from personnel.models import Role, Unit

SESSION_KEY = UPLOAD_SESSION_KEY
PENDING = PendingImport(SESSION_KEY)


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
    pending = PENDING.get(request)
    if pending is None:
        return None
    if not _is_reviewer(request) and (
        pending.get("for_any_unit") or pending.get("unit") != _get_unit_for_user(request).pk
    ):
        return None
    return pending


def _back(request):
    """Where the user came from: the period's page for a reviewer's upload."""
    pending = request.session.get(UPLOAD_SESSION_KEY) or {}
    if pending.get("for_any_unit") and _is_reviewer(request):
        return redirect("emulation:period", code=pending["period"])
    return redirect("emulation:nominations")


def _store_upload(
    request, *, unit: Unit | None, period_code: str, upload, for_any_unit: bool = False
) -> None:
    PENDING.keep(
        request,
        upload,
        run=_runner(request),
        period=period_code,
        unit=unit.pk if unit else None,
        for_any_unit=for_any_unit,
    )


def _refused(request, message: str, *, status: int):
    return nominations_page(request, upload_refusal=message, status=status)


@role_required(Role.UNIT_HEAD)
@csrf_exempt  # receive_upload checks it, once the size is known to be acceptable
@require_POST
def upload(request):
    _get_unit_for_user(request)
    return receive_upload(request, accept=_accept_upload, too_large=_too_large)


def _too_large(request):
    return _refused(request, too_large_text(), status=413)


def _accept_upload(request):
    unit = _get_unit_for_user(request)
    form = upload_form(request.POST, request.FILES)
    if not form.is_valid():
        return nominations_page(request, upload=form, status=400)
    _store_upload(
        request,
        unit=unit,
        period_code=form.cleaned_data["period"],
        upload=form.cleaned_data["file"],
    )
    return redirect("emulation:nomination_import_preview")


def _result_page(request, pending: dict, shown: dict, *, status: int = 200):
    actions = (Action.CREATED, Action.UPDATED, Action.UNCHANGED)
    context = {"pending": pending, **preview_context(shown, actions=actions)}
    return render(request, "emulation/nomination_import_preview.html", context, status=status)


def _runner(request):
    """The nomination import of the waiting file, for the unit it was uploaded for."""

    def run(pending: dict, *, dry_run: bool) -> ImportSummary:
        unit = Unit.objects.filter(pk=pending["unit"]).first() if pending["unit"] else None
        with local_upload(pending["file"]) as path:
            return nominations_import(
                path=path,
                period_code=pending["period"],
                unit=unit,
                submitted_by=request.user,
                dry_run=dry_run,
            )

    return run


@require_GET
@role_required(Role.UNIT_HEAD, Role.REVIEWER)
def preview(request):
    return preview_pending(
        request,
        pending=_pending(request),
        result_page=_result_page,
        start=lambda: redirect("emulation:nominations"),
    )


@require_POST
@role_required(Role.UNIT_HEAD, Role.REVIEWER)
def confirm(request):
    return confirm_pending(
        request,
        pending=_pending(request),
        pending_import=PENDING,
        run=_runner(request),
        result_page=_result_page,
        start=lambda: _back(request),
        done=lambda: _back(request),
    )


@require_POST
@role_required(Role.UNIT_HEAD, Role.REVIEWER)
def cancel(request):
    if _pending(request) is not None:
        back = _back(request)
        PENDING.forget(request)
        return back
    if not _is_reviewer(request):
        _get_unit_for_user(request)
    return redirect("emulation:nominations")


@role_required(Role.REVIEWER)
@csrf_exempt  # receive_upload checks it, once the size is known to be acceptable
@require_POST
def period_upload(request, code):
    """A reviewer's (or administrator's) upload of any unit's list for the period `code`."""
    period = get_object_or_404(Period, code=code)

    def too_large(request):
        messages.error(request, too_large_text())
        return redirect("emulation:period", code=period.code)

    def accept(request):
        form = PeriodUploadForm(request.POST, request.FILES)
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

    return receive_upload(request, accept=accept, too_large=too_large)
