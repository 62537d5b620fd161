"""`{% include_alike "template" %}`: a template that reads nothing but the language (fixed
texts, the addresses of static files), rendered alone once a language and process instead of
on every page. It gets no context: a variable in it renders empty, on the first page as on
every other. In development (DEBUG) it is rendered every time, as edited."""

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

_RENDERED: dict[tuple[str, str], SafeString] = {}


@register.simple_tag
def include_alike(template_name: str) -> SafeString:
    key = (template_name, get_language())
    html = None if settings.DEBUG else _RENDERED.get(key)
    if html is None:
        html = _RENDERED[key] = mark_safe(render_to_string(template_name))  # noqa: S308 (a template's own output)
    return html
