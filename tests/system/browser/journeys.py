"""What the journey tests share: a small city made through the real services, signing in, the
expected texts in either language, and the two checks run on every main page (no string left
in the other language, no serious accessibility finding from axe-core)."""

import datetime
import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import polib
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from emulation import services as emulation_services
from emulation.models import Period
from inspections import services
from inspections.models import InspectionRound, ViolationRecord, Visit
from personnel.models import Posting, Role, Staff, StaffCategory, Unit, UnitKind, User
from tests.conftest import PROJECT_DIR, restore_seeded_rows
from tests.factories import make_user, visit_started_earlier

PASSWORD = "a-long-test-passphrase"
AXE = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
CATALOGUE = PROJECT_DIR / "locale" / "vi" / "LC_MESSAGES" / "django.po"


# --- The city ------------------------------------------------------------------------------


@dataclass
class City:
    unit_a: Unit
    unit_b: Unit
    inspector: User
    reviewer: User
    council: User
    unit_head: User
    people: dict[str, Staff] = field(default_factory=dict)
    round: InspectionRound | None = None


# Unit A's people. "nguyen thi hang" must find Hằng alone, not Hương nor Hùng.
PEOPLE_OF_A = [
    ("DK-001", "Nguyễn Thị Hằng", "Chuyên viên một cửa", "0101.001.CC"),
    ("DK-002", "Nguyễn Văn Hùng", "Công chức địa chính", "0101.002.CC"),
    ("DK-003", "Nguyễn Thị Hương", "Văn thư", "0101.003.CC"),
]
PEOPLE_OF_B = [("HD-001", "Lưu Văn Bình", "Công chức tư pháp", "0202.001.CC")]


def build_city() -> City:
    """Two units, their people, one persona per role and today's surprise round."""
    # serialized_rollback puts the migrations' rows back, except after some orders of
    # tests (a flush between two runs); putting them back again changes nothing.
    restore_seeded_rows()
    unit_a = Unit.objects.create(code="P-DK", name="Phường Đông Kinh", kind=UnitKind.WARD)
    unit_b = Unit.objects.create(code="X-HD", name="Xã Hoàng Đồng", kind=UnitKind.COMMUNE)
    city = City(
        unit_a=unit_a,
        unit_b=unit_b,
        inspector=make_user(
            "thanhtra_test", role=Role.INSPECTOR, first_name="Khôi", last_name="Trần"
        ),
        reviewer=make_user("noivu_test", role=Role.REVIEWER, first_name="Lan", last_name="Phạm"),
        council=make_user("hoidong_test", role=Role.COUNCIL),
        unit_head=make_user("truongdonvi_test", role=Role.UNIT_HEAD, unit=unit_a),
    )
    for unit, people in ((unit_a, PEOPLE_OF_A), (unit_b, PEOPLE_OF_B)):
        for code, name, position, badge in people:
            person = Staff.objects.create(
                code=code,
                full_name=name,
                position=position,
                badge_number=badge,
                category=StaffCategory.CONG_CHUC,
                hired_on=datetime.date(2015, 1, 1),
            )
            Posting.objects.create(staff=person, unit=unit, starts_on=datetime.date(2015, 1, 1))
            city.people[name] = person
    today = timezone.localdate()
    city.round = services.round_create(
        code="DX-05",
        name="Kiểm tra đột xuất tháng này",
        kind="surprise",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=3),
        lead=city.inspector,
        members=[],
        units=[unit_a, unit_b],
        team_decision_number="125/QĐ-UBND",
        team_decision_date=today,
        team_decision_signer="Hoàng Văn Nam",
        team_decision_signer_title="Chủ tịch UBND thành phố",
    )
    return city


def photo_bytes() -> bytes:
    """A real PNG, as a phone's camera would send (small, so the test stays quick)."""
    out = io.BytesIO()
    image = Image.new("RGB", (120, 90), (200, 30, 40))
    for x in range(30, 90):
        for y in range(20, 70):
            image.putpixel((x, y), (250, 220, 0))
    image.save(out, format="PNG")
    return out.getvalue()


def visit_at(city: City, unit: Unit) -> Visit:
    existing = Visit.objects.filter(round=city.round, unit=unit).first()
    # Begun a while ago: the journeys' records are of what the team saw since.
    return existing or visit_started_earlier(
        services.visit_start(inspection_round=city.round, unit=unit, actor=city.inspector)
    )


