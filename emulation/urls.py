from django.urls import path

from emulation import import_views, views

app_name = "emulation"

urlpatterns = [
    path("periods/", views.periods, name="periods"),
    path("periods/<str:code>/", views.period_detail, name="period"),
    path("periods/<str:code>/export.xlsx", views.period_export, name="period_export"),
    path("periods/<str:code>/export.pdf", views.period_export_pdf, name="period_export_pdf"),
    path("periods/<str:code>/eligibility.csv", views.period_export_csv, name="period_export_csv"),
    path("periods/<str:code>/prepare/", views.period_export_request, name="period_prepare"),
    path("periods/<str:code>/review/", views.period_start_review, name="period_start_review"),
    path("periods/<str:code>/approve/", views.period_approve, name="period_approve"),
    path("periods/<str:code>/return/", views.period_return, name="period_return"),
    path("periods/<str:code>/settings/", views.period_settings, name="period_settings"),
    path("periods/<str:code>/secretary/", views.period_secretary, name="period_secretary"),
    path("periods/<str:code>/meeting/", views.council_meeting, name="council_meeting"),
    path(
        "periods/<str:code>/signed/<str:kind>/sign/",
        views.council_document_sign,
        name="council_document_sign",
    ),
    path("periods/<str:code>/signed/<str:kind>/", views.council_signed, name="council_signed"),
    path(
        "periods/<str:code>/signed/<str:kind>/document.pdf",
        views.council_signed_pdf,
        name="council_signed_pdf",
    ),
    path("revocations/<int:pk>/resolve/", views.revocation_resolve, name="revocation_resolve"),
    path("periods/<str:code>/upload/", import_views.period_upload, name="period_upload"),
    path("nominations/", views.nominations, name="nominations"),
    path("nominations/upload/", import_views.upload, name="nomination_upload"),
    path(
        "nominations/upload/preview/",
        import_views.preview,
        name="nomination_import_preview",
    ),
    path(
        "nominations/upload/confirm/",
        import_views.confirm,
        name="nomination_import_confirm",
    ),
    path("nominations/upload/cancel/", import_views.cancel, name="nomination_import_cancel"),
]
