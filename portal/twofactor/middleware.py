from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from portal.twofactor.selectors import CODE
from portal.twofactor.steps import pending_step

# Reachable while the second step is owed, besides the step's own page.
ALWAYS_OPEN = frozenset({"logout", "set_language"})


class SecondStepMiddleware:
    """Holds a user who signed in with a password at the second step until it is done.

    A user with a confirmed TOTP device reaches only the code page; an administrator
    without one only the enrolment page. Needs django_otp's OTPMiddleware before it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = pending_step(request)
        if step:
            target = "twofactor:login_code" if step == CODE else "twofactor:enrol"
            try:
                view_name = resolve(request.path_info).view_name
            except Resolver404:
                view_name = None
            if view_name != target and view_name not in ALWAYS_OPEN:
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse(target)}?{query}")
        return self.get_response(request)
