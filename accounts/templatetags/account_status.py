"""Template words for account statuses: the labels of Status, nowhere else."""

from django import template

from accounts.models import Status

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    try:
        return Status(value).label
    except ValueError:
        return value
