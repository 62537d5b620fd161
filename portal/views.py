import datetime
import logging
import sys

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles import finders
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
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


_log_out = auth_views.LogoutView.as_view()


def logout(request):
    """Sign out, and have the browser drop what the phone kept for offline work: the service
    worker's caches and the queue in IndexedDB (static/js/offline.js clears them too, for
    browsers that ignore the header)."""
    response = _log_out(request)
    if request.method == "POST":
        response["Clear-Site-Data"] = '"cache", "storage"'
    return response


@require_GET
def service_worker(request):
    """static/js/sw.js at the site's root, so that its scope is every page."""
    with open(finders.find("js/sw.js"), encoding="utf-8") as source:
        response = HttpResponse(source.read(), content_type="text/javascript; charset=utf-8")
    # A new version reaches the phones at their next visit.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request):
    """The web app manifest: the portal installed on a phone's home screen."""
    response = JsonResponse(
        {
            "name": _("Kỷ Cương — administrative discipline"),
            "short_name": "Kỷ Cương",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#8b1a1a",
            "icons": [{"src": static("img/emblem.svg"), "sizes": "any", "type": "image/svg+xml"}],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Type"] = "application/manifest+json"
    return response


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
