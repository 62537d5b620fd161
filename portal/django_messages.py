"""Django's own form messages that its Vietnamese catalogue leaves untranslated.

Listed here so that makemessages puts them in the portal's catalogue, which is read before
Django's: a user of the Vietnamese portal never meets an English message from a form field.
Only those a page of the portal can show are listed (tests/test_hostile_input.py).
"""

from django.utils.translation import gettext_noop

DJANGO_MESSAGES = (
    gettext_noop("Null characters are not allowed."),  # every CharField
    gettext_noop("“%(pk)s” is not a valid value."),  # ModelMultipleChoiceField: a round's team
)
