"""`{% form_fields form %}`: a form's errors and fields as templates/_form_fields.html showed
them, written in Python. Nearly every form page includes that template, and its loops and
lookups per field cost more than the fields' widgets (core.forms writes those)."""

from django import template
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def form_fields(form) -> SafeString:
    html = []
    if errors := form.non_field_errors():
        messages = "".join(f"<p>{conditional_escape(error)}</p>" for error in errors)
        html.append(f'\n  <div class="form-errors" role="alert">\n    {messages}\n  </div>\n')
    html.append("\n")
    html.extend(str(field) for field in form.hidden_fields())
    html.append("\n")
    for field in form.visible_fields():
        errors = field.errors
        # The help text is the form's own, markup allowed (the template marked it |safe).
        help_text = (
            f'<div class="field__help" id="{escape(field.auto_id)}_helptext">'
            f"{field.help_text}</div>"
            if field.help_text
            else ""
        )
        error_list = "".join(f'<p class="field__error">{conditional_escape(e)}</p>' for e in errors)
        html.append(
            f'\n  <div class="field{" field--error" if errors else ""}">\n'
            f"    {conditional_escape(str(field.label_tag()))}\n"
            f"    {conditional_escape(str(field))}\n"
            f"    {help_text}\n"
            f"    {error_list}\n"
            "  </div>\n"
        )
    html.append("\n")
    return mark_safe("".join(html))  # noqa: S308 (each value escaped above)
