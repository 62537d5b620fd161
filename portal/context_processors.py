from portal.navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {"menu": []}
    match = getattr(request, "resolver_match", None)
    return {"menu": menu_for(user, current_url_name=match.view_name if match else None)}
