"""What happened to an account: every login check and every status change."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.mailcheck import CheckResult, Outcome
from accounts.models.choices import OutcomeChoice, Status, Trigger

# Replies are stored trimmed: enough to explain, never a whole server dump.
REPLY_MAX = 500

# What an incident looks like from here: refused credentials and flaky servers.
# "Action required" and our own problems (unreadable secret, blocked address)
# are about one account, not the provider.
INCIDENT_OUTCOMES = (
    Outcome.AUTH_FAILED,
    Outcome.UNKNOWN_REFUSAL,
    Outcome.RATE_LIMITED,
    Outcome.TRANSIENT,
    Outcome.TLS_ERROR,
    Outcome.NETWORK_ERROR,
    Outcome.TIMEOUT,
    Outcome.PROTOCOL_ERROR,
)


class VerificationAttemptQuerySet(models.QuerySet):
    def window_stats(self, now, by: str = "account__provider"):
        """Outage correlation per login server: per catalog provider
        (``by="account__provider"``) or per hand-entered IMAP host
        (``by="account__imap_host"``), the accounts checked in the last
        MAILBOX_OUTAGE_WINDOW_MINUTES and how many failed their latest check.
        Latest per account, so one account's retries weigh no more than one
        account, and a server recovers as soon as its accounts do. Rows of
        ``{by, "accounts", "failed"}``."""
        since = now - timedelta(minutes=settings.MAILBOX_OUTAGE_WINDOW_MINUTES)
        latest = (
            VerificationAttempt.objects.filter(account=OuterRef("account"), started_at__gte=since)
            .order_by("-started_at", "-pk")
            .values("pk")[:1]
        )
        rows = self.filter(started_at__gte=since, pk=Subquery(latest))
        rows = rows.filter(account__provider__isnull=by != "account__provider")
        return (
            rows.values(by)
            .annotate(accounts=Count("id"), failed=Count("id", filter=Q(outcome__in=INCIDENT_OUTCOMES)))
            .order_by()
        )

    def prune(self, before, *, batch_size: int, max_batches: int) -> int:
        """Delete attempts that started before ``before``, oldest first, in
        statements of at most ``batch_size`` rows (short transactions: the
        workers inserting attempts meanwhile never wait long), at most
        ``max_batches`` of them (the rest is left for the next run). Returns
        how many were deleted.

        Each account's latest attempt stays, however old: the account page's
        history and the admin's "latest check" column show it (a paused or
        long-flagged account is checked rarely or never). Nothing the status
        rules read goes: outage correlation looks at the last
        MAILBOX_OUTAGE_WINDOW_MINUTES, the provider health page at seven days
        (accounts.E002 keeps MAILBOX_ATTEMPTS_KEEP_DAYS above that), and refusal
        evidence counts refusals since the last success: deleting oldest first
        only ever takes refusals away from it, never lets an older one count.
        """
        latest = (
            VerificationAttempt.objects.filter(account=OuterRef("account"))
            .order_by("-started_at", "-pk")
            .values("pk")[:1]
        )
        doomed = self.filter(started_at__lt=before).exclude(pk=Subquery(latest)).order_by("started_at", "pk")
        deleted = 0
        for _batch in range(max_batches):
            ids = list(doomed.values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            deleted += VerificationAttempt.objects.filter(pk__in=ids).delete()[0]
        return deleted

    def server_looks_sick(self, now, *, provider_id=None, imap_host: str = "") -> bool:
        """Most of the login server's recently checked accounts fail (at least
        MAILBOX_OUTAGE_MIN_ACCOUNTS checked, MAILBOX_OUTAGE_FAILURE_RATIO failing)."""
        if provider_id:
            rows = self.window_stats(now).filter(account__provider=provider_id)
        else:
            rows = self.window_stats(now, by="account__imap_host").filter(account__imap_host=imap_host)
        row = next(iter(rows), None)
        return row is not None and looks_sick(row)


def looks_sick(row) -> bool:
    return (
        row["accounts"] >= settings.MAILBOX_OUTAGE_MIN_ACCOUNTS
        and row["failed"] / row["accounts"] >= settings.MAILBOX_OUTAGE_FAILURE_RATIO
    )


def looks_recovered(row) -> bool:
    """Checks came back mostly fine. An empty window is no news: a degraded mark
    holds through it (it used to clear itself mid-outage whenever no check fell
    in the last half hour)."""
    return row["accounts"] > 0 and row["failed"] / row["accounts"] < settings.MAILBOX_OUTAGE_RECOVERY_RATIO


class VerificationAttempt(models.Model):
    """One login check of one account: both protocols, never the password."""

    account = models.ForeignKey("accounts.MailboxAccount", on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    outcome = models.CharField(max_length=30, choices=OutcomeChoice.choices)
    imap_outcome = models.CharField(max_length=30, choices=OutcomeChoice.choices, blank=True)
    imap_reply = models.CharField(max_length=500, blank=True)
    imap_username = models.CharField(max_length=255, blank=True)
    smtp_outcome = models.CharField(max_length=30, choices=OutcomeChoice.choices, blank=True)
    smtp_reply = models.CharField(max_length=500, blank=True)
    smtp_username = models.CharField(max_length=255, blank=True)
    # The deciding protocol's hint (a mailcheck.Hint): what the user was told.
    hint = models.CharField(max_length=40, blank=True)
    # Why a refusal did or did not flag the account (evidence, cross-check): support reads it.
    evidence = models.CharField(max_length=300, blank=True)
    credential_version = models.PositiveIntegerField(default=1)

    objects = VerificationAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("verification attempt")
        verbose_name_plural = _("verification attempts")
        indexes = [
            # The account page's history and the admin's "latest attempt" subquery.
            models.Index(fields=["account", "-started_at"], name="attempt_account_latest_idx"),
            # The provider health page and outage correlation: recent attempts by time.
            models.Index(fields=["started_at"], name="attempt_started_idx"),
        ]

    def __str__(self):
        return f"{self.account_id} {self.outcome} @ {self.started_at:%Y-%m-%d %H:%M}"

    @classmethod
    def from_result(cls, result: CheckResult, *, account, trigger, credential_version, now):
        """An unsaved attempt from a probe result. Replies are the server's words,
        already cleaned by accounts.mailcheck (no credential, no control character)."""
        # IMAP and SMTP are checked at the same time: the longer one is the duration.
        elapsed = max(result.imap.elapsed_ms, result.smtp.elapsed_ms)
        return cls(
            account=account,
            started_at=now - timedelta(milliseconds=elapsed),
            duration_ms=elapsed,
            trigger=trigger,
            outcome=result.outcome,
            imap_outcome=result.imap.outcome,
            imap_reply=result.imap.reply[:REPLY_MAX],
            imap_username=result.imap.username[:255],
            smtp_outcome=result.smtp.outcome,
            smtp_reply=result.smtp.reply[:REPLY_MAX],
            smtp_username=result.smtp.username[:255],
            hint=str(result.hint)[:40],
            credential_version=credential_version,
        )

    def summary_reply(self) -> str:
        """The reply that explains the outcome: the failing protocol's."""
        if self.imap_outcome != Outcome.OK and self.imap_reply:
            return self.imap_reply
        return self.smtp_reply or self.imap_reply


