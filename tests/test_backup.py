"""`backup` and `restore` on PostgreSQL: a backup restored into a new, empty database holds the
same records, byte-identical evidence files and an intact audit chain; with --force, one that
held other records ends with the backup's alone; a damaged backup, a database that is not empty
and a media folder that is not empty are refused."""

import json
import shutil
from types import SimpleNamespace

import psycopg
import pytest
import redis

from tests.conftest import SHARED_CACHE_URL
from tests.servers import (
    database_url,
    manage,
    portal_env,
    run_python,
    scratch_database,
    server_address,
)

SETUP = """
import datetime
from django.utils import timezone
from inspections import services
from personnel.models import Posting, Role, Staff, Unit, UnitKind
from tests.factories import jpeg, make_user

unit = Unit.objects.create(code="P-A", name="Phường Đông Kinh", kind=UnitKind.WARD)
inspector = make_user("inspector", role=Role.INSPECTOR)
reviewer = make_user("reviewer", role=Role.REVIEWER)
for code, name in (("S001", "Nguyễn Văn An"), ("S002", "Trần Thị Bình")):
    person = Staff.objects.create(code=code, full_name=name, category="cong_chuc")
    Posting.objects.create(staff=person, unit=unit)
    record = services.record_create(
        author=inspector, staff=person, unit=unit, type="no_badge",
        occurred_at=timezone.now() - datetime.timedelta(hours=2),
        description=f"Không đeo thẻ ({name}).",
        photos=[jpeg((10, 120, 30)), jpeg((200, 20, 30))],
    )
    services.record_submit(record=record, actor=inspector)
    services.record_confirm(record=record, reviewer=reviewer)
"""
# Another portal's contents, which `restore --force` replaces: a draft with a photo, elsewhere.
OTHER_SETUP = """
import datetime, io
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from inspections import services
from personnel.models import Posting, Role, Staff, Unit, UnitKind
from tests.factories import make_user

out = io.BytesIO()
Image.new("RGB", (32, 32), (0, 0, 200)).save(out, format="JPEG")
unit = Unit.objects.create(code="X-B", name="Xã Tây Sơn", kind=UnitKind.COMMUNE)
inspector = make_user("inspector", role=Role.INSPECTOR)
person = Staff.objects.create(code="S900", full_name="Lê Văn Cường", category="vien_chuc")
Posting.objects.create(staff=person, unit=unit)
for description in ("Về sớm 30 phút.", "Không đeo thẻ."):
    services.record_create(
        author=inspector, staff=person, unit=unit, type="no_badge",
        occurred_at=timezone.now() - datetime.timedelta(hours=1), description=description,
        photos=[SimpleUploadedFile("anh.jpg", out.getvalue(), content_type="image/jpeg")],
    )
"""
RECORDS = (
    "SELECT r.number, r.status, r.description, s.code FROM inspections_violationrecord r"
    " JOIN personnel_staff s ON s.id = r.staff_id ORDER BY r.id"
)
AUDIT = "SELECT id, record_id, action, hash, previous_hash FROM inspections_auditentry ORDER BY id"
EVIDENCE = (
    "SELECT file, shared, thumbnail, sha256, size, taken_at, latitude, longitude"
    " FROM inspections_evidence ORDER BY id"
)


def rows(name: str, query: str) -> list[tuple]:
    with psycopg.connect(dbname=name, **server_address()) as connection:
        return connection.execute(query).fetchall()


def files_under(folder) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def backed_up(tmp_path_factory):
    """A migrated database with two confirmed records and their photos, and its backup."""
    folder = tmp_path_factory.mktemp("backup")
    with scratch_database("kc_backed_up") as original:
        env = portal_env(DATABASE_URL=database_url(original), MEDIA_ROOT=str(folder / "media"))
        migrated = manage("migrate", "--noinput", env=env)
        assert migrated.returncode == 0, migrated.stderr
        run_python(SETUP, env=env)
        made = manage("backup", "--output", str(folder / "backup"), env=env)
        assert made.returncode == 0, made.stderr
        yield SimpleNamespace(
            name=original, env=env, backup=folder / "backup", media=folder / "media", made=made
        )


