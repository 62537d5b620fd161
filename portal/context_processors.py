from portal.navigation import menu_for
from portal.twofactor.selectors import may_enrol


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {"menu": [], "may_enrol_two_factor": False}
    match = getattr(request, "resolver_match", None)
    return {
        "menu": menu_for(user, current_url_name=match.view_name if match else None),
        "may_enrol_two_factor": may_enrol(user=user),
    }
