"""Backing up and restoring the portal on PostgreSQL: the database and the uploaded files.

A backup is a folder of three files:
- `database.dump`: pg_dump's custom format (`-Fc`) of the DATABASE_URL database, without
  owners or grants, so it restores under any role;
- `media.tar`: every file under MEDIA_ROOT (evidence photos, regulation documents), taken
  after the dump, so every file the dump names is in it;
- `manifest.json`: when and from what it was made, the latest migration of each app, row
  counts, and the size and SHA-256 of the two files and of each media file.

A restore checks every checksum first, goes only into an empty database (unless forced),
restores the dump in one transaction, unpacks the files and checks them one by one, then
checks the audit trail's hash chain. pg_dump and pg_restore must be of the server's major
version or newer: Debian's `/usr/lib/postgresql/<version>/bin` is used when it exists.
"""

import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import page_cache
from core.errors import DomainError

FORMAT = 1
DUMP = "database.dump"
MEDIA = "media.tar"
MANIFEST = "manifest.json"
# Rows counted in the manifest, and compared after a restore.
COUNTED_TABLES = (
    "personnel_unit",
    "personnel_staff",
    "inspections_violationrecord",
    "inspections_auditentry",
    "inspections_evidence",
    "emulation_nomination",
)

POSTGRESQL_ONLY = _(
    "Backups are made of a PostgreSQL database (DATABASE_URL); this one is %(vendor)s."
)
NO_TOOL = _(
    "%(tool)s %(version)s or newer was not found: install the postgresql-client package of "
    "the server's version."
)
TOOL_FAILED = _("%(tool)s failed: %(error)s")
OUTPUT_NOT_EMPTY = _("The folder %(folder)s is not empty: give a new or empty folder.")
NOT_A_BACKUP = _("%(folder)s is not a backup: it has no %(file)s.")
UNKNOWN_FORMAT = _("This backup's format (%(format)s) is not one this version can restore.")
DAMAGED = _("The backup is damaged: %(file)s does not match its checksum.")
TARGET_NOT_EMPTY = _(
    "The database %(database)s is not empty: restore into a new, empty database, or add "
    "--force to replace what it holds."
)
MEDIA_NOT_EMPTY = _(
    "The media folder %(folder)s is not empty: give an empty one, or add --force to add the "
    "backup's files to it."
)
MEDIA_IN_BUCKET = _(
    "The uploaded files are in an S3 bucket (MEDIA_STORAGE=s3), which this backup does not "
    "copy: back the bucket up with its own versioning or replication, and add --database-only "
    "to back up the database alone."
)
UNSAFE_MEMBER = _("The backup's media archive holds a path outside the media folder: %(name)s.")


@dataclass
class Restored:
    counts: dict[str, int]
    media_files: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise DomainError(POSTGRESQL_ONLY, vendor=connection.vendor)


def _server_major() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def postgresql_tool(name: str) -> str:
    """The pg_dump or pg_restore for this server: Debian's of its version, else one on PATH."""
    major = _server_major()
    debian = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if debian.is_file():
        return str(debian)
    found = shutil.which(name)
    if found:
        output = subprocess.run(  # noqa: S603 (a fixed program, no shell)
            [found, "--version"], capture_output=True, text=True, check=False
        ).stdout
        version = re.search(r"(\d+)(?:\.\d+)?", output)
        if version and int(version.group(1)) >= major:
            return found
    raise DomainError(NO_TOOL, tool=name, version=major)


def _libpq_env() -> dict[str, str]:
    """DATABASE_URL as libpq's variables: no password on a command line."""
    database = settings.DATABASES["default"]
    env = {**os.environ, "PGDATABASE": database["NAME"]}
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if database.get(key):
            env[variable] = str(database[key])
    if sslmode := database.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = sslmode
    return env


