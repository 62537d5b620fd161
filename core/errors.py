"""The one error type of the portal's services."""

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """A refusal: a constant, translatable message and the values it names.

    Every service raises it and every view, form and command shows it the same way, as
    `str(error)`, in the active language. Tests compare `error.message` with the constant.
    """

    def __init__(self, message: Promise | str, **params: Any):
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        # A lazy ngettext message picks its plural form from the params, so % comes first.
        return str(self.message % self.params) if self.params else str(self.message)
