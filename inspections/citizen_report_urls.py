from django.urls import path

from inspections import citizen_report_views

app_name = "citizen_reports"

urlpatterns = [
    # Public, no account needed.
    path("", citizen_report_views.report_submit_view, name="submit"),
    path("da-gui/", citizen_report_views.report_sent_view, name="sent"),
    path("theo-doi/", citizen_report_views.report_lookup_view, name="lookup"),
    path("theo-doi/<str:code>/", citizen_report_views.report_track_view, name="track"),
    # Reviewers.
    path("xu-ly/", citizen_report_views.report_list_view, name="list"),
    path("xu-ly/<int:pk>/", citizen_report_views.report_detail_view, name="detail"),
    path(
        "xu-ly/<int:pk>/xac-minh/",
        citizen_report_views.report_start_verification_view,
        name="start_verification",
    ),
    path("xu-ly/<int:pk>/khong-xac-nhan/", citizen_report_views.report_close_view, name="close"),
    path("xu-ly/<int:pk>/xac-nhan/", citizen_report_views.report_confirm_view, name="confirm"),
]
