from django import forms
from django.utils.translation import gettext_lazy as _

from core.tabular import SUFFIXES
from emulation.models import Policy, RevocationStatus
from personnel.models import Unit


class NominationForm(forms.Form):
    """Codes only: the service looks them up and says what is wrong with each."""

    period = forms.CharField(label=_("Period"), widget=forms.Select)
    staff_code = forms.CharField(label=_("Staff code"), max_length=32)
    title = forms.CharField(label=_("Title"), widget=forms.Select)

    def __init__(self, *args, periods=(), staff=(), titles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].widget.choices = [(p.code, str(p)) for p in periods]
        self.fields["title"].widget.choices = [(t.code, t.name) for t in titles]
        # A suggestion list of the unit's staff (a plain <datalist>, no script).
        self.fields["staff_code"].widget.attrs["list"] = "unit-staff"
        self.staff_choices = staff


class RevocationResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (RevocationStatus.REVOKED, _("Revoke the title")),
            (RevocationStatus.CLOSED, _("Close without revocation")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class NominationUploadForm(forms.Form):
    """A unit head's list as a spreadsheet: the columns of EXCHANGE.md's nominations file."""

    period = forms.CharField(label=_("Period"), widget=forms.Select)
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            # The headers are the file's, in Vietnamese whatever the page's language.
            "CSV (UTF-8), Excel (.xlsx, .xls) or OpenDocument (.ods), first row the headers: "
            '<span lang="vi">Mã cán bộ'
            '</span> (staff_code), <span lang="vi">Danh hiệu</span> (title), optionally '
            '<span lang="vi">Đơn vị đề nghị</span> (agency_code).'
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )

    def __init__(self, *args, periods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].widget.choices = [(p.code, str(p)) for p in periods]


class PeriodUploadForm(forms.Form):
    """A reviewer's upload of any unit's list, on the period's page."""

    unit = forms.ModelChoiceField(
        label=_("Nominating unit"),
        queryset=Unit.objects.order_by("code"),
        required=False,
        empty_label=_("As the file says, else each person's unit"),
        help_text=_("With a unit, every person must be posted to it today."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=NominationUploadForm.base_fields["file"].help_text,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )


class PeriodSettingsForm(forms.Form):
    """What the rule applies in a period; the ranges are checked again by the service."""

    policy = forms.ChoiceField(label=_("What excludes"), choices=Policy.choices)
    min_months = forms.IntegerField(
        label=_("Minimum months of service for Lao động tiên tiến"), min_value=0, max_value=600
    )
    collective_share = forms.IntegerField(
        label=_("Share of members a collective title needs (%)"), min_value=1, max_value=100
    )
    cstdcs_cap = forms.IntegerField(
        label=_("Cap on Chiến sĩ thi đua cơ sở (percent of Lao động tiên tiến)"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Optional. The council is warned per unit; nobody is dropped."),
    )
