"""`make screenshots`: the main screens of the demo city, at phone and desktop sizes, into
docs/screenshots/.

Builds a scratch SQLite database under var/screenshots/ (migrate, seed_demo), serves it with
Django's own server on a free port of 127.0.0.1, signs each demo account in with Debian's
Chromium (the browser tests' settings) and photographs its pages; the first page of a reviewed
record's minutes is rendered from its PDF with pdftoppm (poppler-utils). Nothing is downloaded;
the scratch folder is removed at the end.
"""

import datetime
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from bench.servers import free_port  # noqa: E402
from tests.system.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, DESKTOP, PHONE  # noqa: E402

OUT = PROJECT_DIR / "docs" / "screenshots"
SCRATCH = PROJECT_DIR / "var" / "screenshots"
DESKTOP_MAX_HEIGHT = 2400  # the dashboard is ten screens long; its top says enough

# (file name, size, account or None for a visitor, path or a step, what it shows)
SHOTS = [
    ("inspector-home-phone", PHONE, "thanhtra", "/", "today's visits first"),
    ("inspector-menu-phone", PHONE, "thanhtra", "menu", "the menu behind its one button"),
    ("inspector-rounds-phone", PHONE, "thanhtra", "/inspections/rounds/", "rounds"),
    ("inspector-visit-phone", PHONE, "thanhtra", "visit", "today's visit under way"),
    ("inspector-roll-call-phone", PHONE, "thanhtra", "roll_call", "the roll call in place"),
    (
        "inspector-offline-phone",
        PHONE,
        "thanhtra",
        "roll_call_offline",
        "the roll call without a network, two marks waiting to be sent",
    ),
    ("inspector-record-form-phone", PHONE, "thanhtra", "record_form", "a new record"),
    ("citizen-report-phone", PHONE, None, "/phan-anh/", "the public report form"),
    ("review-queue-desktop", DESKTOP, "noivu", "/inspections/review/", "minutes to review"),
    ("dashboard-desktop", DESKTOP, "noivu", "/bao-cao/?year=2019", "the 2019 dashboard"),
    ("dashboard-phone", PHONE, "noivu", "/bao-cao/?year=2019", "the dashboard on a phone"),
    ("council-list-desktop", DESKTOP, "hoidong", "/emulation/periods/2019/", "council list"),
    ("unit-nominations-phone", PHONE, "truongdonvi", "/emulation/nominations/", "unit head"),
    ("discipline-list-desktop", DESKTOP, "noivu", "/inspections/discipline/", "discipline"),
    ("this-year-list-desktop", DESKTOP, "hoidong", "this_year_period", "this year's list"),
    ("confirm-step-phone", PHONE, "thanhtra", "confirm_step", "a step asked once more"),
    (
        "this-year-collectives-desktop",
        DESKTOP,
        "hoidong",
        "this_year_collectives",
        "this year's collective titles",
    ),
]

# The council's documents of the demo's 2019, each rendered page by pdftoppm.
DOCUMENT_PAGES = ["council-list-pdf", "council-meeting-pdf", "award-decision-pdf"]
# Records the council's meeting on 2019 (its secretary: the demo's council member), then writes
# the three documents as emulation.documents makes them.
DOCUMENTS_CODE = """
import datetime, sys
from zoneinfo import ZoneInfo
from emulation import documents, services
from emulation.models import Period
from personnel.models import User
period = Period.objects.get(code="2019")
secretary = User.objects.get(username="hoidong")
services.period_secretary_set(period=period, secretary=secretary, user=secretary)
period.refresh_from_db()
services.council_meeting_record(
    period=period, user=secretary, place="Phòng họp số 1, trụ sở Ủy ban nhân dân thành phố",
    held_at=datetime.datetime.combine(period.approved_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date(),
                                      datetime.time(14, 0), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
    chair="Chủ tịch Hội đồng (tên minh họa)", members_present=9, members_absent=2,
    votes_agree=9, votes_disagree=0, votes_abstain=0,
)
out = sys.argv[-1]
for name, make in [("council-list-pdf", documents.council_list),
                   ("council-meeting-pdf", documents.meeting_minutes),
                   ("award-decision-pdf", documents.award_decision_pdf)]:
    with open(f"{out}/{name}.pdf", "wb") as file:
        file.write(make(period=period))
"""


def document_pages(env: dict[str, str]) -> None:
    """The first page of each council document, as a PNG beside the screens."""
    script = SCRATCH / "documents.py"
    script.write_text(DOCUMENTS_CODE.replace("sys.argv[-1]", repr(str(SCRATCH))))
    manage("shell", "--command", script.read_text(), env=env)
    for name in DOCUMENT_PAGES:
        subprocess.run(  # noqa: S603
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",  # noqa: S607
             str(SCRATCH / f"{name}.pdf"), str(OUT / name)],
            check=True,
        )  # fmt: skip
        print(f"docs/screenshots/{name}.png")


