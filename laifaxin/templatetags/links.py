"""Links in our own sentences (a hint's "Here: https://…"): clickable, and
opening the provider's page in a new tab without handing it our window."""

from django import template
from django.template.defaultfilters import stringfilter
from django.utils.html import urlize
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter(is_safe=True, needs_autoescape=True)
@stringfilter
def external_links(value: str, autoescape: bool = True) -> str:
    html = urlize(value, nofollow=False, autoescape=autoescape)
    return mark_safe(html.replace("<a href=", '<a target="_blank" rel="noopener noreferrer" href='))
