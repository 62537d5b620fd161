from django import forms
from django.utils.translation import gettext_lazy as _

from core.tabular import SUFFIXES
from emulation.models import CASE_OUTCOMES, Policy, Rating, RevocationStatus
from personnel.forms import StaffLookupField
from personnel.models import Staff, Unit, User

NOBODY_IN_UNIT = _(
    "Nobody posted to your unit today has this staff code, or a name or badge number matching it."
)


class NominationForm(forms.Form):
    """A unit head's nomination of a person of the unit, or (`collective`) of the unit itself.

    Period and title stay codes: the service looks them up and says what is wrong with each.
    The person is typed as for the inspector's staff search: a staff code, or a name, initials
    or badge number with or without diacritics, found among the unit's people (`staff`).
    """

    period = forms.CharField(label=_("Period"), widget=forms.Select)
    staff_code = StaffLookupField(
        label=_("Staff member"),
        help_text=_("Staff code, or name or badge number; diacritics may be left out."),
        no_match=NOBODY_IN_UNIT,
        # A plain <datalist> of the unit's people suggests them (no script).
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "list": "unit-staff"}
        ),
    )
    title = forms.CharField(label=_("Title"), widget=forms.Select)
    rating = forms.ChoiceField(
        label=_("Quality rating"),
        choices=[("", _("Not given")), *Rating.choices],
        required=False,
        help_text=_(
            "The person's quality rating for the year; without it the verdict says the rating "
            "was not checked."
        ),
    )
    initiative = forms.CharField(
        label=_("Initiative"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The recognised initiative or research the nomination rests on, if any."),
    )

    def __init__(self, *args, periods=(), titles=(), staff=None, collective=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].widget.choices = [(p.code, str(p)) for p in periods]
        self.fields["title"].widget.choices = [(t.code, t.name) for t in titles]
        self.staff_choices = Staff.objects.none() if staff is None else staff
        if collective:
            for name in ("staff_code", "rating", "initiative"):
                del self.fields[name]
        else:
            self.fields["staff_code"].among = self.staff_choices


OUTCOME_LABELS = {
    RevocationStatus.REVOKED: _("Revoke the title"),
    RevocationStatus.REINSTATED: _("Reinstate the title"),
    RevocationStatus.GRANTED: _("Grant the title"),
}


class RevocationResolveForm(forms.Form):
    """The council's decision on a case: no outcome is chosen in advance."""

    outcome = forms.ChoiceField(label=_("Decision"))
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, case, **kwargs):
        # One form per case on the page: ids of their own, the same field names.
        kwargs.setdefault("auto_id", f"case-{case.pk}-%s")
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [
            ("", _("Choose…")),
            (CASE_OUTCOMES[case.kind], OUTCOME_LABELS[CASE_OUTCOMES[case.kind]]),
            (RevocationStatus.CLOSED, _("Close without change")),
        ]


class NominationUploadForm(forms.Form):
    """A unit head's list as a spreadsheet: the columns of EXCHANGE.md's nominations file."""

    period = forms.CharField(label=_("Period"), widget=forms.Select)
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            # The headers are the file's, in Vietnamese whatever the page's language.
            "CSV (UTF-8), Excel (.xlsx, .xls) or OpenDocument (.ods), first row the headers: "
            '<span lang="vi">Mã cán bộ</span> (staff_code), <span lang="vi">Danh hiệu</span> '
            '(title), optionally <span lang="vi">Đơn vị đề nghị</span> (agency_code), '
            '<span lang="vi">Xếp loại</span> (rating: xuat_sac, tot, hoan_thanh or '
            'khong_hoan_thanh) and <span lang="vi">Sáng kiến</span> (initiative). For a '
            'collective title leave <span lang="vi">Mã cán bộ</span> empty and give the unit '
            'nominated as <span lang="vi">Đơn vị đề nghị</span>.'
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
    review_opens_on = forms.DateField(
        label=_("The list may go to the council from"),
        required=False,
        help_text=_("Empty: 30 days before the period's last day."),
    )


class SecretaryForm(forms.Form):
    """The period's council secretary, one of the council's members."""

    secretary = forms.ModelChoiceField(
        label=_("Council secretary"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody yet"),
        help_text=_("Types the minutes and the votes of the council's meeting on the list."),
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["secretary"].queryset = members


class CouncilMeetingForm(forms.Form):
    """The council's meeting on the list, as its secretary types it; the counts are checked
    again by the service (emulation.services.council_meeting_record)."""

    held_at = forms.DateTimeField(
        label=_("Held on (date and time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("Place"), max_length=255)
    chair = forms.CharField(label=_("Chaired by"), max_length=255)
    members_present = forms.IntegerField(label=_("Members present"))
    members_absent = forms.IntegerField(label=_("Members absent"))
    votes_agree = forms.IntegerField(label=_("Votes in favour of the list"))
    votes_disagree = forms.IntegerField(label=_("Votes against"))
    votes_abstain = forms.IntegerField(label=_("Abstentions"))
    opinions = forms.CharField(
        label=_("Opinions expressed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
