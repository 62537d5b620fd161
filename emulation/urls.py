from django.urls import path

from emulation import views

app_name = "emulation"

urlpatterns = [
    path("periods/", views.periods, name="periods"),
    path("periods/<str:code>/", views.period_detail, name="period"),
    path("periods/<str:code>/export.xlsx", views.period_export, name="period_export"),
    path("periods/<str:code>/review/", views.period_start_review, name="period_start_review"),
    path("periods/<str:code>/approve/", views.period_approve, name="period_approve"),
    path("revocations/<int:pk>/resolve/", views.revocation_resolve, name="revocation_resolve"),
    path("nominations/", views.nominations, name="nominations"),
]
