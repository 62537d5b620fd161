from django.urls import path

from portal.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<int:year>/print/", views.dashboard_print, name="print"),
    path("<int:year>/<slug:table>.<slug:fmt>", views.export, name="export"),
]
