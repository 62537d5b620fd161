import time

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpResponseNotAllowed
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """Vietnamese unless the user chose English with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many
    office browsers are set to English; the portal's default must stay Vietnamese.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


# The session's last-refresh time (seconds since the epoch) is kept in the session itself.
REFRESHED_AT_KEY = "_refreshed_at"
REFRESH_EVERY_SECONDS = 60


def refresh_interval() -> int:
    # A minute, or less for very short idle timeouts (SESSION_IDLE_MINUTES=1).
    return min(REFRESH_EVERY_SECONDS, settings.SESSION_COOKIE_AGE // 10)


def mark_refreshed_at_login(sender, request, user, **kwargs):
    """The sign-in saves the session anyway; the next pages need not save it again."""
    if request is not None and hasattr(request, "session"):
        request.session[REFRESHED_AT_KEY] = int(time.time())


class SessionRefreshMiddleware:
    """Pushes the session's expiry forward at most once a minute instead of on every request.

    SESSION_SAVE_EVERY_REQUEST would write the session row on every page. Here a session is
    saved only when the view changed it or its last refresh is a minute old or more (less for
    idle timeouts under ten minutes), so the expiry (SESSION_COOKIE_AGE, SESSION_IDLE_MINUTES)
    counts from a moment at most a minute before the last request: an idle session ends
    between SESSION_IDLE_MINUTES - 1 and SESSION_IDLE_MINUTES after it, never later. Placed
    after SessionMiddleware, so that it runs on the answer before SessionMiddleware saves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = request.session
        # An empty session (no cookie, or just signed out) is not created by refreshing it.
        if session.is_empty() or not session.keys():
            return response
        now = int(time.time())
        refreshed_at = session.get(REFRESHED_AT_KEY)
        # abs(): a clock set back (or another server's clock behind) refreshes, not freezes.
        if (
            session.modified
            or not isinstance(refreshed_at, int)
            or abs(now - refreshed_at) >= refresh_interval()
        ):
            session[REFRESHED_AT_KEY] = now
        return response


NUL = "\x00"


class RefuseNulMiddleware:
    """A request with NUL in its address, query or form fields gets the 400 page.

    No one types NUL; a script or a broken client may send it, and PostgreSQL refuses it in
    text, so a value that reaches a query unchecked would answer 500 instead of a refusal.
    Django's form fields refuse NUL already; this covers the address and the parameters read
    without a form. A multipart body (an upload) is not read here: its size is checked by the
    view before anything reads it, and its fields go through forms.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = [request.GET]
        if request.content_type == "application/x-www-form-urlencoded":
            fields.append(request.POST)
        if NUL in request.path or any(
            NUL in key or any(NUL in value for value in values)
            for data in fields
            for key, values in data.lists()
        ):
            raise BadRequest("NUL in the request")
        return self.get_response(request)


ALLOWED_METHODS = ("GET", "HEAD", "POST")


class AllowedMethodsMiddleware:
    """Every method but GET, HEAD and POST gets 405: no page of the portal takes another.

    A function view answers whatever method it does not refuse itself, so OPTIONS or TRACE
    would get the page, or a file to download, and PUT would be read as a GET. One check here
    holds for every view, the ones to come included.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ALLOWED_METHODS:
            return HttpResponseNotAllowed(ALLOWED_METHODS)
        return self.get_response(request)
