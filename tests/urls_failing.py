"""A URL configuration with one view that fails, to see the 500 page."""

from django.urls import include, path

from portal.urls import urlpatterns as portal_urlpatterns


def failing_view(request):
    return 1 / 0


urlpatterns = [path("failing/", failing_view), path("", include(portal_urlpatterns))]
