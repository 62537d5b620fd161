"""The form renderer writes what Django's own templates write, character for character."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from core.forms import FormRenderer
from emulation.forms import PeriodSettingsForm
from inspections.forms import NewRecordForm, ReviewFilterForm
from personnel.models import Staff

CHOICES = [
    ("", "— choose —"),
    ("Nhóm <A>", [("a", "Ánh & Anh"), ("b", 'Bảo "B"')]),
    (3, 1000),
    ("x", mark_safe("<b>kept</b>")),
]


class EveryWidget(forms.Form):
    text = forms.CharField(label="Họ & tên", help_text="<i>help</i>", max_length=20)
    number = forms.IntegerField(label="Số", required=False, min_value=0)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    upload = forms.FileField(
        required=False, widget=forms.FileInput(attrs={"accept": "image/*", "capture": True})
    )
    agree = forms.BooleanField(required=False, label="Đồng ý?")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "disabled": False}))
    choice = forms.ChoiceField(choices=CHOICES, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    radio = forms.ChoiceField(choices=[("1", "Một"), ("2", "Hai")], widget=forms.RadioSelect)
    grouped = forms.ChoiceField(
        choices=CHOICES, required=False, widget=forms.RadioSelect(attrs={"class": "c"})
    )
    boxes = forms.MultipleChoiceField(
        choices=CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    password = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"data-x": "a'b"}))


def _rendered(form_class, renderer, **kwargs) -> str:
    form = form_class(renderer=renderer, **kwargs)
    return "".join(
        [str(form)]
        + [f"{field.label_tag()}{field}{field.legend_tag()}" for field in form]
        + [str(field.label_tag(attrs={"class": "x"}, label_suffix="")) for field in form]
    )


EVERY_WIDGET_DATA = {
    "text": 'a <script>"',
    "number": "12",
    "day": "2019-05-01",
    "moment": "2019-05-01T08:30",
    "hidden": "<h>",
    "agree": "on",
    "note": "line\n<two> & three",
    "choice": "b",
    "many": ["a", "3"],
    "radio": "2",
    "grouped": "a",
    "boxes": ["b", "x"],
    "password": "p&w",
    "email": "bad",
}


@pytest.mark.parametrize("data", [None, EVERY_WIDGET_DATA])
def test_it_writes_what_djangos_templates_write(data):
    kwargs = {"data": data} if data else {"initial": {"note": "", "choice": 3}}

    written = _rendered(EveryWidget, FormRenderer(), **kwargs)

    assert written == _rendered(EveryWidget, DjangoTemplates(), **kwargs)


@pytest.mark.django_db
def test_it_writes_the_portals_forms_as_django_does(unit_a):
    initial = {"occurred_at": datetime.datetime(2019, 5, 1, 8, 30), "token": "t<k>"}
    for form_class, kwargs in [
        (NewRecordForm, {"staff_queryset": Staff.objects.all(), "initial": initial}),
        (NewRecordForm, {"staff_queryset": Staff.objects.all(), "data": {"type": "?"}}),
        (PeriodSettingsForm, {}),
        (ReviewFilterForm, {"data": {"unit": unit_a.pk}}),
    ]:
        assert _rendered(form_class, FormRenderer(), **kwargs) == _rendered(
            form_class, DjangoTemplates(), **kwargs
        )


def test_it_writes_the_choice_of_a_person_as_djangos_select_would():
    from inspections.forms import PeopleSelect

    choices = [("", "Chọn người"), (7, "Lê <Thị> & “Hà”"), (12, "Trần Văn An (S012)")]
    attrs = {"id": "id_staff", "required": True}

    written = PeopleSelect(choices=choices).render("staff", 12, attrs=attrs)

    # The same tags, values and escaping; the options one to a line, without Django's blank lines.
    expected = forms.Select(choices=choices).render(
        "staff", 12, attrs=attrs, renderer=DjangoTemplates()
    )
    assert written == expected.replace("</option>\n", "</option>")
