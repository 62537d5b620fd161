"""The web import: upload, preview (nothing written), confirm; one flow for every import page.

The uploaded file is kept in the media storage (imports/) under a random name that only the
uploader's session knows, so the confirmation checks and imports the very file previewed. It is
read once at the upload, into what its preview shows, kept beside it: showing the preview
again reads nothing but that.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect

from core.imports import Action, Change, ImportSummary
from core.tabular import Problem
from core.uploads import (
    MULTIPART_SLACK,
    UploadSizeLimit,
    discard_upload,
    store_upload,
    store_upload_preview,
    upload_exists,
    upload_preview,
)

FILE_TOO_LARGE = _("The file is larger than %(limit)s: split it, or ask for a higher limit.")
NO_PENDING_IMPORT = _("There is no file waiting to be imported: upload it again.")
# Rows of each kind the preview lists; the counts cover them all.
ROWS_SHOWN = 200


class PendingImport:
    """The file one session uploaded and has not yet confirmed, with what it was uploaded for."""

    def __init__(self, session_key: str):
        self.session_key = session_key

    def get(self, request: HttpRequest) -> dict | None:
        pending = request.session.get(self.session_key)
        if not pending or not upload_exists(pending.get("file", "")):
            return None
        return pending

    def keep(self, request: HttpRequest, upload, *, run: Callable[..., ImportSummary], **details):
        """Store the upload with `details`, and what its preview shows:
        `run(pending, dry_run=True)`, read now, once."""
        self.forget(request)
        pending = {"file": store_upload(upload), "name": upload.name, **details}
        store_upload_preview(pending["file"], shown_summary(run(pending, dry_run=True)))
        request.session[self.session_key] = pending

    def forget(self, request: HttpRequest) -> None:
        if pending := request.session.pop(self.session_key, None):
            discard_upload(pending["file"])


def too_large_text() -> str:
    return FILE_TOO_LARGE % {"limit": filesizeformat(settings.IMPORT_MAX_BYTES)}


def receive_upload(
    request: HttpRequest,
    *,
    accept: Callable[[HttpRequest], HttpResponse],
    too_large: Callable[[HttpRequest], HttpResponse],
) -> HttpResponse:
    """Refuse a body over IMPORT_MAX_BYTES before reading it, then hand the request to
    `accept`, CSRF-checked.

    The view itself is csrf_exempt: Django's CSRF check reads the whole body first, and the
    size must be checked before that.
    """
    limit = settings.IMPORT_MAX_BYTES + MULTIPART_SLACK
    # Refused on the announced size, before a byte of the body is read.
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
        return too_large(request)
    size_limit = UploadSizeLimit(request, limit)
    request.upload_handlers.insert(0, size_limit)
    return _receive_checked(request, size_limit, accept, too_large)


@csrf_protect
def _receive_checked(request, size_limit: UploadSizeLimit, accept, too_large) -> HttpResponse:
    upload = request.FILES.get("file")
    if size_limit.exceeded or (upload is not None and upload.size > settings.IMPORT_MAX_BYTES):
        return too_large(request)
    return accept(request)


@dataclass(frozen=True)
class ShownSummary:
    """An import summary as its preview shows it: the counts, the first ROWS_SHOWN problems
    and how many there are."""

    counts: dict[str, int]
    problems: list[Problem]
    problem_count: int

    @property
    def created(self) -> int:
        return self.counts.get(Action.CREATED, 0)

    @property
    def updated(self) -> int:
        return self.counts.get(Action.UPDATED, 0)

    @property
    def unchanged(self) -> int:
        return self.counts.get(Action.UNCHANGED, 0)


def shown_summary(summary: ImportSummary) -> dict:
    """What the preview shows of `summary`, as JSON: the counts, the first ROWS_SHOWN plans of
    each action and the first ROWS_SHOWN problems. Messages and labels are kept untranslated,
    so that the page speaks its reader's language."""
    counts: dict[str, int] = {}
    plans: dict[str, list[dict]] = {}
    for plan in summary.plans:
        counts[plan.action] = counts.get(plan.action, 0) + 1
        listed = plans.setdefault(plan.action, [])
        if len(listed) < ROWS_SHOWN:
            fields = {item.name: getattr(plan, item.name) for item in dataclasses.fields(plan)}
            fields["changes"] = [
                [_untranslated(change.label), change.old, change.new] for change in plan.changes
            ]
            listed.append(fields)
    problems = [
        [problem.row, problem.column, _untranslated(problem.message), _plain(problem.params)]
        for problem in summary.problems[:ROWS_SHOWN]
    ]
    return {
        "counts": counts,
        "plans": plans,
        "problems": problems,
        "problem_count": summary.problem_count,
    }


