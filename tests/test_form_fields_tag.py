"""`{% form_fields %}` writes a form's errors and fields as the template it replaced did,
character for character: unbound and bound forms, errors of the form and of its fields, hidden
fields, help texts with markup, hostile values."""

import pytest
from django import forms
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from emulation.forms import PeriodSettingsForm
from inspections.forms import NewRecordForm
from personnel.models import Staff

# templates/_form_fields.html as it was, the loops in the template language.
TEMPLATE = """{% if form.non_field_errors %}
  <div class="form-errors" role="alert">
    {% for error in form.non_field_errors %}<p>{{ error }}</p>{% endfor %}
  </div>
{% endif %}
{% for field in form.hidden_fields %}{{ field }}{% endfor %}
{% for field in form.visible_fields %}
  <div class="field{% if field.errors %} field--error{% endif %}">
    {{ field.label_tag }}
    {{ field }}
    {% if field.help_text %}<div class="field__help" id="{{ field.auto_id }}_helptext">{{ field.help_text|safe }}</div>{% endif %}
    {% for error in field.errors %}<p class="field__error">{{ error }}</p>{% endfor %}
  </div>
{% endfor %}
"""  # noqa: E501


class Hostile(forms.Form):
    name = forms.CharField(label="Họ & <tên>", help_text="<i>help</i> & more", max_length=5)
    note = forms.CharField(widget=forms.HiddenInput, required=False)
    other = forms.CharField(widget=forms.HiddenInput, required=False)
    day = forms.DateField(required=False)

    def clean(self):
        raise forms.ValidationError(["Sai <b>cả</b> & hai", "Lỗi thứ hai"])


def forms_to_compare():
    return [
        Hostile(),
        Hostile({"name": '"<script>"x', "note": "<&>", "day": "31/02/2026"}),
        PeriodSettingsForm(initial={"policy": "violations", "min_months": 6}),
        PeriodSettingsForm({"policy": "nope", "min_months": "-1", "collective_share": "x"}),
    ]


@pytest.mark.parametrize("index", range(4))
def test_it_writes_what_the_template_wrote(index):
    form = forms_to_compare()[index]
    expected = Template(TEMPLATE).render(Context({"form": form}))

    assert render_to_string("_form_fields.html", {"form": form}) == expected


@pytest.mark.django_db
def test_it_writes_the_new_record_form_as_the_template_did(unit_a):
    people = Staff.objects.all()
    form = NewRecordForm(
        {"occurred_at": "bad", "description": "<x>", "token": "t"}, staff_queryset=people
    )
    form.is_valid()

    assert render_to_string("_form_fields.html", {"form": form}) == Template(TEMPLATE).render(
        Context({"form": form})
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["vi", "en"])
def test_it_writes_the_fields_a_form_renders_alike_from_kept_markup_as_the_template_did(
    unit_a, language
):
    # The first writes the fields of `rendered_alike` and keeps them; the second reads them
    # back, with its own token, time and people, in the same language.
    with translation.override(language):
        for token in ("first", "second"):
            form = NewRecordForm(
                staff_queryset=Staff.objects.all(),
                initial={"token": token, "type": "no_badge"} if token == "second" else {},
            )
            form.show_choices([(1, f"Người {token}")])

            assert render_to_string("_form_fields.html", {"form": form}) == Template(
                TEMPLATE
            ).render(Context({"form": form}))


@pytest.mark.django_db
def test_it_writes_a_sent_form_with_its_errors_not_from_kept_markup(unit_a):
    render_to_string(
        "_form_fields.html", {"form": NewRecordForm(staff_queryset=Staff.objects.all())}
    )

    sent = NewRecordForm({"type": "nope", "token": "t"}, staff_queryset=Staff.objects.all())
    sent.is_valid()
    html = render_to_string("_form_fields.html", {"form": sent})

    assert html == Template(TEMPLATE).render(Context({"form": sent}))
    assert 'name="type" aria-invalid="true"' in html
