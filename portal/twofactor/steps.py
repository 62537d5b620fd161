"""Where a signed-in session stands on the second step, kept in the session.

The step is worked out once at login, so that pages of users without two-factor sign-in
cost no extra query; a session without it (or a superuser marked "nothing to do") is
worked out again, so a missing mark never lets anyone through.
"""

from django.http import HttpRequest

from portal.twofactor.selectors import CODE, ENROL, second_step_for

STEP_SESSION_KEY = "twofactor_step"


def remember_step_at_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[STEP_SESSION_KEY] = second_step_for(user=user)


def pending_step(request: HttpRequest) -> str:
    """CODE or ENROL while the signed-in user still owes that step; "" otherwise."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return ""
    step = request.session.get(STEP_SESSION_KEY)
    if step not in {CODE, ENROL, ""} or (step == "" and user.is_superuser):
        step = second_step_for(user=user)
        request.session[STEP_SESSION_KEY] = step
    return step
