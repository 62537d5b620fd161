"""Vietnamese by default, English on request, every string translated, dates dd/mm/yyyy."""

import datetime
import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

PROJECT_DIR = Path(__file__).resolve().parent.parent


def test_it_speaks_vietnamese_even_to_an_english_browser(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html
    assert response["Content-Language"] == "vi"


def test_it_switches_to_english_and_back(client, db):
    to_english = client.post(
        reverse("set_language"), {"language": "en", "next": "/accounts/login/"}
    )
    english = client.get(reverse("login")).content.decode()
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    vietnamese = client.get(reverse("login")).content.decode()

    assert to_english.status_code == 302
    assert to_english["Location"] == "/accounts/login/"
    assert '<html lang="en">' in english
    assert "Sign in" in english
    assert "Đăng nhập" in vietnamese


def test_it_ignores_an_unknown_language_cookie(client, db, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    html = client.get(reverse("login")).content.decode()

    assert '<html lang="vi">' in html


@pytest.mark.parametrize("language", ["vi", "en"])
def test_it_writes_dates_day_first_in_local_time(language):
    # 23:30 UTC on 31 Dec 2019 is already 1 Jan 2020 in Hà Nội.
    moment = datetime.datetime(2019, 12, 31, 23, 30, tzinfo=datetime.UTC)
    template = Template("{{ moment|date:'SHORT_DATE_FORMAT' }} {{ moment|date:'DATETIME_FORMAT' }}")

    with translation.override(language), timezone.override("Asia/Ho_Chi_Minh"):
        text = template.render(Context({"moment": moment}))

    assert text == "01/01/2020 01/01/2020 06:30"


def catalogue(language: str, root: Path = PROJECT_DIR) -> polib.POFile:
    return polib.pofile(str(root / f"locale/{language}/LC_MESSAGES/django.po"))


def test_it_has_a_vietnamese_translation_for_every_string():
    vietnamese = catalogue("vi")

    untranslated = [entry.msgid for entry in vietnamese.untranslated_entries()]
    fuzzy = [entry.msgid for entry in vietnamese.fuzzy_entries()]

    assert len(vietnamese) > 50
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs gettext (CI installs it)")
def test_it_has_every_string_of_the_code_in_the_catalogues(tmp_path):
    # Extract the strings afresh from a copy of the code and compare with the committed catalogues.
    copy = tmp_path / "project"
    shutil.copytree(
        PROJECT_DIR,
        copy,
        ignore=shutil.ignore_patterns(".venv", "var", ".git", "__pycache__", "*.mo", ".*cache"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "-l", "en", "--no-obsolete",
         "--no-location", "--ignore", "tests/*", "--ignore", "var/*"],
        cwd=copy, check=True, capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true"},
    )  # fmt: skip

    for language in ("vi", "en"):
        fresh = {entry.msgid for entry in catalogue(language, root=copy)}
        committed = {entry.msgid for entry in catalogue(language)}
        assert sorted(fresh - committed) == [], f"run `make messages` ({language})"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_it_ships_compiled_catalogues_matching_the_sources(language):
    compiled_path = PROJECT_DIR / f"locale/{language}/LC_MESSAGES/django.mo"
    with compiled_path.open("rb") as compiled:
        compiled_catalogue = gettext.GNUTranslations(compiled)

    for entry in catalogue(language).translated_entries():
        if not entry.msgid_plural:
            assert compiled_catalogue.gettext(entry.msgid) == entry.msgstr, "run `make messages`"
