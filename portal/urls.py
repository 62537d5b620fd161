from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/", include("portal.twofactor.urls")),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("personnel/", include("personnel.urls")),
    path("inspections/", include("inspections.urls")),
    path("emulation/", include("emulation.urls")),
    path("exports/", include("exports.urls")),
    path("phan-anh/", include("inspections.citizen_report_urls")),
    path("bao-cao/", include("portal.reports.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler500 = "portal.views.server_error"
