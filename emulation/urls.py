from django.urls import path

from emulation import views

app_name = "emulation"

urlpatterns = [
    path("periods/", views.periods, name="periods"),
]
