"""The database goes away in the middle of a request that writes, then comes back.

A real gunicorn server talks to PostgreSQL through a relay the test cuts at the moment the
portal sends a given statement, so the transaction is open and half-written on the server when
the connection dies. The user must get the 503 page, the database must hold nothing of the
half-written transaction (rows, audit chain, evidence files), and once the relay passes again
the same server must serve the same page and accept the same form (CONN_HEALTH_CHECKS replaces
the dead persistent connection; no restart).
"""

from contextlib import ExitStack

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import jpeg
from tests.servers import (
    Browser,
    DatabaseRelay,
    database_url,
    manage,
    portal_env,
    run_python,
    scratch_database,
    server_address,
    start_gunicorn,
)

PASSWORD = "a-long-test-passphrase"
UNAVAILABLE = "Tạm thời gián đoạn"
STAFF_ROWS = 3000

SETUP = """
import datetime
from django.utils import timezone
from inspections import services
from inspections.models import Visit
from personnel.models import Posting, Role, Staff, Unit, UnitKind
from tests.factories import make_user

unit = Unit.objects.create(code="P-A", name="Phường Đông Kinh", kind=UnitKind.WARD)
inspector = make_user("inspector", role=Role.INSPECTOR)
make_user("reviewer", role=Role.REVIEWER)
person = Staff.objects.create(code="S001", full_name="Nguyễn Văn An", category="cong_chuc")
Posting.objects.create(staff=person, unit=unit)
today = timezone.localdate()
the_round = services.round_create(
    code="DX-01", name="Kiểm tra đột xuất đợt 1", kind="surprise", starts_on=today,
    ends_on=today + datetime.timedelta(days=7), lead=inspector, members=[], units=[unit],
)
visit = services.visit_start(inspection_round=the_round, unit=unit, actor=inspector)
# Begun three hours ago: the records below are of what the team saw since.
Visit.objects.filter(pk=visit.pk).update(
    started_at=visit.started_at - datetime.timedelta(hours=3)
)
visit.refresh_from_db()
# An audit trail that is already there: the chain must still hold after the fault.
earlier = services.record_create(
    author=inspector, staff=person, unit=unit, visit=visit, type="no_badge",
    occurred_at=timezone.now() - datetime.timedelta(hours=2), description="Không đeo thẻ.",
)
services.record_submit(record=earlier, actor=inspector)
print(visit.pk, person.pk)
"""

COUNTED = (
    "inspections_violationrecord",
    "inspections_auditentry",
    "inspections_evidence",
    "inspections_formsubmission",
    "personnel_staff",
    "personnel_posting",
)


class Portal:
    def __init__(self, *, name, env, relay, base_url, log, media_root, visit_pk, person_pk):
        self.name = name
        self.env = env
        self.relay = relay
        self.base_url = base_url
        self.log = log
        self.media_root = media_root
        self.visit_pk = visit_pk
        self.person_pk = person_pk

    def counts(self) -> dict[str, int]:
        """Row counts read directly from PostgreSQL, not through the relay."""
        with psycopg.connect(dbname=self.name, **server_address()) as connection:
            return {
                table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
                for table in COUNTED
            }

    def evidence_files(self) -> list[str]:
        folder = self.media_root / "evidence"
        return sorted(path.name for path in folder.iterdir()) if folder.exists() else []

    def verify_audit(self) -> str:
        direct = {**self.env, "DATABASE_URL": database_url(self.name)}
        result = manage("verify_audit", env=direct)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    folder = tmp_path_factory.mktemp("portal")
    with ExitStack() as stack:
        name = stack.enter_context(scratch_database("kc_db_faults"))
        address = server_address()
        relay = DatabaseRelay((address["host"], address["port"]))
        stack.callback(relay.close)
        media_root = folder / "media"
        env = portal_env(DATABASE_URL=database_url(name), MEDIA_ROOT=str(media_root))
        for command in (("migrate", "--noinput"), ("collectstatic", "--noinput", "-v", "0")):
            result = manage(*command, env=env)
            assert result.returncode == 0, result.stderr
        visit_pk, person_pk = map(int, run_python(SETUP, env=env).split())
        # The server reaches PostgreSQL only through the relay, with the production defaults:
        # persistent connections (CONN_MAX_AGE 60 s) checked before reuse.
        served = {**env, "DATABASE_URL": database_url(name, port=relay.port)}
        log = folder / "gunicorn.log"
        base_url = start_gunicorn(stack, env=served, log=log)
        yield Portal(
            name=name, env=env, relay=relay, base_url=base_url, log=log,
            media_root=media_root, visit_pk=visit_pk, person_pk=person_pk,
        )  # fmt: skip


def record_form(portal: Portal, token: str, csrf: str) -> dict:
    from django.utils import timezone

    return {
        "csrfmiddlewaretoken": csrf,
        "token": token,
        "staff": portal.person_pk,
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "type": "late_or_early_leave",
        "description": "Đến muộn 40 phút.",
        "explanation": "Xe hỏng.",
        "witnesses": "",
        "signature": "refused",
        "photos": jpeg(),
    }


