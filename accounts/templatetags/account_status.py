"""Template words for account statuses: the labels of Status, nowhere else."""

from django import template
from django.utils.translation import gettext_lazy as _

from accounts.models import Status
from accounts.models.account import REFUSED_UNCONFIRMED

register = template.Library()

# Shown statuses that are not stored ones (MailboxAccount.shown_status).
SHOWN_LABELS = {REFUSED_UNCONFIRMED: _("Password refused, confirming")}


@register.filter
def status_label(value: str) -> str:
    if value in SHOWN_LABELS:
        return str(SHOWN_LABELS[value])
    try:
        return Status(value).label
    except ValueError:
        return value
