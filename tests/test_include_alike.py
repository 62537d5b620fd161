"""`{% include_alike %}` writes a fragment that reads nothing but the language as
`{% include %}` did, character for character, in each language, kept after the first page."""

import pytest
from django.template import Context, Template
from django.template.autoreload import reset_loaders
from django.utils import translation

FRAGMENTS = [
    "inspections/_photo_position.html",
    "inspections/_card_finder.html",
    "inspections/_offline_kit.html",
]


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_it_writes_what_the_include_wrote(fragment, language):
    included = Template(f'{{% include "{fragment}" %}}')
    alike = Template(f'{{% load alike %}}{{% include_alike "{fragment}" %}}')

    with translation.override(language):
        expected = included.render(Context())
        first, kept = alike.render(Context()), alike.render(Context())

    assert first == kept == expected
    assert ("Scan card" in expected or "Quét thẻ" in expected) == (fragment == FRAGMENTS[1])


def test_it_renders_again_in_development(settings, tmp_path):
    template = tmp_path / "fragment.html"
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    settings.DEBUG = True
    alike = Template('{% load alike %}{% include_alike "fragment.html" %}')

    template.write_text("first")
    before = alike.render(Context())
    template.write_text("edited")
    reset_loaders()  # as runserver does when a template changes
    after = alike.render(Context())

    assert (before, after) == ("first", "edited")