def submitted_record(
    city: City,
    person: Staff,
    *,
    type: str = "no_badge",
    minutes_ago: int = 45,
    photo: bool = False,
) -> ViolationRecord:
    """A record written at today's visit to the person's unit and submitted (numbered)."""
    unit = person.postings.get().unit
    record = services.record_create(
        author=city.inspector,
        staff=person,
        unit=unit,
        visit=visit_at(city, unit),
        occurred_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        type=type,
        description="Không đeo thẻ công chức khi tiếp công dân tại bộ phận một cửa.",
        photos=[SimpleUploadedFile("anh.png", photo_bytes(), "image/png")] if photo else [],
    )
    return services.record_submit(record=record, actor=city.inspector)


def confirmed_record(city: City, person: Staff, **options) -> ViolationRecord:
    record = submitted_record(city, person, **options)
    return services.record_confirm(record=record, reviewer=city.reviewer, note="")


def this_years_period(city: City, nominees: list[tuple[Staff, str]]) -> Period:
    """This calendar year's period, collecting, with the given (person, title code) nominated
    by their own units, each rated "tasks completed well"."""
    year = timezone.localdate().year
    period = emulation_services.period_create(
        code=str(year),
        name=f"Năm {year}",
        starts_on=datetime.date(year, 1, 1),
        ends_on=datetime.date(year, 12, 31),
        # The journey sends the list to the council whatever the month it runs in.
        review_opens_on=datetime.date(year, 1, 1),
    )
    for person, title in nominees:
        emulation_services.nomination_create(
            period_code=period.code,
            staff_code=person.code,
            title_code=title,
            unit=person.postings.get().unit,
            submitted_by=None,
            rating="tot",
        )
    return period


# --- Signing in and the language ------------------------------------------------------------


def t(language: str, message: str, **params) -> str:
    """`message` as the user reads it in `language` (the catalogue's, not the test's, words)."""
    with translation.override(language):
        text = translation.gettext(message)
    return text % params if params else text


def tn(language: str, singular: str, plural: str, count: int, **params) -> str:
    with translation.override(language):
        return translation.ngettext(singular, plural, count) % {"counter": count, **params}


def label(language: str, choice) -> str:
    with translation.override(language):
        return str(choice.label)


def log_in(page, username: str, language: str):
    """Sign in through the login page; for English, with the language switch first."""
    page.goto("/accounts/login/")
    if language == "en":
        page.click("button[value=en]")
    assert page.locator("html").get_attribute("lang") == language
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    assert page.locator(".user-bar__name").count() == 1, "still on the login page"


def open_menu(page):
    """On a phone the menu waits behind its one button; on a wide screen it is shown."""
    toggle = page.locator(".site-menu__toggle")
    if toggle.is_visible() and page.locator(".site-menu[open]").count() == 0:
        toggle.click()


def menu_texts(page) -> list[str]:
    open_menu(page)
    return page.locator(".main-nav a").all_inner_texts()


def go_by_menu(page, href: str):
    open_menu(page)
    page.click(f".main-nav a[href='{href}']")


def heading(page) -> str:
    page.wait_for_load_state("domcontentloaded")
    return page.locator("main h1").inner_text().strip()


def messages_of(page) -> list[str]:
    page.wait_for_load_state("domcontentloaded")
    return [text.strip() for text in page.locator(".messages .message").all_inner_texts()]


def loaded_width(image) -> int:
    """The natural width of an <img> once it has loaded (0 if it could not be)."""
    return image.evaluate(
        """img => img.complete ? img.naturalWidth : new Promise(done => {
               img.addEventListener('load', () => done(img.naturalWidth));
               img.addEventListener('error', () => done(0)); })"""
    )


# --- Strings left in the other language ------------------------------------------------------

# Placeholders of both template and Python formats, and markup inside a message.
_PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]|%[sd]|\{\{[^}]*\}\}|\{[^}]*\}|<[^>]+>")
_EDGES = " \t\n.,:;·—–-()“”\"'«»?!…/"


def _fragments(text: str, min_words: int) -> list[str]:
    pieces = (" ".join(piece.split()).strip(_EDGES) for piece in _PLACEHOLDER.split(text))
    return [piece for piece in pieces if len(piece.split()) >= min_words]


