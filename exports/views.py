from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from exports.kinds import MAKERS
from exports.models import Export, ExportStatus

# Seconds between two looks of the "being prepared" page.
REFRESH_SECONDS = 3
# The longest list (national, PDF) is made in about a minute; a file still pending after this
# long most likely waits for a worker that is not running, and the user is told so.
OVERDUE_AFTER = timedelta(minutes=5)
# Looking again is then slower: the user may wait, the server need not be asked every 3 s.
OVERDUE_REFRESH_SECONDS = 30


def _get_export_for_user(request, pk) -> Export:
    """Only the one who asked sees a prepared file, and only while they may see its subject."""
    export = get_object_or_404(Export, pk=pk)
    if export.requested_by_id != request.user.pk:
        raise Http404
    maker = MAKERS[export.kind]
    if not request.user.has_role(*maker.roles) or not maker.sees(request.user, export.subject):
        raise PermissionDenied
    return export


@login_required
def status(request, pk):
    export = _get_export_for_user(request, pk)
    pending = export.status == ExportStatus.PENDING
    overdue = pending and timezone.now() - export.requested_at > OVERDUE_AFTER
    refresh = (OVERDUE_REFRESH_SECONDS if overdue else REFRESH_SECONDS) if pending else None
    return render(
        request,
        "exports/status.html",
        {"export": export, "refresh": refresh, "overdue": overdue},
    )


@login_required
def download(request, pk):
    export = _get_export_for_user(request, pk)
    if export.status != ExportStatus.READY:
        raise Http404
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=export.filename,
        content_type=MAKERS[export.kind].content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
