from django.urls import path

from portal import report_views

app_name = "reports"

urlpatterns = [
    path("", report_views.dashboard, name="dashboard"),
    path("<int:year>/print/", report_views.dashboard_print, name="print"),
    path("<int:year>/<slug:table>.<slug:fmt>", report_views.export, name="export"),
]
