from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tabular import SUFFIXES
from inspections.models import DisciplineForm, DisciplineStatus
from personnel.forms import DateInput, StaffLookupField


class RecordsField(forms.MultipleChoiceField):
    """Some of a person's records, checked against that list in memory: a value that is none of
    them (a huge number, text) is refused by the form and never reaches a query."""

    widget = forms.CheckboxSelectMultiple

    def set_records(self, records) -> None:
        self.records = {str(record.pk): record for record in records}
        self.choices = [(key, self._label(record)) for key, record in self.records.items()]

    @staticmethod
    def _label(record) -> str:
        day = timezone.localdate(record.occurred_at).strftime("%d/%m/%Y")
        return f"{record.number} · {record.get_type_display()} · {day}"

    def prepare_value(self, value):
        if not value:
            return value
        return [str(getattr(item, "pk", item)) for item in value]

    def clean(self, value) -> list:
        return [self.records[key] for key in super().clean(value)]


class DecisionFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Staff code or name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *DisciplineStatus.choices],
    )


class DecisionForm(forms.Form):
    """A decision's values; the service checks how they hold together."""

    number = forms.CharField(label=_("Decision number"), max_length=64)
    staff = StaffLookupField(
        label=_("Staff member"),
        help_text=_("Staff code, or name or badge number; diacritics may be left out."),
    )
    form = forms.ChoiceField(label=_("Form of discipline"), choices=DisciplineForm.choices)
    status = forms.ChoiceField(label=_("Status"), choices=DisciplineStatus.choices)
    decided_on = forms.DateField(label=_("Decided on"), required=False, widget=DateInput)
    effective_until = forms.DateField(
        label=_("In effect until"),
        required=False,
        widget=DateInput,
        help_text=_(
            "The last day of the effect. Left empty: 12 months from the decision, less one day."
        ),
    )
    signer = forms.CharField(label=_("Signed by"), required=False, max_length=255)
    records = RecordsField(label=_("Violation records it rests on"), required=False)

    def __init__(self, *args, records=None, **kwargs):
        """`records`: the records it may cite (the person's), or None for a new decision, whose
        records are chosen once it is recorded and the person is known."""
        super().__init__(*args, **kwargs)
        if records is None:
            del self.fields["records"]
        else:
            self.fields["records"].set_records(records)
            self.fields["number"].disabled = True  # the number is the decision's identity


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8), Excel (.xlsx, .xls) or OpenDocument (.ods), first row the column headers."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )
