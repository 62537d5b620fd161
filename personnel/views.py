from django.shortcuts import render

from personnel.models import Role
from personnel.selectors import unit_list
from portal.access import role_required


@role_required(Role.REVIEWER)
def units(request):
    return render(request, "personnel/units.html", {"units": unit_list()})


@role_required(Role.UNIT_HEAD)
def my_unit(request):
    # The unit comes from the account, never from the URL: a unit head cannot ask for another.
    return render(request, "personnel/my_unit.html", {"unit": request.user.unit})
