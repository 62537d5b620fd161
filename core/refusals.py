"""The trail of refused steps: a bad input changes nothing but leaves an entry."""

import functools
from collections.abc import Callable

from django.conf import settings
from django.db import models
from django.utils import translation

from core.errors import DomainError
from core.models import Refusal


def _subject_text(subject) -> str:
    if isinstance(subject, models.Model):
        return f"{subject._meta.label_lower} {subject.pk}"
    return "" if subject is None else str(subject)[:255]


def note_refusal(*, action: str, actor, subject, message) -> Refusal:
    """Keep a refusal; `message` is what the user was shown, kept in the portal's language.

    Call it outside the refused step's transaction (a rolled-back transaction takes the entry
    with it)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message)
    return Refusal.objects.create(
        actor=getattr(actor, "username", "") or "",
        action=action,
        subject=_subject_text(subject),
        message=text,
    )


def refusals_noted(action: str, *, actor: str, subject: str) -> Callable:
    """Note every DomainError the decorated service raises, then raise it on.

    `actor` and `subject` name the service's keyword arguments. Put it above
    `transaction.atomic`, so the entry is written after the service's transaction ended.
    """

    def decorate(service):
        @functools.wraps(service)
        def noting(*args, **kwargs):
            try:
                return service(*args, **kwargs)
            except DomainError as refusal:
                note_refusal(
                    action=action,
                    actor=kwargs.get(actor),
                    subject=kwargs.get(subject),
                    message=refusal,
                )
                raise

        return noting

    return decorate