def _run(tool: str, arguments: list[str]) -> None:
    result = subprocess.run(  # noqa: S603 (a fixed program, no shell)
        [postgresql_tool(tool), *arguments],
        env=_libpq_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DomainError(TOOL_FAILED, tool=tool, error=result.stderr.strip()[-2000:])


def _counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in COUNTED_TABLES:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def _latest_migrations() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
        return dict(cursor.fetchall())


def _media_files(media_root: Path) -> list[Path]:
    if not media_root.is_dir():
        return []
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def media_is_local() -> bool:
    """Are the uploaded files in MEDIA_ROOT (not in a bucket, which a backup cannot see)?"""
    backend = settings.STORAGES["default"]["BACKEND"]
    return backend == "django.core.files.storage.FileSystemStorage"


def create_backup(*, output: Path, database_only: bool = False) -> dict:
    """Write a backup of the database and the media files into `output`; return its manifest.

    With `database_only`, media.tar is empty and the manifest lists no file: for media kept
    in a bucket, which is backed up with the bucket's own tools. Without it, media in a
    bucket is refused rather than silently left out.
    """
    _require_postgresql()
    if not database_only and not media_is_local():
        raise DomainError(MEDIA_IN_BUCKET)
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise DomainError(OUTPUT_NOT_EMPTY, folder=output)
    output.mkdir(parents=True, exist_ok=True)
    started = timezone.now()
    _run("pg_dump", ["--format=custom", "--no-owner", "--no-acl", f"--file={output / DUMP}"])
    counts = _counts()
    media_root = Path(settings.MEDIA_ROOT)
    media = {}
    with tarfile.open(output / MEDIA, "w") as archive:
        for path in [] if database_only else _media_files(media_root):
            name = path.relative_to(media_root).as_posix()
            archive.add(path, arcname=name, recursive=False)
            media[name] = {"size": path.stat().st_size, "sha256": sha256_of(path)}
    manifest = {
        "format": FORMAT,
        "portal": "Kỷ Cương",
        "created_at": started.isoformat(),
        "database": settings.DATABASES["default"]["NAME"],
        "server_version": connection.pg_version,
        "migrations": _latest_migrations(),
        "counts": counts,
        "media_included": not database_only,
        "files": {
            name: {"size": (output / name).stat().st_size, "sha256": sha256_of(output / name)}
            for name in (DUMP, MEDIA)
        },
        "media": media,
    }
    (output / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def check_backup(*, folder: Path) -> dict:
    """The backup's manifest, once both files match their checksums and the dump reads."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise DomainError(NOT_A_BACKUP, folder=folder, file=MANIFEST)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise DomainError(DAMAGED, file=MANIFEST) from None
    if manifest.get("format") != FORMAT:
        raise DomainError(UNKNOWN_FORMAT, format=manifest.get("format"))
    for name in (DUMP, MEDIA):
        path = folder / name
        expected = manifest.get("files", {}).get(name, {})
        if not path.is_file():
            raise DomainError(NOT_A_BACKUP, folder=folder, file=name)
        if path.stat().st_size != expected.get("size") or sha256_of(path) != expected.get("sha256"):
            raise DomainError(DAMAGED, file=name)
    _run("pg_restore", ["--list", str(folder / DUMP)])
    return manifest


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'S', 'p')"
        )
        return cursor.fetchone()[0] == 0


def _unpack_media(archive_path: Path, media_root: Path, expected: dict) -> int:
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path) as archive:
        members = archive.getmembers()
        for member in members:
            target = (media_root / member.name).resolve()
            if not target.is_relative_to(media_root.resolve()):
                raise DomainError(UNSAFE_MEMBER, name=member.name)
        # The "data" filter refuses links out of the folder, devices and odd permissions.
        archive.extractall(media_root, members=members, filter="data")
    for name, facts in expected.items():
        path = media_root / name
        if not path.is_file() or sha256_of(path) != facts["sha256"]:
            raise DomainError(DAMAGED, file=f"{MEDIA}: {name}")
    return len(expected)


def restore_backup(*, folder: Path, force: bool = False) -> Restored:
    """Restore a checked backup into the DATABASE_URL database and MEDIA_ROOT."""
    _require_postgresql()
    manifest = check_backup(folder=folder)
    media_root = Path(settings.MEDIA_ROOT)
    if not force and not _database_is_empty():
        raise DomainError(TARGET_NOT_EMPTY, database=settings.DATABASES["default"]["NAME"])
    if not force and _media_files(media_root):
        raise DomainError(MEDIA_NOT_EMPTY, folder=media_root)
    arguments = ["--no-owner", "--no-acl", "--exit-on-error", "--single-transaction"]
    if force:
        arguments += ["--clean", "--if-exists"]
    connection.close()  # pg_restore --clean must not wait on this process's session
    arguments += [f"--dbname={settings.DATABASES['default']['NAME']}", str(folder / DUMP)]
    _run("pg_restore", arguments)
    # Another database's rows: nothing the pages kept from the one it replaced holds.
    page_cache.changed(page_cache.EVERYTHING)
    media_files = _unpack_media(folder / MEDIA, media_root, manifest.get("media", {}))
    return Restored(counts=_counts(), media_files=media_files)


def describe(manifest: dict) -> dict:
    """What a manifest says, for printing: when, how many rows, how many files."""
    created = datetime.datetime.fromisoformat(manifest["created_at"])
    return {
        "created_at": timezone.localtime(created).strftime("%d/%m/%Y %H:%M"),
        "counts": manifest["counts"],
        "media_files": len(manifest.get("media", {})),
    }
