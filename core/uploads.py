"""Checks for uploaded documents: the type by content, never by the file's name, and the size."""

import json
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

DOCUMENT_NOT_ALLOWED = _("The document must be a PDF, DOCX or DOC file.")
DOCUMENT_TOO_LARGE = _("The document is larger than %(megabytes)s MB.")
NOT_A_PDF = _("The document must be a PDF file.")


@dataclass(frozen=True)
class DocumentType:
    extension: str
    content_type: str


PDF = DocumentType(".pdf", "application/pdf")
DOCX = DocumentType(
    ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)
DOC = DocumentType(".doc", "application/msword")


def document_type(upload: UploadedFile) -> DocumentType | None:
    """PDF, DOCX or DOC as told by the file's first bytes; None for anything else."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return DOC
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                is_word = "word/document.xml" in archive.namelist()
        except zipfile.BadZipFile:
            is_word = False
        finally:
            upload.seek(0)
        return DOCX if is_word else None
    return None


def document_response(stored: FieldFile, *, filename: str) -> FileResponse:
    """A stored document as a download named `filename` plus its type's extension; 404 when
    there is none, or the stored file is not what was checked at upload."""
    if not stored:
        raise Http404
    handle = stored.open("rb")
    kind = document_type(handle)
    if kind is None:
        handle.close()
        raise Http404
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filename}{kind.extension}",
        content_type=kind.content_type,
    )


def checked_document(upload: UploadedFile) -> DocumentType:
    """The type of an uploaded document; DomainError when it is too large or of another type."""
    limit = settings.DOCUMENT_MAX_BYTES
    if upload.size > limit:
        raise DomainError(DOCUMENT_TOO_LARGE, megabytes=limit // (1024 * 1024))
    kind = document_type(upload)
    if kind is None:
        raise DomainError(DOCUMENT_NOT_ALLOWED)
    return kind


def checked_pdf(upload: UploadedFile) -> bytes:
    """The bytes of an uploaded PDF; DomainError when it is too large or not a PDF."""
    if checked_document(upload) != PDF:
        raise DomainError(NOT_A_PDF)
    upload.seek(0)
    return upload.read()


# --- Spreadsheets waiting between an import's preview and its confirmation ----------------

# Multipart framing around the file: boundaries, field names, the CSRF token.
MULTIPART_SLACK = 16 * 1024
# Uploads left behind by an abandoned preview are removed after a day.
STALE_SECONDS = 24 * 3600


class UploadSizeLimit(FileUploadHandler):
    """Stops reading a request body that turns out larger than the limit (no Content-Length)."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


UPLOADS_FOLDER = "imports"


def _storage_name(name: str) -> str:
    # The name comes from the session, but is checked anyway: no folder, no dot-files.
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError("not an upload name")
    return f"{UPLOADS_FOLDER}/{name}"


def _remove_stale_uploads() -> None:
    cutoff = timezone.now() - timedelta(seconds=STALE_SECONDS)
    try:
        _folders, names = default_storage.listdir(UPLOADS_FOLDER)
    except FileNotFoundError:
        return
    for name in names:
        try:
            if default_storage.get_modified_time(f"{UPLOADS_FOLDER}/{name}") < cutoff:
                default_storage.delete(f"{UPLOADS_FOLDER}/{name}")
        except FileNotFoundError:  # removed meanwhile by another server
            continue


def store_upload(upload: UploadedFile) -> str:
    """Keep an uploaded spreadsheet under a random name until it is confirmed; the name.

    Kept in the media storage (MEDIA_ROOT or the S3 bucket), so the confirmation may reach
    another server than the preview. Leftovers older than a day are removed on the way. The
    uploader's file name is never used; only its extension is kept (an unexpected one as such:
    the preview then says what files are accepted).
    """
    _remove_stale_uploads()
    suffix = Path(upload.name).suffix.lower()
    name = secrets.token_urlsafe(24) + (suffix if suffix.isascii() and len(suffix) <= 8 else "")
    upload.seek(0)
    default_storage.save(_storage_name(name), File(upload, name=name))
    return name


def upload_exists(name: str) -> bool:
    try:
        return default_storage.exists(_storage_name(name))
    except ValueError:
        return False


@contextmanager
def local_upload(name: str) -> Iterator[Path]:
    """The stored upload as a file on this server for the readers; FileNotFoundError when it
    is gone. In MEDIA_ROOT, the stored file itself; in a bucket, a temporary copy, removed
    afterwards."""
    stored_name = _storage_name(name)
    try:
        path = Path(default_storage.path(stored_name))
    except NotImplementedError:  # a bucket: no path on this server
        pass
    else:
        if not path.is_file():
            raise FileNotFoundError(stored_name)
        yield path
        return
    with (
        default_storage.open(stored_name, "rb") as stored,
        tempfile.TemporaryDirectory(prefix="kc-import-") as folder,
    ):
        path = Path(folder) / name
        with path.open("wb") as copy:
            shutil.copyfileobj(stored, copy)
        yield path


def store_upload_preview(name: str, preview: dict) -> None:
    """Keep what the preview of the upload `name` shows, beside it in the media storage: the
    file is read once, at the upload, whichever server shows the preview."""
    default_storage.save(_preview_name(name), ContentFile(json.dumps(preview).encode()))


def upload_preview(name: str) -> dict | None:
    """What the preview of the upload `name` shows; None when it is gone."""
    try:
        stored_name = _preview_name(name)
        if not default_storage.exists(stored_name):
            return None
        with default_storage.open(stored_name, "rb") as stored:
            return json.loads(stored.read())
    except (ValueError, FileNotFoundError):
        return None


def _preview_name(name: str) -> str:
    return _storage_name(name) + ".preview.json"


def discard_upload(name: str) -> None:
    try:
        default_storage.delete(_storage_name(name))
        default_storage.delete(_preview_name(name))
    except ValueError:
        return


@contextmanager
def atomic_with_files(*, writes_files: bool = True) -> Iterator[list[str]]:
    """A transaction that deletes the stored files named in it unless it commits.

    Files are written before the rows that name them; a failure anywhere up to and including
    the COMMIT (a broken connection, a form sent twice at once, a refused signature) must not
    leave them behind. Yields the list into which the caller puts each file's storage name.

    When it writes files it must be the outermost transaction (durable): inside an outer one,
    its end is only a savepoint, and Django has no hook to delete the files if the outer
    transaction rolls back later, so that raises RuntimeError before a file is written.
    """
    stored: list[str] = []
    try:
        with transaction.atomic(durable=writes_files):
            yield stored
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
