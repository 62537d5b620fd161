"""Prepared files: asked for in a request, made by the task worker, kept in the media storage."""

import logging
import uuid
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from exports.kinds import MAKERS
from exports.models import Export, ExportStatus

logger = logging.getLogger(__name__)


def export_request(*, kind: str, subject: str, user) -> Export:
    """Record the request and hand it to the task backend (run at once, or by the worker)."""
    from exports.tasks import make_export

    export = Export.objects.create(kind=kind, subject=subject, requested_by=user)
    # Enqueued once the row is committed, so that a worker never looks for a missing row.
    transaction.on_commit(lambda: make_export.enqueue(export_id=str(export.pk)))
    return export


def export_make(*, export_id: uuid.UUID | str) -> Export:
    """Make the file of a pending export; a failure is recorded, never left pending.

    The file is made outside any transaction (a large list takes minutes, and no lock may be
    held that long); the outcome is then written under the row's lock, once.
    """
    export = Export.objects.get(pk=export_id)
    if export.status != ExportStatus.PENDING:  # made already (a task run twice)
        return export
    try:
        filename, data = MAKERS[export.kind].build(export.subject)
    except Exception:
        logger.exception("Export %s (%s %s) failed", export.pk, export.kind, export.subject)
        filename, data = None, None
    with transaction.atomic():
        export = Export.objects.select_for_update().get(pk=export_id)
        if export.status != ExportStatus.PENDING:
            return export
        if data is None:
            export.status = ExportStatus.FAILED
        else:
            export.file.save(filename, ContentFile(data), save=False)
            export.status = ExportStatus.READY
        export.finished_at = timezone.now()
        export.save(update_fields=["file", "status", "finished_at"])
    return export


def exports_prune(*, older_than: timedelta) -> int:
    """Delete prepared files asked for before `older_than` ago, rows and stored files; how many.

    They hold personal data (Decree 13/2023): kept only as long as someone may still fetch them.
    """
    stale = Export.objects.filter(requested_at__lt=timezone.now() - older_than)
    for name in stale.exclude(file="").values_list("file", flat=True).iterator():
        default_storage.delete(name)
    count, _by_model = stale.delete()
    return count
