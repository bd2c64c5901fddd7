"""The provider health page (/admin/providers-health/), in a fixed number of queries.

Per provider: accounts by status, checks and failures by outcome over the last
24 hours and 7 days, and two small bar charts (checks per hour over 24 h, per
day over 7 days) drawn as server-side SVG. Every number comes from one
aggregate query (COUNT ... FILTER), never from a loop over accounts or
attempts, so the page costs the same with 10 or 10,000 accounts.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.db.models.functions import TruncDate, TruncHour
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import MailboxAccount, OutcomeChoice, Status, VerificationAttempt
from providers.models import Provider

CHART_HEIGHT = 40
BAR_WIDTH = 8
BAR_GAP = 2
OK = OutcomeChoice.OK.value


@dataclass
class Bar:
    label: str
    total: int
    failed: int
    x: int = 0
    ok_y: float = 0
    ok_height: float = 0
    failed_y: float = 0
    failed_height: float = 0


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    bar_width: int = BAR_WIDTH
    width: int = 0
    height: int = CHART_HEIGHT

    def __post_init__(self):
        # Scaled per chart: the shape of one provider's day is what staff read.
        top = max((b.total for b in self.bars), default=0) or 1
        for i, bar in enumerate(self.bars):
            bar.x = i * (self.bar_width + BAR_GAP)
            bar.ok_height = round((bar.total - bar.failed) / top * CHART_HEIGHT, 1)
            bar.failed_height = round(bar.failed / top * CHART_HEIGHT, 1)
            bar.ok_y = round(CHART_HEIGHT - bar.ok_height, 1)
            bar.failed_y = round(bar.ok_y - bar.failed_height, 1)
        self.width = len(self.bars) * (self.bar_width + BAR_GAP)


@dataclass
class WindowStats:
    total: int = 0
    # (outcome, label, count) for every failing outcome seen, most frequent first.
    failures: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(count for _, _, count in self.failures)

    @property
    def failure_percent(self) -> int | None:
        return round(100 * self.failed / self.total) if self.total else None


@dataclass
class ProviderHealth:
    provider: Provider | None
    name: str
    degraded_since: datetime | None
    accounts_total: int
    # (status, label, count) for every status with at least one account.
    accounts_by_status: list[tuple[str, str, int]]
    day: WindowStats
    week: WindowStats
    hourly: Chart
    daily: Chart

    @property
    def is_degraded(self) -> bool:
        return self.degraded_since is not None

    @property
    def is_idle(self) -> bool:
        """No account and no check this week: listed in one line, not as a row."""
        return not self.accounts_total and not self.week.total and not self.is_degraded

    @property
    def windows(self) -> tuple[WindowStats, WindowStats]:
        return (self.day, self.week)

    @property
    def charts(self) -> tuple[Chart, Chart]:
        return (self.hourly, self.daily)


def provider_health(now: datetime | None = None) -> list[ProviderHealth]:
    """One entry per provider (and one for hand-entered servers), degraded ones first."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    day_ago, week_ago = now - timedelta(hours=24), now - timedelta(days=7)
    first_hour = timezone.localtime(now, tz).replace(minute=0, second=0, microsecond=0) - timedelta(hours=23)
    first_day = timezone.localtime(now, tz).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=6)

    # 1. Accounts by status.
    accounts = {
        row["provider"]: row
        for row in MailboxAccount.objects.order_by()
        .values("provider")
        .annotate(
            total=Count("id"),
            **{f"s_{status}": Count("id", filter=Q(status=status)) for status in Status.values},
        )
    }

    # 2. Checks by outcome in both windows.
    outcome_counts = {}
    for prefix, since in (("d", day_ago), ("w", week_ago)):
        outcome_counts[f"{prefix}_total"] = Count("id", filter=Q(started_at__gte=since))
        for outcome in OutcomeChoice.values:
            outcome_counts[f"{prefix}_{outcome}"] = Count("id", filter=Q(started_at__gte=since, outcome=outcome))
    recent = VerificationAttempt.objects.filter(started_at__gte=min(week_ago, first_day), started_at__lte=now)
    attempts = {
        row["account__provider"]: row
        for row in recent.filter(started_at__gte=week_ago)
        .order_by()
        .values("account__provider")
        .annotate(**outcome_counts)
    }

    # 3 and 4. The charts.
    failed = Count("id", filter=~Q(outcome=OK))
    hourly = {
        (row["account__provider"], row["slot"]): row
        for row in recent.filter(started_at__gte=first_hour)
        .annotate(slot=TruncHour("started_at", tzinfo=tz))
        .order_by()
        .values("account__provider", "slot")
        .annotate(total=Count("id"), failed=failed)
    }
    daily = {
        (row["account__provider"], row["slot"]): row
        for row in recent.filter(started_at__gte=first_day)
        .annotate(slot=TruncDate("started_at", tzinfo=tz))
        .order_by()
        .values("account__provider", "slot")
        .annotate(total=Count("id"), failed=failed)
    }
    hours = [first_hour + timedelta(hours=i) for i in range(24)]
    days = [(first_day + timedelta(days=i)).date() for i in range(7)]

    # 5. The catalog.
    providers: list[Provider | None] = list(Provider.objects.all())
    if None in accounts or None in attempts:
        providers.append(None)

    report = []
    for provider in providers:
        pk = provider.pk if provider else None
        account_row = accounts.get(pk, {})
        attempt_row = attempts.get(pk, {})
        report.append(
            ProviderHealth(
                provider=provider,
                name=provider.name if provider else gettext("Other (hand-entered servers)"),
                degraded_since=provider.degraded_since if provider else None,
                accounts_total=account_row.get("total", 0),
                accounts_by_status=[
                    (value, label, account_row[f"s_{value}"])
                    for value, label in Status.choices
                    if account_row.get(f"s_{value}")
                ],
                day=_window(attempt_row, "d"),
                week=_window(attempt_row, "w"),
                hourly=Chart(
                    gettext("Checks per hour, last 24 hours"),
                    [_bar(hourly.get((pk, hour)), f"{hour:%H}:00") for hour in hours],
                ),
                daily=Chart(
                    gettext("Checks per day, last 7 days"),
                    [_bar(daily.get((pk, day)), f"{day:%m-%d}") for day in days],
                    bar_width=4 * BAR_WIDTH,
                ),
            )
        )
    report.sort(key=lambda h: (not h.is_degraded, h.provider is None))
    return report


def _window(row: dict, prefix: str) -> WindowStats:
    labels = dict(OutcomeChoice.choices)
    failures = [
        (outcome, labels[outcome], row.get(f"{prefix}_{outcome}", 0))
        for outcome in OutcomeChoice.values
        if outcome != OK and row.get(f"{prefix}_{outcome}")
    ]
    failures.sort(key=lambda f: -f[2])
    return WindowStats(total=row.get(f"{prefix}_total", 0), failures=failures)


def _bar(row: dict | None, label: str) -> Bar:
    return Bar(label=label, total=row["total"] if row else 0, failed=row["failed"] if row else 0)


def provider_health_view(request):
    """Staff page (wrapped in admin_view in laifaxin/urls.py): is one provider failing?"""
    if not request.user.has_perm("accounts.view_mailboxaccount"):
        raise PermissionDenied
    report = provider_health()
    context = {
        **admin.site.each_context(request),
        "title": _("Provider health"),
        "report": report,
        "idle": [row for row in report if row.is_idle],
        "accounts_url": reverse("admin:accounts_mailboxaccount_changelist"),
        "attempts_url": reverse("admin:accounts_verificationattempt_changelist"),
    }
    return TemplateResponse(request, "admin/provider_health.html", context)
