from django.urls import include, path

from personnel import views

app_name = "personnel"

urlpatterns = [
    path("units/", views.units, name="units"),
    path("my-unit/", views.my_unit, name="my_unit"),
    path("import/", include("personnel.import_urls")),
]
