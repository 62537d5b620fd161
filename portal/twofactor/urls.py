from django.urls import path

from portal.twofactor import views

app_name = "twofactor"

urlpatterns = [
    path("login/code/", views.login_code, name="login_code"),
    path("two-factor/", views.enrol, name="enrol"),
]