@pytest.mark.postgresql
def test_it_restores_a_backup_into_an_empty_database_with_the_same_records_files_and_trail(
    backed_up, tmp_path
):
    backup = backed_up.backup
    assert "Đã sao lưu vào" in backed_up.made.stdout
    assert sorted(path.name for path in backup.iterdir()) == [
        "database.dump",
        "manifest.json",
        "media.tar",
    ]
    checked = manage("restore", "--check", "--input", str(backup), env=backed_up.env)
    assert checked.returncode == 0, checked.stderr
    # Two records, each with two photos, their copies without metadata and their thumbnails.
    assert "2 biên bản vi phạm, 10 mục nhật ký, 12 tệp" in checked.stdout

    with scratch_database("kc_restored") as restored:
        target = {
            **backed_up.env,
            "DATABASE_URL": database_url(restored),
            "MEDIA_ROOT": str(tmp_path / "restored-media"),
        }

        done = manage("restore", "--input", str(backup), env=target)

        assert done.returncode == 0, done.stderr
        assert "nhật ký nguyên vẹn: đã kiểm tra 10 mục" in done.stdout
        for query in (RECORDS, AUDIT, EVIDENCE):
            assert rows(restored, query) == rows(backed_up.name, query)
        assert len(rows(restored, RECORDS)) == 2
        assert len(rows(restored, AUDIT)) == 10  # created, 2 photos, submitted, confirmed; twice
        assert files_under(tmp_path / "restored-media") == files_under(backed_up.media)
        assert len(files_under(tmp_path / "restored-media")) == 12
        audit = manage("verify_audit", env=target)
        assert audit.returncode == 0, audit.stdout + audit.stderr
        assert audit.stdout == "Nhật ký nguyên vẹn: đã kiểm tra 10 mục.\n"
        # The database's guard of the audit trail came back with the schema.
        with (
            psycopg.connect(dbname=restored, **server_address()) as connection,
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
        ):
            connection.execute("UPDATE inspections_auditentry SET reason = 'sửa'")

        again = manage("restore", "--input", str(backup), env=target)

        assert again.returncode == 1
        assert f"Cơ sở dữ liệu {restored} không trống" in again.stderr
        assert "Traceback" not in again.stderr


# The unit's people by name, renamed after the restore: the copies of their names on their
# postings came back with the rows, and the triggers that keep them with the schema.
ROSTER_AFTER_A_RENAME = """
from django.utils import timezone
from personnel.models import Staff, Unit
from personnel.selectors import staff_posted_to

def roster():
    people = staff_posted_to(unit=Unit.objects.get(code="P-A"), day=timezone.localdate())
    return " ".join(person.code for person in people)

print(roster())
an = Staff.objects.get(code="S001")
an.full_name = "Vũ Văn An"
an.save()
print(roster())
"""


@pytest.mark.postgresql
def test_it_lists_a_units_people_by_name_after_a_restore_and_a_rename(backed_up, tmp_path):
    with scratch_database("kc_restored") as restored:
        target = {
            **backed_up.env,
            "DATABASE_URL": database_url(restored),
            "MEDIA_ROOT": str(tmp_path / "restored-media"),
        }
        done = manage("restore", "--input", str(backed_up.backup), env=target)
        assert done.returncode == 0, done.stderr

        rosters = run_python(ROSTER_AFTER_A_RENAME, env=target)

    # Nguyễn Văn An before Trần Thị Bình; renamed Vũ Văn An, after her.
    assert rosters == "S001 S002\nS002 S001\n"


@pytest.mark.postgresql
def test_it_replaces_a_database_holding_other_records_with_force(backed_up, tmp_path):
    backup = backed_up.backup
    # What the pages kept from the replaced database is read afresh (core.page_cache).
    cache = redis.Redis.from_url(SHARED_CACHE_URL)
    with scratch_database("kc_replaced") as replaced:
        target = {
            **backed_up.env,
            "DATABASE_URL": database_url(replaced),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "CACHE_URL": SHARED_CACHE_URL,
        }
        migrated = manage("migrate", "--noinput", env=target)
        assert migrated.returncode == 0, migrated.stderr
        run_python(OTHER_SETUP, env=target)
        assert [row[3] for row in rows(replaced, RECORDS)] == ["S900", "S900"]
        own_files = files_under(tmp_path / "media")
        assert len(own_files) == 6
        everything = cache.get(":1:version:all")

        done = manage("restore", "--force", "--input", str(backup), env=target)

        assert done.returncode == 0, done.stderr
        assert cache.get(":1:version:all") not in (None, everything)
        assert "Đã khôi phục 2 biên bản vi phạm và 12 tệp tải lên" in done.stdout
        for query in (RECORDS, AUDIT, EVIDENCE):
            assert rows(replaced, query) == rows(backed_up.name, query)
        assert [row[3] for row in rows(replaced, RECORDS)] == ["S001", "S002"]
        assert rows(replaced, "SELECT code FROM personnel_staff ORDER BY code") == [
            ("S001",),
            ("S002",),
        ]
        # --force adds the backup's files beside those already there.
        assert files_under(tmp_path / "media") == {**own_files, **files_under(backed_up.media)}
        audit = manage("verify_audit", env=target)
        assert audit.returncode == 0, audit.stdout + audit.stderr
        assert audit.stdout == "Nhật ký nguyên vẹn: đã kiểm tra 10 mục.\n"
        # The guard of the audit trail was dropped with the old table and made again.
        with (
            psycopg.connect(dbname=replaced, **server_address()) as connection,
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
        ):
            connection.execute("DELETE FROM inspections_auditentry")
        # The same backup again, forced: still exactly its records.
        again = manage("restore", "--force", "--input", str(backup), env=target)
        assert again.returncode == 0, again.stderr
        assert rows(replaced, AUDIT) == rows(backed_up.name, AUDIT)


