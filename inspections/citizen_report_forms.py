"""Forms for citizen reports. Format checks only; the rules live in citizen_report_services."""

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inspections.citizen_report_selectors import current_units, staff_choices_for_report
from inspections.models import ReportStatus, ViolationType
from personnel.models import Unit

HONEYPOT_FIELD = "website"

phone_validator = RegexValidator(
    r"^\+?[0-9 .()-]{8,20}$", _("Enter a phone number, e.g. 0912 345 678.")
)


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class CitizenReportForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Agency, unit, ward or commune"),
        queryset=Unit.objects.none(),
        empty_label=_("Choose the unit"),
    )
    staff_hint = forms.CharField(
        label=_("Staff member's name or badge number"),
        max_length=255,
        required=False,
        help_text=_("If you know it. The badge number is on the staff ID badge."),
    )
    occurred_at = forms.DateTimeField(
        label=_("When it happened"), widget=LocalDateTimeInput(), localize=False
    )
    description = forms.CharField(
        label=_("What happened"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Please describe what happened.")},
    )
    contact_name = forms.CharField(label=_("Your name"), max_length=255, required=False)
    contact_phone = forms.CharField(
        label=_("Your phone number"), max_length=32, required=False, validators=[phone_validator]
    )
    contact_email = forms.EmailField(label=_("Your email address"), required=False)
    # Hidden from people by CSS; bots fill every field they find.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = current_units(day=timezone.localdate())
        # A hint for the browser's picker; the service refuses a future time either way.
        self.fields["occurred_at"].widget.attrs["max"] = timezone.localtime().strftime(
            "%Y-%m-%dT%H:%M"
        )

    def is_trap_filled(self) -> bool:
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())


class TrackingLookupForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=32)


class ReportFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *ReportStatus.choices],
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        required=False,
        empty_label=_("All units"),
        queryset=Unit.objects.only("code", "name").order_by("name", "code"),
    )


class ReportCloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for closing the report.")},
    )


class ReportConfirmForm(forms.Form):
    staff = forms.ModelChoiceField(
        label=_("Staff member"), queryset=None, empty_label=_("Choose the person")
    )
    violation_type = forms.ChoiceField(
        label=_("Type of violation"),
        choices=[("", _("Choose the type of violation")), *ViolationType.choices],
    )

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_choices_for_report(report=report)
