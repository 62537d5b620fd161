from django.urls import path

from inspections import discipline_views, views

app_name = "inspections"

urlpatterns = [
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/visits/start/", views.visit_start, name="visit_start"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/finish/", views.visit_finish, name="visit_finish"),
    path("visits/<int:pk>/checklist/", views.checklist, name="checklist"),
    path("visits/<int:pk>/roll-call/", views.roll_call, name="roll_call"),
    path(
        "visits/<int:pk>/roll-call/rest-present/",
        views.roll_call_rest_present,
        name="roll_call_rest_present",
    ),
    path("visits/<int:pk>/roll-call/undo/", views.roll_call_undo, name="roll_call_undo"),
    path("visits/<int:pk>/records/new/", views.record_new, name="record_new"),
    path("visits/<int:pk>/roster.json", views.visit_roster, name="visit_roster"),
    path("visits/<int:pk>/card/", views.visit_card, name="visit_card"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("records/<int:pk>/correct/", views.record_correct, name="record_correct"),
    path("records/<int:pk>/photos/", views.record_photos, name="record_photos"),
    path("records/<int:pk>/submit/", views.record_submit, name="record_submit"),
    path("records/<int:pk>/confirm/", views.record_confirm, name="record_confirm"),
    path("records/<int:pk>/dismiss/", views.record_dismiss, name="record_dismiss"),
    path("records/<int:pk>/appeal/", views.record_appeal, name="record_appeal"),
    path("records/<int:pk>/explanations/", views.explanation_attach, name="explanation_attach"),
    path(
        "explanations/<int:pk>/document/",
        views.explanation_document,
        name="explanation_document",
    ),
    path("records/<int:pk>/appeal/decide/", views.appeal_decide, name="appeal_decide"),
    path("records/<int:pk>/minutes.pdf", views.record_pdf, name="record_pdf"),
    path("records/<int:pk>/minutes/prepare/", views.record_pdf_request, name="record_pdf_prepare"),
    path("evidence/<int:pk>/original/", views.evidence_original, name="evidence_original"),
    path("records/<int:pk>/sign/", views.record_sign, name="record_sign"),
    path(
        "records/<int:pk>/signatures/check/",
        views.record_signatures_check,
        name="record_signatures_check",
    ),
    path(
        "records/<int:pk>/minutes/signed/<int:version>/",
        views.signed_minutes,
        name="signed_minutes",
    ),
    path("signatures/verify/", views.signature_verify, name="signature_verify"),
    path(
        "evidence/<int:pk>/<str:variant>/",
        views.evidence_file,
        name="evidence",
    ),
    path("review/", views.review_queue, name="review_queue"),
    path("my-unit/records/", views.unit_records, name="unit_records"),
    path("discipline/", discipline_views.discipline_list, name="discipline_list"),
    path("discipline/new/", discipline_views.discipline_new, name="discipline_new"),
    path("discipline/<int:pk>/", discipline_views.discipline_detail, name="discipline_detail"),
    path("discipline/<int:pk>/edit/", discipline_views.discipline_edit, name="discipline_edit"),
    path("discipline/import/", discipline_views.discipline_import_start, name="discipline_import"),
    path(
        "discipline/import/preview/",
        discipline_views.discipline_import_preview,
        name="discipline_preview",
    ),
    path(
        "discipline/import/confirm/",
        discipline_views.discipline_import_confirm,
        name="discipline_confirm",
    ),
    path(
        "discipline/import/cancel/",
        discipline_views.discipline_import_cancel,
        name="discipline_cancel",
    ),
    path(
        "discipline/import/mau-quyet-dinh-ky-luat.xlsx",
        discipline_views.discipline_import_template,
        name="discipline_template",
    ),
]
