"""The form renderer: Django's, with its commonest widget and label templates written out.

Django renders every input, label and option through a template of its own, a few of them
nested (an input includes its attributes' template; a select includes one per option). On
a page with a form that is most of its rendering. These functions write the same markup
as Django's templates, character for character (tests/test_form_renderer.py compares them);
any other template, or a select with an option of another template, is rendered by Django.
"""

from html import escape

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

WIDGETS = "django/forms/widgets/"
OPTION = WIDGETS + "select_option.html"
CHOICE_OPTIONS = {WIDGETS + "radio_option.html", WIDGETS + "checkbox_option.html"}


def _text(value) -> str:
    """As `{{ value }}`: localized, then escaped unless safe."""
    return conditional_escape(localize(value))


def _value(value) -> str:
    """As `{{ value|stringformat:'s' }}`: safe text as it is, anything else escaped."""
    try:
        text = "%s" % value  # noqa: UP031 (the filter's own formatting)
    except (TypeError, ValueError):
        return ""
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: True gives the bare name, False nothing."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_value(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input_tag(widget) -> str:
    value = widget["value"]
    given = "" if value is None else f' value="{_value(value)}"'
    return (
        f'<input type="{_text(widget["type"])}" '
        f'name="{_text(widget["name"])}"{given}{_attrs(widget["attrs"])}>'
    )


def _input(context) -> str:
    return _input_tag(context["widget"])


def _textarea(context) -> str:
    widget = context["widget"]
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _select(context) -> str | None:
    widget = context["widget"]
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                return None
            parts.append(
                f'\n  <option value="{_value(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _choice_option(option) -> str:
    """As radio_option.html or checkbox_option.html (input_option.html inside)."""
    tag = _input_tag(option)
    if not option["wrap_label"]:
        return f"{tag}\n\n\n"
    option_id = option["attrs"].get("id")
    given = f' for="{_text(option_id)}"' if option_id else ""
    return f"<label{given}>{tag}\n {_text(option['label'])}</label>\n\n"


def _multiple_input(context) -> str | None:
    """As multiple_input.html: radio buttons and checkboxes, each in a div."""
    widget = context["widget"]
    attrs = widget["attrs"]
    given = f' id="{_text(attrs["id"])}"' if attrs.get("id") else ""
    if attrs.get("class"):
        given += f' class="{_text(attrs["class"])}"'
    parts = [f"<div{given}>"]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_text(group)}</label>")
        for option in options:
            if option["template_name"] not in CHOICE_OPTIONS:
                return None
            parts.append(f"<div>\n    {_choice_option(option)}</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


def _label(context) -> str:
    label = _text(context["label"])
    if not context["use_tag"]:
        return label.strip()
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>"


# Each of these templates of Django's is `{% include "django/forms/widgets/input.html" %}`.
INPUTS = [
    "checkbox",
    "color",
    "date",
    "datetime",
    "email",
    "file",
    "hidden",
    "input",
    "number",
    "password",
    "search",
    "tel",
    "text",
    "time",
    "url",
]
WRITERS = {
    **{f"{WIDGETS}{name}.html": _input for name in INPUTS},
    WIDGETS + "textarea.html": _textarea,
    WIDGETS + "select.html": _select,
    WIDGETS + "radio.html": _multiple_input,
    WIDGETS + "checkbox_select.html": _multiple_input,
    "django/forms/label.html": _label,
}


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        write = WRITERS.get(template_name)
        html = write(context) if write is not None else None
        if html is None:
            return super().render(template_name, context, request=request)
        return html
