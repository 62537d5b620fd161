from django import forms
from django.utils.translation import gettext_lazy as _

from emulation.models import RevocationStatus


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
