"""Checks for uploaded documents: the type by content, never by the file's name, and the size."""

import secrets
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext_lazy as _

DOCUMENT_NOT_ALLOWED = _("The document must be a PDF, DOCX or DOC file.")
DOCUMENT_TOO_LARGE = _("The document is larger than %(megabytes)s MB.")


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


def uploads_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def store_upload(upload: UploadedFile) -> str:
    """Keep an uploaded spreadsheet under a random name until it is confirmed; the name.

    Leftovers older than a day are removed on the way. The uploader's file name is never used;
    only its extension is kept (an unexpected one as such: the preview then says what files are
    accepted).
    """
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.iterdir():
        if old.is_file() and now - old.stat().st_mtime > STALE_SECONDS:
            old.unlink(missing_ok=True)
    suffix = Path(upload.name).suffix.lower()
    name = secrets.token_urlsafe(24) + (suffix if suffix.isascii() and len(suffix) <= 8 else "")
    with (folder / name).open("wb") as stored:
        for chunk in upload.chunks():
            stored.write(chunk)
    return name


def stored_upload(name: str) -> Path | None:
    path = uploads_dir() / name
    return path if path.is_file() else None


def discard_upload(name: str) -> None:
    (uploads_dir() / name).unlink(missing_ok=True)
