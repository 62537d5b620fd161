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


def asks_once_more(question, *, button):
    """Decorate a POST view: a post without `confirmed=yes` gets a page stating `question`
    (what will happen) with one button, of the consequential style, that posts the same
    fields again, confirmed. Place it under the role check, so that only those who may take
    the step are asked."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST" and request.POST.get(CONFIRMED) != "yes":
                fields = [
                    (name, value)
                    for name, values in request.POST.lists()
                    if name not in ("csrfmiddlewaretoken", CONFIRMED)
                    for value in values
                ]
                context = {
                    "question": question,
                    "button": button,
                    "fields": fields,
                    "action": request.path,
                    "back": _back(request),
                }
                return render(request, "confirm.html", context)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