@functools.cache
def catalogue_phrases() -> tuple[frozenset[str], frozenset[str]]:
    """(Vietnamese phrases of three words or more, English phrases of two or more) of the
    catalogue's translated entries whose translation differs from the English."""
    vietnamese, english = set(), set()
    for entry in polib.pofile(str(CATALOGUE)).translated_entries():
        if entry.msgid_plural:
            pairs = [(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, "")]
            pairs += [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, translated in pairs:
            if translated and source != translated:
                vietnamese.update(_fragments(translated, 3))
            all_translations = " ".join([entry.msgstr, *entry.msgstr_plural.values()])
            english.update(
                phrase for phrase in _fragments(source, 2) if phrase not in all_translations
            )
    return frozenset(vietnamese), frozenset(english)


def visible_text(page) -> str:
    """What the user can read (innerText skips hidden elements), plus the labels a screen
    reader announces (aria-label, alt, placeholder, title); without the words marked as
    another language on purpose (lang="vi" on a spreadsheet's headers, the language switch)."""
    page.wait_for_load_state()
    return page.evaluate(
        """() => {
            const own = document.documentElement.lang;
            const foreign = [...document.body.querySelectorAll('[lang]')]
              .filter(e => e.lang !== own);
            const displays = foreign.map(e => e.style.display);
            foreign.forEach(e => { e.style.display = 'none'; });
            const text = [document.body.innerText, document.title,
              ...[...document.querySelectorAll('[aria-label],[alt],[placeholder],[title]')]
                .filter(e => !foreign.some(f => f.contains(e)))
                .map(e => [e.getAttribute('aria-label'), e.getAttribute('alt'),
                           e.getAttribute('placeholder'), e.getAttribute('title')].join(' '))
            ].join('\\n');
            foreign.forEach((e, i) => { e.style.display = displays[i]; });
            return text;
        }"""
    )


def leftovers(page, language: str) -> list[str]:
    """Catalogue phrases of the other language found on the page."""
    text = " ".join(visible_text(page).split())
    vietnamese, english = catalogue_phrases()
    if language == "en":
        return sorted(phrase for phrase in vietnamese if phrase in text)
    return sorted(
        phrase
        for phrase in english
        if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, flags=re.IGNORECASE)
    )


# --- Accessibility --------------------------------------------------------------------------


@functools.cache
def _axe_source() -> str:
    return Path(AXE).read_text(encoding="utf-8")


def axe_findings(page) -> list[str]:
    """axe-core's serious and critical findings on the page.

    The script goes in through the DevTools protocol (page.evaluate), which the page's CSP
    does not govern; add_script_tag would write an inline <script>, which the CSP refuses.
    """
    page.wait_for_load_state()
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => `${v.id} (${v.impact}): ${v.help} at `
                        + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
        }"""
    )
    return found


def check_page(page, language: str, *, width: int | None = None):
    """Every main page of a journey: nothing in the other language, no serious axe finding
    (once, on the Vietnamese run: the markup is the same), nothing wider than the phone."""
    found = leftovers(page, language)
    assert found == [], f"{page.url}: left in the other language: {found}"
    if language == "vi":
        require_axe()
        findings = axe_findings(page)
        assert findings == [], f"{page.url}: axe-core: {findings}"
    if width is not None:
        assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def require_axe():
    if not AXE.exists():
        pytest.skip("needs axe-core in node_modules/ (`npm ci`; make test runs it)")


def prepared_file_link(page, button_text: str):
    """Ask for a file prepared in the background (a button that posts), wait on the "being
    prepared" page until its download link shows, and return that link."""
    page.click(f"main button:has-text('{button_text}')")
    page.wait_for_url(re.compile(r"/exports/[0-9a-f-]+/$"))
    link = page.locator("main a[href$='/download/']")
    # The page looks again by itself every few seconds while the worker prepares the file.
    link.wait_for(timeout=30_000)
    return link


# --- The phone's screen ---------------------------------------------------------------------

# WCAG 2.5.5: 44 by 44 CSS pixels. A link inside a sentence is exempt (it cannot grow without
# breaking the line); anything standing on its own is not.
TAP = 44


def phone_findings(page) -> dict:
    """On a page as it opens: the header's height, the page's width, and the tap targets
    smaller than TAP (those the menu holds too, measured with the menu open)."""
    page.wait_for_load_state()
    measure = """tap => {
        const standalone = e => {
            if (e.tagName !== 'A' || getComputedStyle(e).display !== 'inline') return true;
            return e.parentElement.textContent.trim() === e.textContent.trim();
        };
        return [...document.querySelectorAll('a[href], button, summary, input[type=submit]')]
          .filter(e => !e.closest('.skip-link, .visually-hidden') && e.getClientRects().length)
          .filter(standalone)
          .map(e => [e, e.getBoundingClientRect()])
          .filter(([e, r]) => r.width < tap - 0.5 || r.height < tap - 0.5)
          .map(([e, r]) => `${(e.innerText || e.value || '').trim().slice(0, 30)}`
                           + ` ${Math.round(r.width)}x${Math.round(r.height)}`);
    }"""
    header = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
    width = page.evaluate("document.documentElement.scrollWidth")
    small = page.evaluate(measure, TAP)
    toggle = page.locator(".site-menu__toggle")
    if toggle.count() and toggle.is_visible():
        toggle.click()
        small += [f"(menu) {text}" for text in page.evaluate(measure, TAP) if text not in small]
        toggle.click()
    return {"header": header, "width": width, "small": small}
