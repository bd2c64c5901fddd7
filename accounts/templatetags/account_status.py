"""Template words for account statuses: their labels (from Status) and what
each one means for the person, in one place for the list, the detail page and
the mailbox-management guide."""

from django import template
from django.utils.translation import gettext_lazy as _

from accounts.models import Status
from accounts.models.account import REFUSED_UNCONFIRMED

register = template.Library()

# Shown statuses that are not stored ones (MailboxAccount.shown_status).
SHOWN_LABELS = {REFUSED_UNCONFIRMED: _("Password refused, confirming")}


# What each shown status means and what, if anything, to do about it.
MEANINGS = {
    Status.PENDING: _("Saved, and waiting for its first scheduled check."),
    Status.ACTIVE: _("The last check logged in to IMAP and SMTP: the mailbox can receive and send."),
    REFUSED_UNCONFIRMED: _(
        "The provider refused the saved password at the last check. We check once more before we call it "
        "revoked; if you revoked or changed it yourself, enter the new one now."
    ),
    Status.AUTH_FAILED: _(
        "The provider refused the saved password at two checks in a row: it was revoked or changed. "
        "Generate a new one at the provider and enter it here."
    ),
    Status.RECONNECT_NEEDED: _(
        "The provider says our sign-in for this mailbox is no longer valid (access removed, password "
        "changed, or the sign-in lapsed). Press Reconnect and sign in again; the history is kept."
    ),
    Status.UNREACHABLE: _(
        "We could not reach the mail server for several hours. The password was not judged; we keep trying "
        "and tell you when it works again."
    ),
    Status.ACTION_REQUIRED: _(
        "The provider wants something from you before it lets us log in (for example switching on IMAP). "
        "The notice under the mailbox says what."
    ),
    Status.PAUSED: _("You paused it: we do not log in until you resume it."),
}
# The order the guide explains them in.
GUIDE_ORDER = [
    Status.ACTIVE,
    Status.PENDING,
    REFUSED_UNCONFIRMED,
    Status.AUTH_FAILED,
    Status.RECONNECT_NEEDED,
    Status.UNREACHABLE,
    Status.ACTION_REQUIRED,
    Status.PAUSED,
]


@register.filter
def status_meaning(value: str) -> str:
    meaning = MEANINGS.get(value)
    return str(meaning) if meaning is not None else ""


@register.simple_tag
def status_meanings() -> list[dict]:
    """Every shown status with its label and meaning, for the guide."""
    return [{"status": str(s), "label": status_label(str(s)), "meaning": str(MEANINGS[s])} for s in GUIDE_ORDER]


@register.filter
def status_label(value: str) -> str:
    if value in SHOWN_LABELS:
        return str(SHOWN_LABELS[value])
    try:
        return Status(value).label
    except ValueError:
        return value