@pytest.mark.postgresql
def test_it_refuses_a_media_folder_that_holds_files(backed_up, tmp_path):
    media = tmp_path / "media"
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "quy-che.pdf").write_bytes(b"%PDF-1.4 quy che")

    with scratch_database("kc_restored") as restored:
        target = {**backed_up.env, "DATABASE_URL": database_url(restored), "MEDIA_ROOT": str(media)}
        refused = manage("restore", "--input", str(backed_up.backup), env=target)
        tables = rows(restored, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")

    assert refused.returncode == 1
    assert f"Thư mục tệp tải lên {media} không trống" in refused.stderr
    assert "hoặc thêm --force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert tables == [(0,)]
    assert files_under(media) == {"documents/quy-che.pdf": b"%PDF-1.4 quy che"}


@pytest.mark.postgresql
def test_it_refuses_a_damaged_backup(backed_up, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(backed_up.backup, damaged)
    dump = bytearray((damaged / "database.dump").read_bytes())
    dump[len(dump) // 2] ^= 0xFF
    (damaged / "database.dump").write_bytes(bytes(dump))

    with scratch_database("kc_restored") as restored:
        target = {
            **backed_up.env,
            "DATABASE_URL": database_url(restored),
            "MEDIA_ROOT": str(tmp_path / "restored-media"),
        }
        checked = manage("restore", "--check", "--input", str(damaged), env=target)
        refused = manage("restore", "--input", str(damaged), env=target)
        tables = rows(restored, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")

    for result in (checked, refused):
        assert result.returncode == 1
        assert "Bản sao lưu bị hỏng: database.dump không khớp" in result.stderr
        assert "Traceback" not in result.stderr
    assert tables == [(0,)]
    assert not (tmp_path / "restored-media").exists()


@pytest.mark.postgresql
def test_it_writes_no_backup_into_a_folder_that_holds_something(backed_up):
    result = manage("backup", "--output", str(backed_up.backup), env=backed_up.env)

    assert result.returncode == 1
    assert "không trống" in result.stderr
    assert backed_up.backup.joinpath("manifest.json").stat().st_size > 0


def test_it_says_a_backup_needs_postgresql(tmp_path):
    env = portal_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")

    result = manage("backup", "--output", str(tmp_path / "backup"), env=env)

    assert result.returncode == 1
    assert "PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "backup").exists()


@pytest.mark.postgresql
def test_it_refuses_to_leave_out_media_kept_in_a_bucket_unless_told(backed_up, tmp_path):
    # The bucket is never reached: the settings alone say the files are not in MEDIA_ROOT.
    in_bucket = {**backed_up.env, "MEDIA_STORAGE": "s3", "S3_BUCKET": "kycuong-media"}

    refused = manage("backup", "--output", str(tmp_path / "refused"), env=in_bucket)
    database_only = manage(
        "backup", "--database-only", "--output", str(tmp_path / "database"), env=in_bucket
    )

    assert refused.returncode == 1
    assert "MEDIA_STORAGE=s3" in refused.stderr and "--database-only" in refused.stderr
    assert not (tmp_path / "refused").exists()
    assert database_only.returncode == 0, database_only.stderr
    manifest = json.loads((tmp_path / "database" / "manifest.json").read_text())
    assert (manifest["media_included"], manifest["media"]) == (False, {})
    assert manifest["counts"]["inspections_violationrecord"] == 2
    checked = manage("restore", "--check", "--input", str(tmp_path / "database"), env=in_bucket)
    assert checked.returncode == 0, checked.stderr
