from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.uploads import checked_document
from personnel.models import Regulation, Staff, StaffCategory, Unit
from personnel.selectors import staff_search


class DateInput(forms.DateInput):
    """dd/mm/yyyy as typed in Vietnamese offices; a browser date picker would follow the
    browser's own locale (often mm/dd/yyyy), so this stays a text box."""

    def __init__(self, attrs=None):
        defaults = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%d/%m/%Y")


class OnDateForm(forms.Form):
    on = forms.DateField(label=_("On"), required=False, widget=DateInput)


NO_UNIT_MATCHES = _("No unit has this code or a name containing it.")
SEVERAL_UNITS_MATCH = _("Several units match: %(units)s. Type the unit's code.")
UNITS_SHOWN = 5


class UnitLookupField(forms.CharField):
    """A unit typed by its code or part of its name. A province has thousands of units: the
    page never lists them all, the server looks the one typed up (one query, two at most)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"type": "search", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value) -> Unit | None:
        text = super().clean(value)
        if not text:
            return None
        unit = Unit.objects.filter(code__iexact=text).first()
        if unit is not None:
            return unit
        matches = list(
            Unit.objects.filter(name__icontains=text).order_by("name")[: UNITS_SHOWN + 1]
        )
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(NO_UNIT_MATCHES, code="no_unit")
        names = ", ".join(f"{unit.name} ({unit.code})" for unit in matches[:UNITS_SHOWN])
        raise forms.ValidationError(
            SEVERAL_UNITS_MATCH,
            code="several_units",
            params={"units": names + (", …" if len(matches) > UNITS_SHOWN else "")},
        )


NO_STAFF_MATCHES = _("Nobody has this staff code, or a name or badge number matching it.")
SEVERAL_STAFF_MATCH = _("Several people match: %(people)s. Type the staff code.")
STAFF_SHOWN = 5


class StaffLookupField(forms.CharField):
    """A person typed by their staff code, or by name or badge number as the staff search finds
    them (diacritics may be left out). A roster holds thousands: the page never lists them.

    `among` narrows the search by name to some people (a unit's, for its head); a staff code
    is taken as typed, and the service says whether that person may be chosen.
    """

    def __init__(self, *, among=None, no_match=NO_STAFF_MATCHES, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"type": "search", "autocomplete": "off"})
        )
        super().__init__(**kwargs)
        self.among = among
        self.no_match = no_match

    def prepare_value(self, value):
        return value.code if isinstance(value, Staff) else value

    def clean(self, value) -> Staff | None:
        text = super().clean(value)
        if not text:
            return None
        by_code = list(Staff.objects.filter(code__iexact=text)[:2])
        if len(by_code) == 1:
            return by_code[0]
        found = staff_search(query=text, day=timezone.localdate())
        if self.among is not None:
            found = found.filter(pk__in=self.among.values("pk"))
        matches = list(found[: STAFF_SHOWN + 1])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(self.no_match, code="no_staff")
        # Namesakes are told apart by their unit.
        people = ", ".join(
            f"{person.full_name} ({', '.join(filter(None, (person.code, person.unit_name)))})"
            for person in matches[:STAFF_SHOWN]
        )
        raise forms.ValidationError(
            SEVERAL_STAFF_MATCH,
            code="several_staff",
            params={"people": people + (", …" if len(matches) > STAFF_SHOWN else "")},
        )


ACTIVE_CHOICES = [("", _("Everyone")), ("yes", _("Still working")), ("no", _("Left"))]


class StaffFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name, initials or badge number"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    unit = UnitLookupField(
        label=_("Unit"),
        required=False,
        help_text=_("Its code or part of its name; empty for all units."),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *StaffCategory.choices],
    )
    active = forms.ChoiceField(label=_("Status"), required=False, choices=ACTIVE_CHOICES)

    def active_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("active", ""))


class RegulationForm(forms.ModelForm):
    class Meta:
        model = Regulation
        fields = ["kind", "action", "title", "document_number", "signed_on", "document"]
        widgets = {"signed_on": DateInput}

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if not document:
            return document
        try:
            checked_document(document)
        except DomainError as refusal:
            raise forms.ValidationError(refusal.message, params=refusal.params) from None
        return document
