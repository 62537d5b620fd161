"""`{% form_fields form %}`: a form's errors and fields as templates/_form_fields.html showed
them, written in Python. Nearly every form page includes that template, and its loops and
lookups per field cost more than the fields' widgets (core.forms writes those)."""

from django import template
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

# The markup of fields a form names in `rendered_alike`, by form, field and language: unbound
# and with no initial value, such a field writes the same characters every time.
_ALIKE: dict[tuple, str] = {}


def _visible_field(field) -> str:
    errors = field.errors
    # The help text is the form's own, markup allowed (the template marked it |safe).
    help_text = (
        f'<div class="field__help" id="{escape(field.auto_id)}_helptext">{field.help_text}</div>'
        if field.help_text
        else ""
    )
    error_list = "".join(f'<p class="field__error">{conditional_escape(e)}</p>' for e in errors)
    return (
        f'\n  <div class="field{" field--error" if errors else ""}">\n'
        f"    {conditional_escape(str(field.label_tag()))}\n"
        f"    {conditional_escape(str(field))}\n"
        f"    {help_text}\n"
        f"    {error_list}\n"
        "  </div>\n"
    )


def _hidden_field(field) -> str:
    return str(field)


def _written(form, write) -> list[str]:
    """Each field of `form` that `write` writes (the hidden ones, or the visible ones, in the
    form's order), a field the form renders alike from the markup kept for it."""
    alike = () if form.is_bound else getattr(form, "rendered_alike", ())
    hidden = write is _hidden_field
    html = []
    for name, field in form.fields.items():
        if field.widget.is_hidden != hidden:
            continue
        if name in alike and name not in form.initial and field.initial is None:
            key = (type(form), form.prefix, form.auto_id, name, get_language())
            if (markup := _ALIKE.get(key)) is None:
                markup = _ALIKE[key] = write(form[name])
            html.append(markup)
        else:
            html.append(write(form[name]))
    return html


@register.simple_tag
def form_fields(form) -> SafeString:
    html = []
    if errors := form.non_field_errors():
        messages = "".join(f"<p>{conditional_escape(error)}</p>" for error in errors)
        html.append(f'\n  <div class="form-errors" role="alert">\n    {messages}\n  </div>\n')
    html.append("\n")
    html.extend(_written(form, _hidden_field))
    html.append("\n")
    html.extend(_written(form, _visible_field))
    html.append("\n")
    return mark_safe("".join(html))  # noqa: S308 (each value escaped above)
