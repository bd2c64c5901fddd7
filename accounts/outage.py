"""Provider-outage correlation.

Providers refuse good passwords for hours during incidents (Gmail 2020-05-04 and
2024-05-16, QQ in 2024). One account's refusal says little; most of a provider's
accounts failing in the same half hour says "the provider is sick". While a
provider is degraded nobody is flagged auth_failed (record_attempt asks
provider_looks_degraded); the dispatcher calls update_provider_health every
minute to mark and clear Provider.degraded_since, which support staff see.

A provider with fewer than MAILBOX_OUTAGE_MIN_ACCOUNTS accounts checked in the
window is never judged degraded: too few to tell an incident from bad luck.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import VerificationAttempt
from accounts.probe import Outcome
from providers.models import Provider

logger = logging.getLogger(__name__)

# What an incident looks like from here: refused credentials and flaky servers.
# "Action required" and our own problems (unreadable secret, blocked address)
# are about one account, not the provider.
INCIDENT_OUTCOMES = (
    Outcome.AUTH_FAILED,
    Outcome.RATE_LIMITED,
    Outcome.TRANSIENT,
    Outcome.TLS_ERROR,
    Outcome.NETWORK_ERROR,
    Outcome.TIMEOUT,
    Outcome.PROTOCOL_ERROR,
)


def _window_stats(now):
    """Per provider: accounts checked in the window, and how many of them failed
    their latest check. Latest per account, so one account's retries weigh no
    more than one account, and a provider recovers as soon as its accounts do."""
    since = now - timedelta(minutes=settings.MAILBOX_OUTAGE_WINDOW_MINUTES)
    latest = (
        VerificationAttempt.objects.filter(account=OuterRef("account"), started_at__gte=since)
        .order_by("-started_at", "-pk")
        .values("pk")[:1]
    )
    return (
        VerificationAttempt.objects.filter(
            started_at__gte=since, account__provider__isnull=False, pk=Subquery(latest)
        )
        .values("account__provider")
        .annotate(
            accounts=Count("id"),
            failed=Count("id", filter=Q(outcome__in=INCIDENT_OUTCOMES)),
        )
        .order_by()
    )


def _is_sick(row) -> bool:
    return (
        row["accounts"] >= settings.MAILBOX_OUTAGE_MIN_ACCOUNTS
        and row["failed"] / row["accounts"] >= settings.MAILBOX_OUTAGE_FAILURE_RATIO
    )


def _has_recovered(row) -> bool:
    return row["accounts"] == 0 or row["failed"] / row["accounts"] < settings.MAILBOX_OUTAGE_RECOVERY_RATIO


def provider_looks_degraded(provider: Provider, now=None) -> bool:
    """True when the provider is marked degraded, or its recent checks say it is
    (then it is marked on the spot: the flag decision must not wait for the next
    dispatcher run)."""
    now = now or timezone.now()
    if Provider.objects.filter(pk=provider.pk, degraded_since__isnull=False).exists():
        return True
    stats = next(iter(_window_stats(now).filter(account__provider=provider.pk)), None)
    if stats and _is_sick(stats):
        _mark_degraded(provider.pk, now, stats)
        return True
    return False


def update_provider_health(now=None) -> None:
    """Mark providers whose checks mostly fail as degraded; clear recovered ones."""
    now = now or timezone.now()
    stats = {row["account__provider"]: row for row in _window_stats(now)}
    for pk, row in stats.items():
        if _is_sick(row):
            _mark_degraded(pk, now, row)
    for provider in Provider.objects.filter(degraded_since__isnull=False):
        row = stats.get(provider.pk, {"accounts": 0, "failed": 0})
        if _has_recovered(row):
            cleared = Provider.objects.filter(
                pk=provider.pk, degraded_since=provider.degraded_since
            ).update(degraded_since=None)
            if cleared:
                logger.warning(
                    "Provider %s recovered (%d of %d accounts failing); judging resumes.",
                    provider.slug, row["failed"], row["accounts"],
                )


def _mark_degraded(provider_pk: int, now, row) -> None:
    # Conditional: keeps the start of the incident, and logs it once.
    if Provider.objects.filter(pk=provider_pk, degraded_since__isnull=True).update(degraded_since=now):
        logger.warning(
            "Provider %s degraded: the latest check of %d of %d accounts failed; "
            "auth_failed flags are held.",
            provider_pk, row["failed"], row["accounts"],
        )
