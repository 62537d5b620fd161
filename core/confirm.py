"""Steps that cannot be undone ask once more: a page that says what will happen and posts the
same fields again, confirmed. It needs no JavaScript."""

from functools import wraps

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

CONFIRMED = "confirmed"


def _back(request) -> str:
    """Where "go back" leads: the page the step was asked from, when it is this site's."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return "/"


def asks_once_more(question, *, button, typed_last=None):
    """Decorate a POST view: a post without `confirmed=yes` gets a page stating `question`
    (what will happen) with one button, of the consequential style, that posts the same
    fields again, confirmed. Place it under the role check, so that only those who may take
    the step are asked.

    `typed_last`: a form class whose fields are typed on that page itself (a token's PIN).
    They are never carried over from the first post nor written into the page.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST" and request.POST.get(CONFIRMED) != "yes":
                typed = set(typed_last.base_fields) if typed_last else set()
                fields = [
                    (name, value)
                    for name, values in request.POST.lists()
                    if name not in ("csrfmiddlewaretoken", CONFIRMED, *typed)
                    for value in values
                ]
                context = {
                    "question": question,
                    "button": button,
                    "fields": fields,
                    "action": request.path,
                    "back": _back(request),
                    "typed_form": typed_last() if typed_last else None,
                }
                return render(request, "confirm.html", context)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
