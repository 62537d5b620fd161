import datetime
import logging
import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from inspections import selectors
from personnel.models import Role

logger = logging.getLogger(__name__)


def home(request):
    """The public welcome page, or the signed-in user's workspace. An inspector finds today's
    visits and rounds first, one tap from the visit; a unit head is told of their unit's records
    submitted or decided lately."""
    context = {}
    user = request.user
    if user.is_authenticated and user.has_role(Role.INSPECTOR):
        today = timezone.localdate()
        context["todays_visits"] = list(selectors.todays_visits(user=user, today=today))
        context["todays_rounds"] = list(selectors.todays_rounds(user=user, today=today))
    if user.is_authenticated and user.unit_id and user.has_role(Role.UNIT_HEAD):
        since = timezone.now() - datetime.timedelta(days=selectors.UNIT_NEWS_DAYS)
        count, shown = selectors.unit_record_news(unit=user.unit, since=since)
        context["unit_news"] = {"count": count, "records": shown, "days": selectors.UNIT_NEWS_DAYS}
    return render(request, "portal/home.html", context)


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Health check: database unreachable: %s", error)
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def csrf_failure(request, reason=""):
    # Usually a form left open past the session's expiry on a phone: say so plainly.
    return render(request, "403_csrf.html", status=403)


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes calls this when an account is locked out from an address."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


def server_error(request):
    """The 500 page; the 503 page when the database cannot be reached.

    Called by Django while it handles the exception, so sys.exc_info() tells which one.
    Rendered without the request: nothing here may touch the database again.
    """
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = HttpResponseServerError(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
