from django.urls import include, path

from personnel import views

app_name = "personnel"

urlpatterns = [
    path("units/", views.units, name="units"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("units/<str:code>/regulations/new/", views.regulation_new, name="regulation_new"),
    path("regulations/<int:pk>/document/", views.regulation_document, name="regulation_document"),
    path("my-unit/", views.my_unit, name="my_unit"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/<str:code>/", views.staff_detail, name="staff_detail"),
    path("import/", include("personnel.import_urls")),
]
