from django.shortcuts import render

from personnel.models import Role
from portal.access import role_required


@role_required(Role.INSPECTOR, Role.REVIEWER)
def rounds(request):
    return render(request, "inspections/rounds.html")


@role_required(Role.REVIEWER)
def review_queue(request):
    return render(request, "inspections/review_queue.html")
