from django.urls import path

from inspections import views

app_name = "inspections"

urlpatterns = [
    path("rounds/", views.rounds, name="rounds"),
    path("review/", views.review_queue, name="review_queue"),
]