# The period of this year is named by the Vietnamese calendar year.
LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def environment() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "DJANGO_", "MEDIA_", "CACHE_"))
    }
    env.update(
        DEBUG="true",  # Django's server then serves the static files itself
        HTTPS="false",
        SECRET_KEY="screenshots-" + os.urandom(32).hex(),
        DATABASE_URL=f"sqlite:///{SCRATCH / 'db.sqlite3'}",
        MEDIA_ROOT=str(SCRATCH / "media"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    return env


# The first confirmed minutes of the demo's current round, as an official would print them.
MINUTES_SCRIPT = """
from pathlib import Path
from inspections.minutes import render_minutes
from inspections.models import ViolationRecord
record = ViolationRecord.objects.filter(status="confirmed", visit__isnull=False).order_by(
    "-number_year", "number_sequence"
).first()
Path({path!r}).write_bytes(render_minutes(record))
"""


def minutes_page(env: dict[str, str]) -> Path:
    """The first page of a reviewed record's minutes as PNG, from the PDF the portal makes."""
    pdf = SCRATCH / "minutes.pdf"
    manage(
        "shell",
        "-c",
        MINUTES_SCRIPT.format(path=str(pdf)),
        env={**env, "DOCUMENT_PLACE": "Lạng Sơn"},
    )
    target = OUT / "minutes-pdf"
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("needs pdftoppm (apt-get install poppler-utils)")
    subprocess.run(  # noqa: S603
        [pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(target)],
        check=True,
    )
    return target.with_suffix(".png")


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, check=True)  # noqa: S603


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (local)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url}")


def go(page, target: str) -> float:
    """Open the page of `target`; the height at which its picture starts (0: the top)."""
    if target == "this_year_period":
        page.goto(f"/emulation/periods/{datetime.datetime.now(LOCAL_ZONE).year}/")
        return 0
    if target == "this_year_collectives":
        page.goto(f"/emulation/periods/{datetime.datetime.now(LOCAL_ZONE).year}/?nominee=unit")
        # From the list's heading down.
        return page.locator("main h2", has_text="Đề nghị khen thưởng").bounding_box()["y"] - 24
    if target == "confirm_step":
        # Today's draft, submitted: the page that asks once more.
        page.goto("/inspections/rounds/")
        page.locator("a.tap-list__item").first.click()
        visits = [link.get_attribute("href") for link in page.locator("a.tap-list__item").all()]
        for visit in visits:
            page.goto(visit)
            draft = page.locator("a.record-row", has_text="nháp")
            if draft.count():
                draft.first.click()
                break
        page.click("main form[action$='/submit/'] button")
        return 0
    if target.startswith("/"):
        page.goto(target)
    elif target == "visit":
        page.goto("/inspections/rounds/")
        page.locator("a.tap-list__item").first.click()
        page.locator("a.tap-list__item").first.click()
    elif target == "record_form":
        go(page, "visit")
        page.locator("nav.big-actions a").last.click()
    elif target == "roll_call":
        go(page, "visit")
        page.locator("nav.big-actions a").first.click()
    elif target == "roll_call_offline":
        # The visit kept on the phone while online, then the network cut and two people marked.
        go(page, "visit")
        page.wait_for_selector("html[data-offline=ready]", state="attached")
        page.context.set_offline(True)
        page.locator("nav.big-actions a").first.click()
        page.wait_for_selector("html[data-offline=ready]", state="attached")
        # The demo's roll call is taken: two people found away on business since.
        for row in page.locator("li.roll-call__person").all()[:2]:
            row.locator("button[value=excused]").click()
        page.locator(".offline-queue__count", has_text="2").wait_for(timeout=10_000)
        page.evaluate("window.scrollTo(0, 0)")
        return 0
    elif target == "menu":
        page.goto("/")
        page.click(".site-menu__toggle")
    return 0


def main() -> None:
    if not shutil.which(CHROMIUM):
        raise SystemExit(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    shutil.rmtree(SCRATCH, ignore_errors=True)
    SCRATCH.mkdir(parents=True)
    OUT.mkdir(parents=True, exist_ok=True)
    env = environment()
    accounts_file = SCRATCH / "accounts.txt"
    manage("migrate", "--noinput", "--verbosity", "0", env=env)
    manage("seed_demo", "--accounts-file", str(accounts_file), env=env)
    document_pages(env)
    passwords = {
        username: password
        for _role, username, password in (
            line.split("\t") for line in accounts_file.read_text().splitlines()
        )
    }
    print(f"{minutes_page(env).relative_to(PROJECT_DIR)}  the minutes, first page")
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_for(f"{base_url}/healthz")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            for name, size, username, target, _what in SHOTS:
                context = browser.new_context(
                    viewport=size,
                    base_url=base_url,
                    locale="vi-VN",
                    timezone_id="Asia/Ho_Chi_Minh",
                )
                page = context.new_page()
                if username:
                    page.goto("/accounts/login/")
                    page.fill("#id_username", username)
                    page.fill("#id_password", passwords[username])
                    page.click("main button[type=submit]")
                top = go(page, target)
                path = OUT / f"{name}.png"
                if size == DESKTOP:
                    height = min(
                        page.evaluate("document.body.scrollHeight") - top, DESKTOP_MAX_HEIGHT
                    )
                    page.screenshot(
                        path=path,
                        full_page=True,
                        clip={"x": 0, "y": top, "width": size["width"], "height": height},
                    )
                else:
                    page.screenshot(path=path)
                print(f"{path.relative_to(PROJECT_DIR)}  {page.url.removeprefix(base_url)}")
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