class StatusChangeQuerySet(models.QuerySet):
    def undismissed_for(self, user):
        """The dashboard notices of a user, newest first."""
        return (
            self.filter(account__owner=user, dismissed_at__isnull=True)
            .select_related("account", "account__provider")
            .order_by("-created_at")
        )


class StatusChange(models.Model):
    """Every status transition of an account (healthchecks' Flip).

    notified_at: the email was sent (or none was due). dismissed_at: the dashboard
    notice was dismissed (or none was due); rows with dismissed_at=None are notices.
    """

    account = models.ForeignKey("accounts.MailboxAccount", on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    outcome = models.CharField(max_length=30, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Claimed with a conditional update so a notice is sent once.
    notified_at = models.DateTimeField(null=True, blank=True)
    # The dashboard notice; the user dismisses it.
    dismissed_at = models.DateTimeField(null=True, blank=True)

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self):
        return f"{self.account_id}: {self.from_status} → {self.to_status}"

    def dismiss(self) -> bool:
        """Hide the notice. False when it was already dismissed."""
        now = timezone.now()
        done = StatusChange.objects.filter(pk=self.pk, dismissed_at=None).update(dismissed_at=now)
        if done:
            self.dismissed_at = now
        return bool(done)


class DegradedServer(models.Model):
    """A hand-entered login server (by IMAP host) whose checks mostly fail: no
    account on it is flagged auth_failed until it recovers. Catalog providers
    keep the same mark on Provider.degraded_since."""

    imap_host = models.CharField(max_length=255, unique=True)
    degraded_since = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("degraded server")
        verbose_name_plural = _("degraded servers")

    def __str__(self):
        return self.imap_host
