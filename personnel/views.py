import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import role_required
from core.personal_data import personal_data_access_log
from core.uploads import document_response
from personnel import selectors, services
from personnel.forms import OnDateForm, RegulationForm, StaffFilterForm
from personnel.models import Regulation, Role, Staff, Unit

STAFF_PER_PAGE = 50


def _get_unit_for_user(request, code: str, *, write: bool = False) -> Unit:
    """The unit, if the user may see it (or change its register, with write)."""
    unit = get_object_or_404(Unit.objects.select_related("parent", "successor"), code=code)
    user = request.user
    readers = (Role.REVIEWER,) if write else (Role.REVIEWER, Role.INSPECTOR)
    if user.has_role(*readers):
        return unit
    if user.has_role(Role.UNIT_HEAD) and user.unit_id == unit.pk:
        return unit
    raise PermissionDenied


def _get_staff_for_user(request, code: str) -> Staff:
    """The person, if the user may see them; 404 otherwise, as for a code that does not exist,
    so that trying codes tells a unit head nothing about other units' people."""
    staff = get_object_or_404(Staff, code=code)
    user = request.user
    if user.has_role(Role.REVIEWER, Role.INSPECTOR):
        return staff
    today = timezone.localdate()
    if user.has_role(Role.UNIT_HEAD) and user.unit_id is not None:
        unit = selectors.unit_on(staff=staff, day=today)
        if unit is not None and unit.pk == user.unit_id:
            return staff
    raise Http404


def _chosen_day(request) -> tuple[OnDateForm, datetime.date]:
    form = OnDateForm(request.GET)
    day = form.cleaned_data.get("on") if form.is_valid() else None
    return form, day or timezone.localdate()


@role_required(Role.REVIEWER, Role.INSPECTOR)
def units(request):
    date_form, day = _chosen_day(request)
    year = day.year
    context = {
        "date_form": date_form,
        "day": day,
        "tree": selectors.unit_tree(day=day),
        "coverage": selectors.regulation_coverage(
            start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31)
        ),
        "year": year,
    }
    return render(request, "personnel/units.html", context)


def _unit_page(request, unit: Unit):
    date_form, day = _chosen_day(request)
    user = request.user
    context = {
        "unit": unit,
        "date_form": date_form,
        "day": day,
        "staff": selectors.staff_posted_to(unit=unit, day=day),
        "regulations": selectors.unit_regulations(unit=unit),
        "may_record_regulation": user.has_role(Role.REVIEWER)
        or (user.has_role(Role.UNIT_HEAD) and user.unit_id == unit.pk),
    }
    return render(request, "personnel/unit_detail.html", context)


@role_required(Role.REVIEWER, Role.INSPECTOR, Role.UNIT_HEAD)
def unit_detail(request, code):
    return _unit_page(request, _get_unit_for_user(request, code))


@role_required(Role.UNIT_HEAD)
def my_unit(request):
    # The unit comes from the account, never from the URL: a unit head cannot ask for another.
    if request.user.unit is None:
        return render(request, "personnel/my_unit.html", {"unit": None})
    return _unit_page(request, request.user.unit)


@role_required(Role.REVIEWER, Role.UNIT_HEAD)
def regulation_new(request, code):
    unit = _get_unit_for_user(request, code, write=True)
    form = RegulationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.regulation_record(unit=unit, recorded_by=request.user, **form.cleaned_data)
        messages.success(request, _("The regulation was added to the register."))
        return redirect("personnel:unit_detail", code=unit.code)
    return render(request, "personnel/regulation_form.html", {"unit": unit, "form": form})


@role_required(Role.REVIEWER, Role.INSPECTOR, Role.UNIT_HEAD)
def regulation_document(request, pk):
    regulation = get_object_or_404(Regulation.objects.select_related("unit"), pk=pk)
    # Numbers follow each other: another unit's document answers as one that does not exist.
    try:
        _get_unit_for_user(request, regulation.unit.code)
    except PermissionDenied:
        raise Http404 from None
    return document_response(
        regulation.document, filename=f"{regulation.unit.code}-{regulation.signed_on:%Y%m%d}"
    )


@role_required(Role.REVIEWER, Role.INSPECTOR, Role.UNIT_HEAD)
def staff_list(request):
    form = StaffFilterForm(request.GET or None)
    user = request.user
    own_unit_only = not user.has_role(Role.REVIEWER, Role.INSPECTOR)
    if own_unit_only:
        del form.fields["unit"]  # always their own unit
    today = timezone.localdate()
    filters = form.cleaned_data if form.is_valid() else {}
    unit = user.unit if own_unit_only else filters.get("unit")
    if own_unit_only and unit is None:
        raise PermissionDenied
    people = selectors.staff_list(
        day=today,
        query=filters.get("q", ""),
        unit=unit,
        category=filters.get("category", ""),
        active=form.active_value() if filters else None,
    )
    page = Paginator(people, STAFF_PER_PAGE).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context = {"form": form, "page": page, "query_string": query_string.urlencode()}
    return render(request, "personnel/staff_list.html", context)


@role_required(Role.REVIEWER, Role.INSPECTOR, Role.UNIT_HEAD)
def staff_detail(request, code):
    staff = _get_staff_for_user(request, code)
    personal_data_access_log(request=request, staff_id=staff.pk)
    context = {"staff": staff, "postings": selectors.staff_postings(staff=staff)}
    return render(request, "personnel/staff_detail.html", context)
