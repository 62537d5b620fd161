from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    path("<uuid:pk>/", views.status, name="status"),
    path("<uuid:pk>/download/", views.download, name="download"),
]
