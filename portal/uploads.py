"""Checks for uploaded documents: the type by content, never by the file's name, and the size."""

import zipfile
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
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
