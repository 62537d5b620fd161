from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from inspections import evidence
from inspections.models import (
    AppealOutcome,
    ChecklistResult,
    InspectionRound,
    SignatureStatus,
    SigningCapacity,
    ViolationType,
)
from personnel.models import Staff, Unit


class PhotoInput(forms.FileInput):
    """Opens the phone's back camera; the server checks the content, never the name."""

    allow_multiple_selected = True

    def __init__(self):
        super().__init__(attrs={"accept": "image/*", "capture": "environment"})


class PhotosField(forms.FileField):
    def __init__(self, **kwargs):
        super().__init__(widget=PhotoInput(), required=False, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(file, initial) for file in files if file]


class PeopleSelect(forms.Select):
    """The choice of a person among up to a few hundred, written out here: Django's widget
    renders a template per option, which cost more than the rest of the page."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(item) for item in self.format_value(value)}
        # Each value and label escaped here, as format_html would, without its cost per call.
        options = "".join(
            f'\n  <option value="{escape(str(key))}"{" selected" if str(key) in chosen else ""}>'
            f"{label if isinstance(label, SafeData) else escape(str(label))}</option>"
            for key, label in self.choices
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            name,
            attributes,
            mark_safe(options),  # noqa: S308 (escaped above)
        )


SIGNATURE_CHOICES = [("", _("Not asked yet")), *SignatureStatus.choices]


class RecordForm(forms.Form):
    staff = forms.ModelChoiceField(
        queryset=None,
        label=_("Staff member"),
        empty_label=_("Choose the person"),
        widget=PeopleSelect,
    )
    occurred_at = forms.DateTimeField(
        label=_("Time of the violation"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    type = forms.ChoiceField(label=_("Type of violation"), choices=ViolationType.choices)
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4})
    )
    explanation = forms.CharField(
        label=_("The person's explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    witnesses = forms.CharField(
        label=_("Witnesses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Names and positions, one per line."),
    )
    signature = forms.ChoiceField(
        label=_("Signature"), choices=SIGNATURE_CHOICES, required=False, widget=forms.RadioSelect
    )

    def __init__(self, *args, staff_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset
        if not self.is_bound and "occurred_at" not in self.initial:
            self.initial["occurred_at"] = timezone.localtime().replace(second=0, microsecond=0)

    def show_staff(self, people: list[Staff]) -> None:
        """The choice of person lists only `people`, already read; anyone of the queryset is
        still accepted."""
        field = self.fields["staff"]
        self.show_choices([(person.pk, field.label_from_instance(person)) for person in people])

    def show_choices(self, choices: list[tuple[int, str]]) -> None:
        """As show_staff, from each person's pk and label."""
        field = self.fields["staff"]
        field.widget.choices = [("", field.empty_label), *choices]


def _position_field() -> forms.CharField:
    return forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)


class PhotoPositionForm(forms.Form):
    """The phone's position, filled in by static/js/photo-position.js only once the inspector
    ticks the box and the browser is allowed to give it; read into `position` (or None)."""

    latitude = _position_field()
    longitude = _position_field()
    accuracy = _position_field()

    def clean(self):
        data = super().clean()
        try:
            data["position"] = evidence.checked_position(
                latitude=data.get("latitude", ""),
                longitude=data.get("longitude", ""),
                accuracy=data.get("accuracy", ""),
            )
        except DomainError as error:
            raise forms.ValidationError(str(error)) from None
        return data


class NewRecordForm(RecordForm, PhotoPositionForm):
    photos = PhotosField(label=_("Photos"))
    # One-time token: a form sent twice (double tap, network retry) makes one record.
    token = forms.CharField(widget=forms.HiddenInput)

    # Blank, these are the same on every visit's page: written once a language
    # (core/templatetags/form_fields.py). The person, the time and the token are not.
    rendered_alike = (
        "latitude",
        "longitude",
        "accuracy",
        "type",
        "description",
        "explanation",
        "witnesses",
        "signature",
        "photos",
    )


class PhotoForm(PhotoPositionForm):
    photos = PhotosField(label=_("Photos"))


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class WrittenExplanationForm(forms.Form):
    # Either is enough; the service says when both are missing.
    text = forms.CharField(
        label=_("The explanation, as the person wrote it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    document = forms.FileField(
        label=_("Or the signed document (PDF, DOCX or DOC)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.doc"}),
    )


class ReasonForm(forms.Form):
    # Required by the service, which gives the message; the form does not repeat the rule.
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecideAppealForm(ReasonForm):
    # Required by the service too, whose message names what is missing.
    outcome = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[c for c in AppealOutcome.choices if c[0] != AppealOutcome.PENDING],
        widget=forms.RadioSelect,
    )


class VisitStartForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label=_("Unit"), empty_label=_("Choose the unit"))
    inspectors = forms.ModelMultipleChoiceField(
        queryset=None,
        label=_("Inspectors present"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    representative = forms.CharField(
        label=_("Unit representative"),
        required=False,
        help_text=_("Name and position of the unit's representative."),
    )

    def __init__(self, *args, units, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["inspectors"].queryset = team


class VisitFinishForm(forms.Form):
    representative = forms.CharField(label=_("Unit representative"), required=False)


class ChecklistAnswerForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=ChecklistResult.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), required=False)


class ReviewFilterForm(forms.Form):
    round = forms.ModelChoiceField(
        queryset=InspectionRound.objects.order_by("-starts_on"),
        required=False,
        label=_("Round"),
        empty_label=_("All rounds"),
    )
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.order_by("name"),
        required=False,
        label=_("Unit"),
        empty_label=_("All units"),
    )
    type = forms.ChoiceField(
        choices=[("", _("All types")), *ViolationType.choices], required=False, label=_("Type")
    )
    day_from = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    day_to = forms.DateField(
        required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )


class PinForm(forms.Form):
    """The token's PIN (or the key file's passphrase), typed at each signing, never kept."""

    pin = forms.CharField(
        label=_("PIN of your signing token"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )


class SignForm(PinForm):
    capacity = forms.ChoiceField(choices=SigningCapacity.choices, widget=forms.HiddenInput)


class VerifyForm(forms.Form):
    document = forms.FileField(
        label=_("Signed PDF"), help_text=_("A PDF signed digitally, to check its signatures.")
    )
