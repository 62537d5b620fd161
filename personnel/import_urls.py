from django.urls import path

from personnel import import_views

urlpatterns = [
    path("", import_views.start, name="import"),
    path("preview/", import_views.preview, name="import_preview"),
    path("confirm/", import_views.confirm, name="import_confirm"),
    path("cancel/", import_views.cancel, name="import_cancel"),
    path("templates/<slug:kind>.xlsx", import_views.template, name="import_template"),
]
