from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from personnel.models import Regulation, StaffCategory, Unit
from portal.uploads import DOCUMENT_NOT_ALLOWED, DOCUMENT_TOO_LARGE, document_type


class DateInput(forms.DateInput):
    """dd/mm/yyyy as typed in Vietnamese offices; a browser date picker would follow the
    browser's own locale (often mm/dd/yyyy), so this stays a text box."""

    def __init__(self, attrs=None):
        defaults = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%d/%m/%Y")


class OnDateForm(forms.Form):
    on = forms.DateField(label=_("On"), required=False, widget=DateInput)


ACTIVE_CHOICES = [("", _("Everyone")), ("yes", _("Still working")), ("no", _("Left"))]


class StaffFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name, initials or badge number"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.order_by("name"),
        required=False,
        to_field_name="code",
        empty_label=_("All units"),
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
        limit = settings.DOCUMENT_MAX_BYTES
        if document.size > limit:
            raise forms.ValidationError(
                DOCUMENT_TOO_LARGE, params={"megabytes": limit // (1024 * 1024)}
            )
        if document_type(document) is None:
            raise forms.ValidationError(DOCUMENT_NOT_ALLOWED)
        return document