@pytest.mark.postgresql
def test_it_loses_nothing_when_the_database_goes_away_while_a_record_is_saved(portal):
    browser = Browser(portal.base_url)
    browser.sign_in("inspector", PASSWORD)
    page = reverse("inspections:record_new", args=[portal.visit_pk])
    status, _location, html = browser.request(page)
    assert status == 200
    form = record_form(
        portal, browser.hidden(html, "token"), browser.hidden(html, "csrfmiddlewaretoken")
    )
    before = portal.counts()
    trail_before = portal.verify_audit()

    # The last statement before COMMIT: the record, its audit entries, its photo and its
    # evidence rows are all written in the open transaction when the connection dies.
    portal.relay.cut_when_sent(b'INSERT INTO "inspections_formsubmission"')
    status, _location, html = browser.request(page, form, multipart=True)

    assert portal.relay.cut_done.is_set()
    assert status == 503
    assert UNAVAILABLE in html
    assert "Traceback" not in html
    assert portal.counts() == before
    assert portal.evidence_files() == []  # the photo written before the fault is gone too
    assert portal.verify_audit() == trail_before

    # While the database is away, every page says so, and so does the health check.
    assert browser.request(page)[0] == 503
    assert browser.request("/healthz")[0] == 503

    portal.relay.restore()

    assert browser.request("/healthz")[0] == 200
    status, _location, html = browser.request(page)
    assert status == 200
    form["photos"] = jpeg()
    status, location, _html = browser.request(page, form, multipart=True)  # the same form again
    assert status == 302
    assert location.startswith("/inspections/records/")
    after = portal.counts()
    assert after["inspections_violationrecord"] == before["inspections_violationrecord"] + 1
    # created, photo added
    assert after["inspections_auditentry"] == before["inspections_auditentry"] + 2
    assert after["inspections_evidence"] == before["inspections_evidence"] + 1
    # the original, its copy without metadata and its thumbnail
    assert len(portal.evidence_files()) == 3
    assert "Nhật ký nguyên vẹn" in portal.verify_audit()
    # One gunicorn worker served it all: nothing was restarted.
    assert portal.log.read_text().count("Booting worker") == 1


@pytest.mark.postgresql
def test_it_loses_nothing_when_the_database_goes_away_during_an_import(portal):
    portal.relay.restore()  # whatever the test before left
    browser = Browser(portal.base_url)
    browser.sign_in("reviewer", PASSWORD)
    status, _location, html = browser.request(reverse("personnel:import"))
    assert status == 200
    rows = "".join(f"N{n:05},Nguyễn Văn {n},P-A,cong_chuc\n" for n in range(STAFF_ROWS))
    upload = SimpleUploadedFile(
        "staff.csv", f"staff_code,full_name,agency_code,category\n{rows}".encode()
    )
    status, location, _html = browser.request(
        reverse("personnel:import"),
        {
            "csrfmiddlewaretoken": browser.hidden(html, "csrfmiddlewaretoken"),
            "kind": "staff",
            "file": upload,
        },
        multipart=True,
    )
    assert (status, location) == (302, reverse("personnel:import_preview"))
    status, _location, html = browser.request(location)
    assert status == 200
    confirmation = {
        "csrfmiddlewaretoken": browser.hidden(html, "csrfmiddlewaretoken"),
        "file": browser.hidden(html, "file"),
    }
    before = portal.counts()

    # The staff rows are copied in; the postings are next.
    portal.relay.cut_when_sent(b'COPY "personnel_posting"')
    status, _location, html = browser.request(reverse("personnel:import_confirm"), confirmation)

    assert portal.relay.cut_done.is_set()
    assert status == 503
    assert UNAVAILABLE in html
    assert portal.counts() == before

    portal.relay.restore()
    status, _location, html = browser.request(reverse("personnel:import_preview"))
    assert status == 200  # the file still waits for its confirmation
    status, location, _html = browser.request(reverse("personnel:import_confirm"), confirmation)

    assert (status, location) == (302, reverse("personnel:import"))
    after = portal.counts()
    assert after["personnel_staff"] == before["personnel_staff"] + STAFF_ROWS
    assert after["personnel_posting"] == before["personnel_posting"] + STAFF_ROWS
    assert portal.log.read_text().count("Booting worker") == 1


@pytest.mark.postgresql
def test_it_serves_the_first_request_after_the_database_came_back_while_idle(portal):
    portal.relay.restore()
    browser = Browser(portal.base_url)
    browser.sign_in("inspector", PASSWORD)
    page = reverse("inspections:record_new", args=[portal.visit_pk])
    assert browser.request(page)[0] == 200
    with portal.relay.lock:
        assert portal.relay.links, "the worker keeps its connection open through the relay"

    # The database restarts between two requests: the kept connection is dead, unnoticed.
    portal.relay.cut()
    portal.relay.restore()

    # CONN_HEALTH_CHECKS: the dead connection is found before use and replaced, no 503.
    assert browser.request(page)[0] == 200
