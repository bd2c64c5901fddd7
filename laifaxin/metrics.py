"""/metrics: Prometheus text exposition, computed from the database at each scrape.

Nothing is kept in process memory, so any web process answers for the whole
fleet (every worker writes its checks to the database) and gunicorn's or
Celery's process count does not matter. Every query is bounded: attempts only
within METRICS_WINDOW_MINUTES (the started_at index), accounts through the due
index, the rest small tables. Event counters a table does not hold (refused
live checks, emails sent or failed) come from the shared cache
(laifaxin.counters).

Access: a request carrying ``Authorization: Bearer <METRICS_TOKEN>``, or one
whose client address (laifaxin.throttle.client_ip) is in
METRICS_ALLOWED_NETWORKS; anyone else gets 403. Labels carry catalog slugs and
outcome codes, never an address, a host or a user.
"""

from __future__ import annotations

import hmac
import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min, Q, Sum
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeHistogramMetricFamily, GaugeMetricFamily
from prometheus_client.utils import floatToGoString

from accounts.models import DegradedServer, MailboxAccount, StatusChange, VerificationAttempt
from laifaxin import counters
from laifaxin.models import Heartbeat
from laifaxin.throttle import client_ip
from providers.models import Provider

# Check durations (seconds): a login pair takes well under a second locally,
# a few behind a slow provider, and at most MAILBOX_CHECK_TIMEOUT.
DURATION_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 20, 30, 60)
HAND_ENTERED = "other"


def is_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


class PortalCollector:
    def __init__(self, now=None):
        self.now = now or timezone.now()

    def collect(self):
        now = self.now
        window = timedelta(minutes=settings.METRICS_WINDOW_MINUTES)
        since = now - window
        attempts = VerificationAttempt.objects.filter(started_at__gte=since)
        yield from self._checks(attempts)
        yield self._durations(attempts)
        yield from self._schedule(now)
        yield from self._degraded()
        yield from self._notifications()
        yield from self._processes(now)

    def _checks(self, attempts):
        checks = GaugeMetricFamily(
            "laifaxin_checks",
            f"Login checks started in the last {settings.METRICS_WINDOW_MINUTES} minutes, "
            "by catalog provider (other: hand-entered servers), outcome and trigger.",
            labels=["provider", "outcome", "trigger"],
        )
        rows = attempts.values("account__provider__slug", "outcome", "trigger").annotate(n=Count("id")).order_by()
        for row in rows:
            checks.add_metric(
                [row["account__provider__slug"] or HAND_ENTERED, row["outcome"], row["trigger"]], row["n"]
            )
        yield checks

    def _durations(self, attempts):
        aggregates = {
            f"le_{i}": Count("id", filter=Q(duration_ms__lte=b * 1000)) for i, b in enumerate(DURATION_BUCKETS)
        }
        totals = attempts.aggregate(total=Count("id"), milliseconds=Sum("duration_ms"), **aggregates)
        buckets = [(floatToGoString(b), totals[f"le_{i}"]) for i, b in enumerate(DURATION_BUCKETS)]
        buckets.append(("+Inf", totals["total"]))
        return GaugeHistogramMetricFamily(
            "laifaxin_check_duration_seconds",
            f"Duration of the login checks started in the last {settings.METRICS_WINDOW_MINUTES} minutes.",
            buckets=buckets,
            gsum_value=(totals["milliseconds"] or 0) / 1000,
        )

    def _schedule(self, now):
        expired = now - timedelta(seconds=settings.MAILBOX_CLAIM_EXPIRES_SECONDS)
        due = MailboxAccount.objects.due(now)
        backlog = due.filter(claimed_at__isnull=True).aggregate(n=Count("id"), oldest=Min("next_check_at"))
        yield GaugeMetricFamily(
            "laifaxin_due_unclaimed_accounts",
            "Accounts due for a check that no dispatcher has claimed yet (the backlog).",
            value=backlog["n"],
        )
        oldest = (now - backlog["oldest"]).total_seconds() if backlog["oldest"] else 0.0
        yield GaugeMetricFamily(
            "laifaxin_backlog_oldest_seconds",
            "How long the longest-waiting due, unclaimed account has been due.",
            value=max(0.0, oldest),
        )
        yield GaugeMetricFamily(
            "laifaxin_claims_expired",
            "Accounts whose claim is older than MAILBOX_CLAIM_EXPIRES_SECONDS (a worker died holding them).",
            value=MailboxAccount.objects.filter(claimed_at__lt=expired).count(),
        )

    def _degraded(self):
        providers = GaugeMetricFamily(
            "laifaxin_provider_degraded",
            "1 for each catalog provider marked degraded (refusals there flag no account).",
            labels=["provider"],
        )
        for slug in Provider.objects.filter(degraded_since__isnull=False).values_list("slug", flat=True):
            providers.add_metric([slug], 1)
        yield providers
        yield GaugeMetricFamily(
            "laifaxin_degraded_servers",
            "Hand-entered login servers marked degraded.",
            value=DegradedServer.objects.count(),
        )

    def _notifications(self):
        values = counters.read()
        for name in ("notifications_sent", "notifications_failed", "live_checks_refused"):
            yield CounterMetricFamily(f"laifaxin_{name}", counters.COUNTERS[name], value=values[name])
        yield GaugeMetricFamily(
            "laifaxin_notifications_pending",
            "Status changes in the outbox not handed to the sender yet.",
            value=StatusChange.objects.filter(notified_at__isnull=True).count(),
        )

    def _processes(self, now):
        fresh_since = now - timedelta(seconds=3 * settings.HEARTBEAT_SECONDS)
        yield GaugeMetricFamily(
            "laifaxin_workers_alive",
            "Celery workers that sent a heartbeat within three heartbeat periods.",
            value=Heartbeat.objects.filter(name__startswith="worker:", at__gte=fresh_since).count(),
        )
        beat = Heartbeat.objects.filter(name="beat").values_list("at", flat=True).first()
        yield GaugeMetricFamily(
            "laifaxin_beat_last_dispatch_seconds",
            "Seconds since the beat last sent the dispatcher (-1: never).",
            value=(now - beat).total_seconds() if beat else -1.0,
        )


def metrics(request):
    if not is_allowed(request):
        return JsonResponse({"error": "forbidden"}, status=403)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PortalCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