def _untranslated(text: Promise | str) -> str:
    with translation.override(None):
        return str(text)


def _plain(params: dict) -> dict:
    return {
        key: value if value is None or isinstance(value, int | float | str) else str(value)
        for key, value in params.items()
    }


def preview_context(shown: dict, *, actions: tuple[str, ...]) -> dict:
    """What a preview page shows, from `shown_summary`: the plans of each action and the
    problems, in the reader's language."""
    listed = {
        action: [
            {**plan, "changes": [Change(_(label), old, new) for label, old, new in plan["changes"]]}
            for plan in shown["plans"].get(action, [])
        ]
        for action in actions
    }
    problems = [
        Problem(row, column, _(message), params)
        for row, column, message, params in shown["problems"]
    ]
    result = ShownSummary(
        counts=shown["counts"], problems=problems, problem_count=shown["problem_count"]
    )
    return {"result": result, **listed, "problems": problems, "rows_shown": ROWS_SHOWN}


def report_imported(request: HttpRequest, summary: ImportSummary) -> None:
    messages.success(request, summary.counts_text())


def preview_pending(
    request: HttpRequest,
    *,
    pending: dict | None,
    result_page: Callable[..., HttpResponse],
    start: Callable[[], HttpResponse],
) -> HttpResponse:
    """The preview of the file waiting in the session, as read at its upload; without one,
    back to `start()` with a word."""
    shown = upload_preview(pending["file"]) if pending is not None else None
    if shown is None:
        messages.warning(request, NO_PENDING_IMPORT)
        return start()
    return result_page(request, pending, shown)


def confirm_pending(
    request: HttpRequest,
    *,
    pending: dict | None,
    pending_import: PendingImport,
    run: Callable[..., ImportSummary],
    result_page: Callable[..., HttpResponse],
    start: Callable[[], HttpResponse],
    done: Callable[[], HttpResponse],
) -> HttpResponse:
    """Import the very file previewed (its name comes back with the form), or show why not.

    `done()` makes the answer after a written import, before the pending file is forgotten.
    """
    if pending is None or request.POST.get("file") != pending["file"]:
        messages.warning(request, NO_PENDING_IMPORT)
        return start()
    summary = run(pending, dry_run=False)
    if not summary.written:
        return result_page(request, pending, shown_summary(summary), status=400)
    answer = done()
    pending_import.forget(request)
    report_imported(request, summary)
    return answer


def preview_page(
    request: HttpRequest,
    pending: dict,
    shown: dict,
    *,
    labels: dict,
    urls: dict,
    actions: tuple[str, ...] = (Action.CREATED, Action.UPDATED),
    status: int = 200,
) -> HttpResponse:
    """The preview page every import shows, of `shown` (from `shown_summary`): `labels` names
    what the file holds (`what`, the headings `created` and `updated`, the columns `code` and
    `name`); `urls` the confirmation, another upload and the cancellation (`confirm_url`,
    `again_url`, `cancel_url`)."""
    context = {
        "pending": pending,
        "labels": labels,
        **urls,
        **preview_context(shown, actions=actions),
    }
    return render(request, "_import_preview.html", context, status=status)
