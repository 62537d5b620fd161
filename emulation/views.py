from django.shortcuts import render

from personnel.models import Role
from portal.access import role_required


@role_required(Role.COUNCIL, Role.REVIEWER)
def periods(request):
    return render(request, "emulation/periods.html")
