"""Role gates for views, declared once on the view and read by the navigation."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def role_required(*roles: str):
    """Let in signed-in users holding one of `roles` (administrators hold all); 403 otherwise.

    Anonymous users go to the login page first.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        guarded = login_required(wrapped)
        guarded.allowed_roles = frozenset(roles)
        return guarded

    return decorator
