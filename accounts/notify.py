"""Telling the user: the outbox's one sender, one email per status change worth telling.

MailboxAccount.record_attempt records a StatusChange with notified_at empty;
nothing else sends. ``send_pending`` (the beat's send_notifications task, every
MAILBOX_NOTIFY_EVERY_SECONDS) claims each row with a conditional update on
notified_at before sending, so two senders never send the same email twice, and
un-claims it when sending fails so the next run tries again.

What the email says: what happened, the likely cause for that provider
(Provider.revocation_hint) and the one thing to do — our own sentences only,
never the server's text (a hostile server's "[ALERT] re-enter your password at
http://…" must not reach anyone from our address). The dashboard notice is the
StatusChange row itself (dismissed_at=None).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.hints import explain_account
from accounts.models import Status, StatusChange
from laifaxin import counters
from users.models import has_verified_email, language_of

logger = logging.getLogger(__name__)

TEMPLATES = {
    Status.AUTH_FAILED: "emails/status_auth_failed",
    Status.UNREACHABLE: "emails/status_unreachable",
    Status.ACTION_REQUIRED: "emails/status_action_required",
    Status.RECONNECT_NEEDED: "emails/status_reconnect_needed",
    Status.ACTIVE: "emails/status_active",
}


def send_status_change(change_id: int) -> bool:
    """Email the owner about one status change. False when there was nothing to
    send: already claimed by someone else, or no template for it, or no address."""
    now = timezone.now()
    if not StatusChange.objects.filter(pk=change_id, notified_at=None).update(notified_at=now):
        return False
    change = (
        StatusChange.objects.select_related("account__owner__profile", "account__provider").filter(pk=change_id).first()
    )
    if change is None or change.to_status not in TEMPLATES or not has_verified_email(change.account.owner):
        # No template, or an address its owner has not confirmed: the dashboard
        # notice is all they get (users.models.Profile says why).
        return False
    message = build_message(change)
    try:
        message.send()
    except Exception:
        # Un-claim, so the dispatcher's sweep (send_pending) tries again later.
        StatusChange.objects.filter(pk=change_id, notified_at=now).update(notified_at=None)
        counters.bump("notifications_failed")
        logger.exception("Could not send the %s notice for mailbox account %s", change.to_status, change.account_id)
        return False
    counters.bump("notifications_sent")
    logger.info("Sent %s notice for mailbox account %s", change.to_status, change.account_id)
    return True


def build_message(change: StatusChange) -> EmailMultiAlternatives:
    account = change.account
    # The owner's language (chosen at sign-up), zh-hans when none is stored.
    with translation.override(language_of(account.owner)):
        context = {
            "account": account,
            "explanation": explain_account(account),
            "provider": account.provider,
            "change": change,
            "revocation_hint": account.provider.revocation_hint if account.provider_id else "",
            "account_url": settings.SITE_URL + reverse("accounts:detail", args=[account.pk]),
            "password_url": settings.SITE_URL + reverse("accounts:change_password", args=[account.pk]),
            # The detail page carries the Reconnect button (a POST: no sign-in starts from a mail client's link preview).
            "reconnect_url": settings.SITE_URL + reverse("accounts:detail", args=[account.pk]),
            "site_url": settings.SITE_URL,
        }
        name = TEMPLATES[change.to_status]
        subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
        text = render_to_string(f"{name}_body.txt", context)
        html = render_to_string(f"{name}_body.html", context)
    message = EmailMultiAlternatives(subject, text, to=[account.owner.email])
    message.attach_alternative(html, "text/html")
    return message


def send_pending(max_age_hours: int = 24) -> int:
    """Send every status change still in the outbox, oldest first; returns how
    many were sent. Not ancient ones: a week-old notice is noise."""
    now = timezone.now()
    ids = (
        StatusChange.objects.filter(
            notified_at=None,
            created_at__gte=now - timedelta(hours=max_age_hours),
        )
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    return sum(send_status_change(pk) for pk in list(ids))
