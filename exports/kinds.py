"""The kinds of prepared file, each registered by the app that knows how to make it.

The exports app knows no domain app: inspections and emulation register their makers in their
AppConfig.ready(), naming who may have the file and how it is made.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


@dataclass(frozen=True)
class Maker:
    label: Promise
    content_type: str
    # Who may ask for it and download it (administrators always may).
    roles: tuple[str, ...]
    # May this user still see the subject? Checked again at download time.
    sees: Callable[..., bool]
    # The file's name and bytes, from the subject.
    build: Callable[[str], tuple[str, bytes]]


MAKERS: dict[str, Maker] = {}


def register(kind: str, maker: Maker) -> None:
    """Make `kind` (at most 20 characters, stored with each export) known to the exports app."""
    if len(kind) > 20:
        raise ValueError(f"Export kind {kind!r} is longer than 20 characters.")
    MAKERS[kind] = maker
